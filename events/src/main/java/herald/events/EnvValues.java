package herald.events;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads typed settings from an environment map: the one parser of numbers, lists and durations for
 * every service's configuration. Blank or absent is the default; anything else that does not parse
 * fails with the variable's name.
 */
public final class EnvValues {
  private EnvValues() {}

  /** A whole number. */
  public static int intOf(Map<String, String> env, String name, int dflt) {
    return Math.toIntExact(longOf(env, name, dflt));
  }

  /** A whole number. */
  public static long longOf(Map<String, String> env, String name, long dflt) {
    return value(env, name).map(v -> parse(name, v, Long::parseLong)).orElse(dflt);
  }

  /** A decimal number. */
  public static double doubleOf(Map<String, String> env, String name, double dflt) {
    return value(env, name).map(v -> parse(name, v, Double::parseDouble)).orElse(dflt);
  }

  /** The value, stripped, unless blank or absent. */
  public static Optional<String> value(Map<String, String> env, String name) {
    return Optional.ofNullable(env.get(name)).map(String::strip).filter(v -> !v.isEmpty());
  }

  /** A comma-separated list, items stripped, empty items dropped. */
  public static List<String> list(String s) {
    return Arrays.stream(s.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
  }

  /** Reads {@code 0s,500ms,5m,2h}: a number with unit ms, s, m or h (none is seconds). */
  public static List<Duration> durations(String spec) {
    List<Duration> out = new ArrayList<>();
    for (String d : list(spec)) {
      String num = d.replaceAll("[a-z]+$", "");
      String unit = d.substring(num.length());
      long n;
      try {
        n = Long.parseLong(num);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("not a duration: '" + d + "'", e);
      }
      out.add(
          switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "s", "" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> throw new IllegalArgumentException("not a duration: '" + d + "'");
          });
    }
    return out;
  }

  private interface Parser<T> {
    T parse(String s);
  }

  private static <T> T parse(String name, String v, Parser<T> p) {
    try {
      return p.parse(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a number, not '" + v + "'", e);
    }
  }
}
