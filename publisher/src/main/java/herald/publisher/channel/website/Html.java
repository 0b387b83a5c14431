package herald.publisher.channel.website;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/** HTML escaping and small text helpers for the website's pages. */
final class Html {

  private Html() {}

  /** Escapes text for an HTML element body or a quoted attribute value. */
  static String escape(String s) {
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  /**
   * Whether the text is an absolute http(s) URL, the only kind that becomes a link: anything else
   * ({@code javascript:}, {@code data:}) could run script in the reader's browser.
   */
  static boolean isWebUrl(String s) {
    try {
      URI uri = new URI(s.trim());
      String scheme = uri.getScheme();
      return scheme != null
          && (scheme.equalsIgnoreCase("https") || scheme.equalsIgnoreCase("http"))
          && uri.getHost() != null;
    } catch (URISyntaxException e) {
      return false;
    }
  }

  /**
   * A label from a field id: {@code startsAt} → {@code Starts at}, {@code time_zone} → {@code Time
   * zone}.
   */
  static String label(String fieldId) {
    String spaced =
        fieldId
            .replaceAll("([\\p{Ll}\\p{N}])(\\p{Lu})", "$1 $2")
            .replace('_', ' ')
            .replace('-', ' ')
            .trim()
            .toLowerCase(Locale.ROOT);
    return capitalize(spaced, Locale.ROOT);
  }

  /** The text with its first letter in upper case, by the rules of the locale. */
  static String capitalize(String s, Locale locale) {
    if (s.isEmpty()) {
      return s;
    }
    int first = s.offsetByCodePoints(0, 1);
    return s.substring(0, first).toUpperCase(locale) + s.substring(first);
  }
}
