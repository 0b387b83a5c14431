package herald.publisher.channel.website;

import com.fasterxml.jackson.databind.JsonNode;
import herald.events.ContentPublished;
import herald.events.FieldSchema;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.FormatStyle;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Renders one locale of a published entry as a complete HTML5 page; every piece of content is
 * escaped, so markup in an entry shows as text and never runs.
 *
 * <p>NOTE: one layout for every type and plain-text bodies for now; per-type layouts, CommonMark
 * rich text and translated labels come later.
 */
final class WebsitePage {

  /** Fields that have their own place on the page rather than a row in the details list. */
  private static final Set<String> PLACED_FIELDS = Set.of("title", "summary", "body");

  /** By convention, a text field with this id gives the time zone of the entry's date-times. */
  private static final String TIME_ZONE_FIELD = "timeZone";

  private static final Pattern BLANK_LINE = Pattern.compile("\\R\\s*\\R");
  private static final Pattern LINE_BREAK = Pattern.compile("\\R");

  private static final String STYLE =
      """
      :root { color-scheme: light dark; --accent: #0b5cad; }
      body { margin: 0; font: 1.0625rem/1.6 system-ui, -apple-system, "Segoe UI", Roboto, \
      "Noto Sans", sans-serif; }
      header, main, footer { max-width: 44rem; margin: 0 auto; padding: 1rem 1.25rem; }
      header nav { display: flex; gap: 1rem; justify-content: flex-end; font-size: .9rem; }
      header nav a[aria-current] { font-weight: 600; text-decoration: none; }
      .kind { text-transform: uppercase; letter-spacing: .08em; font-size: .8rem; opacity: .7; \
      margin: 0; }
      h1 { font-size: 2rem; line-height: 1.25; margin: .25rem 0 1rem; }
      .summary { font-size: 1.2rem; opacity: .85; }
      dl.details { display: grid; grid-template-columns: max-content 1fr; gap: .35rem 1.25rem; \
      padding: 1rem 0; border-top: 1px solid #8884; border-bottom: 1px solid #8884; }
      dl.details dt { font-weight: 600; }
      dl.details dd { margin: 0; }
      .actions { margin: 1.5rem 0; }
      a.button { display: inline-block; padding: .6rem 1.2rem; border-radius: .4rem; \
      background: var(--accent); color: #fff; font-weight: 600; text-decoration: none; }
      a.button:hover, a.button:focus { filter: brightness(1.15); }
      footer { font-size: .85rem; opacity: .7; }
      """;

  private WebsitePage() {}

  /** The page of the entry in the locale. */
  static String render(ContentPublished entry, String locale) {
    Locale loc = Locale.forLanguageTag(locale);
    ZoneId zone = zone(entry, locale);
    String title = entry.title(locale);
    Optional<String> summary = entry.text("summary", locale).filter(s -> !s.isBlank());
    Optional<String> body = entry.text("body", locale).filter(s -> !s.isBlank());
    String up = "../../../";

    StringBuilder h = new StringBuilder(8192);
    h.append("<!DOCTYPE html>\n<html lang=\"").append(Html.escape(locale)).append("\">\n");
    h.append("<head>\n<meta charset=\"utf-8\">\n");
    h.append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.append("<title>").append(Html.escape(title)).append("</title>\n");
    summary.ifPresent(
        s ->
            h.append("<meta name=\"description\" content=\"")
                .append(Html.escape(s))
                .append("\">\n"));
    h.append("<meta name=\"generator\" content=\"Herald\">\n");
    for (String other : entry.locales()) {
      if (!other.equals(locale)) {
        h.append("<link rel=\"alternate\" hreflang=\"")
            .append(Html.escape(other))
            .append("\" href=\"")
            .append(Html.escape(up + href(other, entry)))
            .append("\">\n");
      }
    }
    h.append("<style>\n").append(STYLE).append("</style>\n</head>\n<body>\n");

    if (entry.locales().size() > 1) {
      h.append("<header>\n<nav aria-label=\"Languages\">\n");
      for (String l : entry.locales()) {
        Locale ll = Locale.forLanguageTag(l);
        h.append("<a href=\"")
            .append(Html.escape(up + href(l, entry)))
            .append("\" hreflang=\"")
            .append(Html.escape(l))
            .append("\" lang=\"")
            .append(Html.escape(l))
            .append('"')
            .append(l.equals(locale) ? " aria-current=\"page\"" : "")
            .append('>')
            .append(Html.escape(Html.capitalize(ll.getDisplayName(ll), ll)))
            .append("</a>\n");
      }
      h.append("</nav>\n</header>\n");
    }

    h.append("<main>\n<article class=\"entry entry-")
        .append(Html.escape(entry.contentType()))
        .append("\">\n");
    h.append("<p class=\"kind\">").append(Html.escape(entry.contentType())).append("</p>\n");
    h.append("<h1>").append(Html.escape(title)).append("</h1>\n");
    summary.ifPresent(
        s -> h.append("<p class=\"summary\">").append(Html.escape(s)).append("</p>\n"));
    body.ifPresent(b -> paragraphs(h, b));

    List<String> details = new ArrayList<>();
    List<String> links = new ArrayList<>();
    for (FieldSchema f : entry.schema()) {
      if (PLACED_FIELDS.contains(f.id())) {
        continue;
      }
      Optional<JsonNode> value = entry.value(f.id(), locale);
      if (value.isEmpty()) {
        continue;
      }
      if (f.type().equals("url")
          && value.get().isTextual()
          && Html.isWebUrl(value.get().asText())) {
        links.add(button(f, value.get().asText()));
      } else {
        display(f, value.get(), loc, zone)
            .ifPresent(
                shown ->
                    details.add(
                        "<dt>"
                            + Html.escape(Html.label(f.id()))
                            + "</dt>\n<dd>"
                            + shown
                            + "</dd>"));
      }
    }
    if (!details.isEmpty()) {
      h.append("<dl class=\"details\">\n").append(String.join("\n", details)).append("\n</dl>\n");
    }
    if (!links.isEmpty()) {
      h.append("<p class=\"actions\">\n").append(String.join("\n", links)).append("\n</p>\n");
    }
    h.append("</article>\n</main>\n");

    h.append("<footer>\n<p>Published <time datetime=\"")
        .append(Html.escape(entry.occurredAt().toString()))
        .append("\">")
        .append(
            Html.escape(
                DateTimeFormatter.ofLocalizedDate(FormatStyle.LONG)
                    .withLocale(loc)
                    .format(entry.occurredAt().atZone(zone))))
        .append("</time></p>\n</footer>\n</body>\n</html>\n");
    return h.toString();
  }

  /** The page's path relative to the site root, as used in links between locales. */
  static String href(String locale, ContentPublished entry) {
    return locale + "/" + entry.contentType() + "/" + entry.slug() + "/";
  }

  private static void paragraphs(StringBuilder h, String text) {
    h.append("<div class=\"body\">\n");
    for (String para : BLANK_LINE.split(text.strip())) {
      List<String> lines = new ArrayList<>();
      for (String line : LINE_BREAK.split(para.strip())) {
        lines.add(Html.escape(line.strip()));
      }
      h.append("<p>").append(String.join("<br>\n", lines)).append("</p>\n");
    }
    h.append("</div>\n");
  }

  private static String button(FieldSchema f, String url) {
    String id = f.id().replaceFirst("(?i)(url|link|href)$", "");
    String text = Html.label(id.isEmpty() ? f.id() : id);
    return "<a class=\"button\" href=\""
        + Html.escape(url.trim())
        + "\" rel=\"noopener\">"
        + Html.escape(text)
        + "</a>";
  }

  /** The escaped HTML of a value in the details list, or empty when it has no plain rendering. */
  private static Optional<String> display(FieldSchema f, JsonNode v, Locale loc, ZoneId zone) {
    if (v.isArray()) {
      List<String> items = new ArrayList<>();
      v.forEach(e -> items.add(e.isValueNode() ? e.asText() : null));
      return items.isEmpty() || items.contains(null)
          ? Optional.empty()
          : Optional.of(Html.escape(String.join(", ", items)));
    }
    if (!v.isValueNode()) {
      // Structured values (linked entries, assets) need the later per-type layouts.
      return Optional.empty();
    }
    String text = v.asText();
    try {
      switch (f.type()) {
        case "datetime" -> {
          OffsetDateTime t = OffsetDateTime.parse(text);
          String shown =
              DateTimeFormatter.ofLocalizedDateTime(FormatStyle.LONG, FormatStyle.SHORT)
                      .withLocale(loc)
                      .format(t.atZoneSameInstant(zone))
                  + " ("
                  + zone.getId()
                  + ")";
          return Optional.of(
              "<time datetime=\"" + Html.escape(text) + "\">" + Html.escape(shown) + "</time>");
        }
        case "date" -> {
          String shown =
              DateTimeFormatter.ofLocalizedDate(FormatStyle.LONG)
                  .withLocale(loc)
                  .format(LocalDate.parse(text));
          return Optional.of(
              "<time datetime=\"" + Html.escape(text) + "\">" + Html.escape(shown) + "</time>");
        }
        case "boolean" -> {
          return Optional.of(v.asBoolean() ? "Yes" : "No");
        }
        default -> {
          return text.isBlank() ? Optional.empty() : Optional.of(Html.escape(text));
        }
      }
    } catch (DateTimeException e) {
      // A value that does not parse as its type is still shown, as the editor wrote it.
      return Optional.of(Html.escape(text));
    }
  }

  private static ZoneId zone(ContentPublished entry, String locale) {
    Optional<String> id = entry.text(TIME_ZONE_FIELD, locale);
    if (id.isPresent()) {
      try {
        return ZoneId.of(id.get());
      } catch (DateTimeException e) {
        // An unknown zone falls back to UTC rather than failing the page.
      }
    }
    return ZoneOffset.UTC;
  }
}
