package herald.api.studio;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.text.MessageFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * The interface's words in one language, from the resource bundle {@code
 * studio/labels_<lang>.properties} (UTF-8): English and Serbian in Latin script. A key missing from
 * a translation falls back to English; a key missing from English shows as itself, so that a
 * forgotten label is visible, not blank.
 */
public final class Labels {
  /** The interface languages, English first (the default). */
  public static final List<String> LANGUAGES = List.of("en", "sr-Latn");

  private static final Map<String, Labels> ALL =
      Map.of("en", new Labels("en", load("en")), "sr-Latn", new Labels("sr-Latn", load("sr-Latn")));

  private final String lang;
  private final Properties words;
  private final Locale locale;

  private Labels(String lang, Properties words) {
    this.lang = lang;
    this.words = words;
    this.locale = Locale.forLanguageTag(lang);
  }

  /** The labels of a language, English for one the interface does not have. */
  public static Labels of(String lang) {
    Labels l = lang == null ? null : ALL.get(lang);
    return l == null ? ALL.get("en") : l;
  }

  /** The interface language that best fits an {@code Accept-Language} header. */
  public static String fromAcceptLanguage(String header) {
    if (header == null || header.isBlank()) {
      return "en";
    }
    try {
      for (Locale.LanguageRange r : Locale.LanguageRange.parse(header)) {
        String tag = r.getRange().toLowerCase(Locale.ROOT);
        if (tag.startsWith("sr")
            || tag.startsWith("hr")
            || tag.startsWith("bs")
            || tag.startsWith("sh")
            || tag.startsWith("cnr")) {
          return "sr-Latn";
        }
        if (tag.startsWith("en")) {
          return "en";
        }
      }
    } catch (IllegalArgumentException e) {
      // a malformed header: the default
    }
    return "en";
  }

  public String lang() {
    return lang;
  }

  public Locale locale() {
    return locale;
  }

  /** The label of a key. */
  public String t(String key) {
    String v = words.getProperty(key);
    if (v == null && !lang.equals("en")) {
      v = ALL.get("en").words.getProperty(key);
    }
    return v == null ? key : v;
  }

  /** The label of a key with its {@code {0}}, {@code {1}} … filled in. */
  public String f(String key, Object... args) {
    return new MessageFormat(t(key), locale).format(args);
  }

  /** Every key of the language's own bundle (for the test that translations are complete). */
  public static Set<String> keys(String lang) {
    return new TreeSet<>(ALL.get(lang).words.stringPropertyNames());
  }

  private static Properties load(String lang) {
    String name = "/studio/labels_" + lang.replace('-', '_') + ".properties";
    Properties p = new Properties();
    try (InputStream in = Labels.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is missing from the class path");
      }
      p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p;
  }
}
