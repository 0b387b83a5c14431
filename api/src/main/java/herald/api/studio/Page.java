package herald.api.studio;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What every Studio page's layout needs: the interface's words, the signed-in user (or null), the
 * CSRF token for forms and htmx, the section of the navigation, and where the language switch
 * returns to.
 */
public final class Page {
  private final Labels t;
  private final String title;
  private final StudioUser user;
  private final String csrf;
  private final String nav;
  private final String path;
  private final Assets assets;
  private final Map<String, String> errors = new LinkedHashMap<>();
  private final Map<String, String> values = new LinkedHashMap<>();
  private String notice;
  private String alert;

  Page(
      Labels t,
      String title,
      StudioUser user,
      String csrf,
      String nav,
      String path,
      Assets assets) {
    this.t = t;
    this.title = title;
    this.user = user;
    this.csrf = csrf;
    this.nav = nav;
    this.path = path;
    this.assets = assets;
  }

  public Labels t() {
    return t;
  }

  public String lang() {
    return t.lang();
  }

  public String title() {
    return title;
  }

  public StudioUser user() {
    return user;
  }

  public String csrf() {
    return csrf;
  }

  /** Whether the section is the current one (for aria-current in the navigation). */
  public boolean at(String section) {
    return section.equals(nav);
  }

  public String asset(String name) {
    return assets.url(name);
  }

  /** The other interface languages, each with the link that switches to it and comes back. */
  public List<String[]> otherLanguages() {
    String back = URLEncoder.encode(path, StandardCharsets.UTF_8);
    return Labels.LANGUAGES.stream()
        .filter(l -> !l.equals(t.lang()))
        .map(
            l ->
                new String[] {
                  l, "/studio/lang/" + l + "?back=" + back, Labels.of(l).t("lang.name")
                })
        .toList();
  }

  /** The error of a form field, as words, or null. */
  public String error(String field) {
    String key = errors.get(field);
    return key == null ? null : t.t(key);
  }

  public boolean hasErrors() {
    return !errors.isEmpty();
  }

  /** What the user typed into a field before the form came back with errors. */
  public String value(String field) {
    return values.getOrDefault(field, "");
  }

  public String notice() {
    return notice;
  }

  public String alert() {
    return alert;
  }

  Page fieldError(String field, String labelKey) {
    errors.put(field, labelKey);
    return this;
  }

  Page keep(String field, String value) {
    values.put(field, value == null ? "" : value);
    return this;
  }

  /** A message of success ({@code role=status}). */
  Page notice(String text) {
    this.notice = text;
    return this;
  }

  /** A message of failure ({@code role=alert}). */
  Page alert(String text) {
    this.alert = text;
    return this;
  }
}
