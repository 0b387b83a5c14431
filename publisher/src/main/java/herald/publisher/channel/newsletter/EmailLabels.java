package herald.publisher.channel.newsletter;

import java.util.Locale;
import java.util.MissingResourceException;
import java.util.ResourceBundle;

/**
 * The fixed words of the mails (an issue, the subscription confirmation) in the reader's language,
 * from the {@code email} resource bundles beside this class: the locale's own file (Serbian as
 * {@code email_sr_Cyrl} and {@code email_sr_Latn}), else its language's, else English — never the
 * machine's default locale.
 */
final class EmailLabels {

  static final String BUNDLE = "herald.publisher.channel.newsletter.email";
  private static final ResourceBundle.Control NO_DEFAULT_LOCALE =
      ResourceBundle.Control.getNoFallbackControl(ResourceBundle.Control.FORMAT_PROPERTIES);

  private final ResourceBundle words;
  private final Locale locale;

  private EmailLabels(Locale locale) {
    this.locale = locale;
    this.words = ResourceBundle.getBundle(BUNDLE, locale, NO_DEFAULT_LOCALE);
  }

  static EmailLabels of(String locale) {
    return new EmailLabels(Locale.forLanguageTag(locale == null ? "" : locale));
  }

  /** The words under {@code key}. */
  String get(String key) {
    return words.getString(key);
  }

  /** The words under {@code key} with {@code %s} replaced by {@code arg}. */
  String get(String key, Object arg) {
    return String.format(locale, words.getString(key), arg);
  }

  /** A content type's name; unknown types as their id, capitalised. */
  String type(String id) {
    if (id.isEmpty()) {
      return "";
    }
    try {
      return words.getString(id);
    } catch (MissingResourceException e) {
      return Character.toUpperCase(id.charAt(0)) + id.substring(1);
    }
  }

  String why(String name) {
    return get("why", name);
  }
}
