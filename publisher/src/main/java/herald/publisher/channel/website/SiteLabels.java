package herald.publisher.channel.website;

import java.util.Locale;
import java.util.MissingResourceException;
import java.util.ResourceBundle;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The website's own words (buttons, headings, content type and common field names) in a page's
 * locale, from the {@code site} resource bundles beside this class: the locale's own file (Serbian
 * as {@code site_sr_Cyrl} and {@code site_sr_Latn}), else its language's, else English. Never the
 * machine's default locale.
 */
public final class SiteLabels {

  static final String BUNDLE = "herald.publisher.channel.website.site";
  private static final ResourceBundle.Control NO_DEFAULT_LOCALE =
      ResourceBundle.Control.getNoFallbackControl(ResourceBundle.Control.FORMAT_PROPERTIES);
  private static final ConcurrentMap<String, SiteLabels> BY_LOCALE = new ConcurrentHashMap<>();

  private final ResourceBundle words;
  private final Locale locale;

  private SiteLabels(Locale locale) {
    this.locale = locale;
    this.words = ResourceBundle.getBundle(BUNDLE, locale, NO_DEFAULT_LOCALE);
  }

  /** The labels of a locale tag such as {@code sr-Cyrl}. */
  public static SiteLabels of(String localeTag) {
    return BY_LOCALE.computeIfAbsent(localeTag, t -> new SiteLabels(Locale.forLanguageTag(t)));
  }

  /** The label under {@code key}. */
  public String get(String key) {
    return words.getString(key);
  }

  /** The label under {@code key} with {@code %s} replaced by {@code arg}. */
  public String get(String key, Object arg) {
    return String.format(locale, words.getString(key), arg);
  }

  /** A content type's name; types the bundles do not know by their id, as words. */
  public String type(String contentType) {
    return optional("type." + contentType)
        .orElseGet(() -> Html.capitalize(Html.label(contentType), locale));
  }

  /** A field's name; fields the bundles do not know by their id, as words. */
  public String field(String fieldId) {
    return optional("field." + fieldId).orElseGet(() -> Html.label(fieldId));
  }

  private java.util.Optional<String> optional(String key) {
    try {
      return java.util.Optional.of(words.getString(key));
    } catch (MissingResourceException e) {
      return java.util.Optional.empty();
    }
  }
}
