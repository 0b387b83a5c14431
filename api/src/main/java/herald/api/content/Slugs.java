package herald.api.content;

import java.text.Normalizer;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * URL slugs: lower-case ASCII, words joined by '-'. Cyrillic is transliterated (Serbian rules for
 * Serbian and Macedonian-looking text, Russian rules otherwise) and diacritics are stripped, so
 * {@code Milošević} and {@code Милошевић} both give {@code milosevic}.
 */
public final class Slugs {
  public static final int MAX_LENGTH = 96;
  private static final Pattern VALID = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");
  private static final Pattern MARKS = Pattern.compile("\\p{M}+");
  private static final Pattern NON_WORD = Pattern.compile("[^a-z0-9]+");

  /** Serbian Cyrillic to ASCII, through Serbian Latin (ђ → đ → dj, ћ → ć → c). */
  private static final Map<Character, String> SERBIAN =
      Map.ofEntries(
          Map.entry('ђ', "dj"),
          Map.entry('ж', "z"),
          Map.entry('ј', "j"),
          Map.entry('љ', "lj"),
          Map.entry('њ', "nj"),
          Map.entry('ћ', "c"),
          Map.entry('ц', "c"),
          Map.entry('ч', "c"),
          Map.entry('џ', "dz"),
          Map.entry('ш', "s"),
          Map.entry('х', "h"),
          Map.entry('ѓ', "gj"),
          Map.entry('ќ', "kj"),
          Map.entry('ѕ', "dz"));

  /** Russian (and Bulgarian, Ukrainian) Cyrillic to ASCII, after common passport-style rules. */
  private static final Map<Character, String> RUSSIAN =
      Map.ofEntries(
          Map.entry('ж', "zh"),
          Map.entry('х', "kh"),
          Map.entry('ц', "ts"),
          Map.entry('ч', "ch"),
          Map.entry('ш', "sh"),
          Map.entry('щ', "shch"),
          Map.entry('ъ', ""),
          Map.entry('ы', "y"),
          Map.entry('ь', ""),
          Map.entry('э', "e"),
          Map.entry('ю', "yu"),
          Map.entry('я', "ya"),
          Map.entry('ё', "e"),
          Map.entry('й', "y"),
          Map.entry('є', "ye"),
          Map.entry('і', "i"),
          Map.entry('ї', "yi"),
          Map.entry('ґ', "g"));

  /** Letters shared by all Cyrillic alphabets, transliterated the same way. */
  private static final Map<Character, String> COMMON =
      Map.ofEntries(
          Map.entry('а', "a"),
          Map.entry('б', "b"),
          Map.entry('в', "v"),
          Map.entry('г', "g"),
          Map.entry('д', "d"),
          Map.entry('е', "e"),
          Map.entry('з', "z"),
          Map.entry('и', "i"),
          Map.entry('к', "k"),
          Map.entry('л', "l"),
          Map.entry('м', "m"),
          Map.entry('н', "n"),
          Map.entry('о', "o"),
          Map.entry('п', "p"),
          Map.entry('р', "r"),
          Map.entry('с', "s"),
          Map.entry('т', "t"),
          Map.entry('у', "u"),
          Map.entry('ф', "f"));

  private Slugs() {}

  /** Whether a client-given slug is acceptable as it is. */
  public static boolean isValid(String slug) {
    return slug.length() <= MAX_LENGTH && VALID.matcher(slug).matches();
  }

  /** A slug from a title in the given locale; empty string when nothing is left. */
  public static String of(String title, String locale) {
    String lower = title.toLowerCase(Locale.ROOT);
    boolean serbianRules = usesSerbianRules(lower, locale);
    StringBuilder sb = new StringBuilder(lower.length());
    for (int i = 0; i < lower.length(); i++) {
      char c = lower.charAt(i);
      String t = serbianRules ? SERBIAN.get(c) : RUSSIAN.get(c);
      if (t == null) {
        t = COMMON.get(c);
      }
      if (t == null && serbianRules) {
        t = RUSSIAN.get(c);
      }
      if (t != null) {
        sb.append(t);
      } else if (c == 'đ') {
        sb.append("dj");
      } else if (c == 'ß') {
        sb.append("ss");
      } else if (c == 'æ') {
        sb.append("ae");
      } else if (c == 'ø') {
        sb.append("o");
      } else if (c == 'ł') {
        sb.append("l");
      } else {
        sb.append(c);
      }
    }
    String ascii = MARKS.matcher(Normalizer.normalize(sb, Normalizer.Form.NFD)).replaceAll("");
    String slug = NON_WORD.matcher(ascii).replaceAll("-");
    slug = trimDashes(slug);
    if (slug.length() > MAX_LENGTH) {
      slug = slug.substring(0, MAX_LENGTH);
      int cut = slug.lastIndexOf('-');
      slug = trimDashes(cut > MAX_LENGTH / 2 ? slug.substring(0, cut) : slug);
    }
    return slug;
  }

  private static boolean usesSerbianRules(String text, String locale) {
    String l = locale == null ? "" : locale.toLowerCase(Locale.ROOT);
    if (l.startsWith("sr")
        || l.startsWith("mk")
        || l.startsWith("bs")
        || l.startsWith("me")
        || l.startsWith("hr")) {
      return true;
    }
    if (l.startsWith("ru") || l.startsWith("uk") || l.startsWith("bg") || l.startsWith("be")) {
      return false;
    }
    // Letters that only the Serbian and Macedonian alphabets have decide for other locales.
    return text.chars().anyMatch(ch -> "ђјљњћџѓќѕ".indexOf(ch) >= 0);
  }

  private static String trimDashes(String s) {
    int a = 0;
    int b = s.length();
    while (a < b && s.charAt(a) == '-') {
      a++;
    }
    while (b > a && s.charAt(b - 1) == '-') {
      b--;
    }
    return s.substring(a, b);
  }
}
