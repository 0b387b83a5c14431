package herald.publisher.channel.newsletter;

import com.fasterxml.jackson.databind.JsonNode;
import herald.events.ContentPublished;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Renders an issue as a responsive, inline-styled HTML email (one 600px column that narrows on
 * phones, table layout for old clients) and its plain-text twin. Every text from the content is
 * escaped; rich text goes through {@link EmailRichText}.
 */
final class IssueRenderer {

  /** An issue rendered for one locale and set of items. */
  record Rendered(String subject, String html, String text) {

    /** The same with the recipient's unsubscribe link in place of the placeholder. */
    Rendered forRecipient(String placeholder, String unsubscribeUrl) {
      return new Rendered(
          subject,
          html.replace(placeholder, escape(unsubscribeUrl)),
          text.replace(placeholder, unsubscribeUrl));
    }
  }

  private static final Pattern SAFE_SEGMENT = Pattern.compile("[A-Za-z0-9._~-]+");
  private static final String LINK = "color:#1d4ed8;";
  private static final String BUTTON =
      "display:inline-block;padding:10px 18px;background:#1d4ed8;color:#ffffff;"
          + "border-radius:6px;text-decoration:none;font-weight:bold;font-size:15px;";

  private final String name;
  private final String siteUrl;

  IssueRenderer(String name, String siteUrl) {
    this.name = name;
    this.siteUrl = siteUrl;
  }

  /**
   * The issue in a locale (each item in that locale when it has it, else in its first one).
   *
   * @param number the issue's number; 0 for an item previewed before it is in an issue
   * @param unsubscribe the unsubscribe URL, or a placeholder to replace per recipient
   */
  Rendered render(
      long number,
      String subject,
      List<ContentPublished> items,
      String locale,
      String unsubscribe) {
    StringBuilder html = new StringBuilder(16_384);
    StringBuilder text = new StringBuilder(8_192);
    String lang = escape(locale);
    html.append("<!DOCTYPE html>\n<html lang=\"")
        .append(lang)
        .append("\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .append("<meta name=\"color-scheme\" content=\"light\">\n<title>")
        .append(escape(subject))
        .append("</title>\n</head>\n")
        .append("<body style=\"margin:0;padding:0;background:#f3f4f6;\">\n");
    // The preheader: what inboxes show after the subject.
    html.append("<div style=\"display:none;max-height:0;overflow:hidden;\">")
        .append(
            escape(
                items.stream()
                    .map(i -> i.title(itemLocale(i, locale)))
                    .reduce((a, b) -> a + " · " + b)
                    .orElse("")))
        .append("</div>\n");
    html.append(
            "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\""
                + " style=\"background:#f3f4f6;\"><tr><td align=\"center\" style=\"padding:24px 8px;\">\n")
        .append(
            "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\""
                + " style=\"max-width:600px;width:100%;background:#ffffff;border-radius:8px;"
                + "font-family:Arial,Helvetica,sans-serif;color:#111827;\">\n")
        .append("<tr><td style=\"padding:24px 24px 4px;font-size:13px;color:#6b7280;\">")
        .append(escape(name))
        .append(number > 0 ? " · #" + number : "")
        .append(
            "</td></tr>\n<tr><td style=\"padding:0 24px 16px;\"><h1 style=\"margin:0;font-size:24px;line-height:1.3;\">")
        .append(escape(subject))
        .append("</h1></td></tr>\n");
    text.append(name)
        .append(number > 0 ? " · #" + number : "")
        .append("\n")
        .append(subject)
        .append("\n");

    // The fixed words follow the reader's locale, whatever language an item fell back to.
    EmailLabels labels = EmailLabels.of(locale);
    for (ContentPublished item : items) {
      item(html, text, item, itemLocale(item, locale), labels);
    }

    html.append(
            "<tr><td style=\"padding:20px 24px 28px;border-top:1px solid #e5e7eb;font-size:13px;"
                + "line-height:1.5;color:#6b7280;\">")
        .append(escape(labels.why(name)))
        .append(" <a href=\"")
        .append(escape(unsubscribe))
        .append("\" style=\"color:#6b7280;\">")
        .append(escape(labels.get("unsubscribe")))
        .append("</a></td></tr>\n")
        .append("</table>\n</td></tr></table>\n</body>\n</html>\n");
    text.append("\n--\n")
        .append(labels.why(name))
        .append("\n")
        .append(labels.get("unsubscribe"))
        .append(": ")
        .append(unsubscribe)
        .append("\n");
    return new Rendered(subject, html.toString(), text.toString());
  }

  private void item(
      StringBuilder html,
      StringBuilder text,
      ContentPublished e,
      String locale,
      EmailLabels labels) {
    String url = url(locale, e.contentType(), e.slug());
    String title = e.title(locale);
    Optional<String> when = when(e, locale);
    String label = labels.type(e.contentType()) + when.map(w -> " · " + w).orElse("");

    html.append("<tr><td style=\"padding:20px 24px;border-top:1px solid #e5e7eb;\">\n")
        .append(
            "<p style=\"margin:0 0 6px;font-size:12px;letter-spacing:0.04em;text-transform:uppercase;color:#6b7280;\">")
        .append(escape(label))
        .append("</p>\n<h2 style=\"margin:0 0 10px;font-size:20px;line-height:1.3;\"><a href=\"")
        .append(escape(url))
        .append("\" style=\"color:#111827;text-decoration:none;\">")
        .append(escape(title))
        .append("</a></h2>\n");
    text.append("\n\n== ").append(title).append(" ==\n").append(label).append("\n");

    e.text("summary", locale)
        .ifPresent(
            s -> {
              html.append(
                      "<p style=\"margin:0 0 12px;font-size:17px;line-height:1.5;color:#374151;\"><strong>")
                  .append(escape(s))
                  .append("</strong></p>\n");
              text.append("\n").append(s).append("\n");
            });
    e.text("body", locale)
        .ifPresent(
            b -> {
              html.append(EmailRichText.html(b)).append("\n");
              text.append("\n").append(EmailRichText.text(b)).append("\n");
            });
    programme(html, text, e, locale, labels);

    Optional<String> action = httpUrl(e, "registrationUrl").or(() -> httpUrl(e, "link"));
    action.ifPresent(
        a -> {
          String what = labels.get(e.contentType().equals("event") ? "register" : "open");
          html.append("<p style=\"margin:16px 0 12px;\"><a href=\"")
              .append(escape(a))
              .append("\" style=\"")
              .append(BUTTON)
              .append("\">")
              .append(escape(what))
              .append("</a></p>\n");
          text.append("\n").append(what).append(": ").append(a).append("\n");
        });
    html.append("<p style=\"margin:8px 0 0;font-size:15px;\"><a href=\"")
        .append(escape(url))
        .append("\" style=\"")
        .append(LINK)
        .append("\">")
        .append(escape(labels.get("read")))
        .append("</a></p>\n</td></tr>\n");
    text.append("\n").append(labels.get("read")).append(" ").append(url).append("\n");
  }

  /** An event's programme: rich text (a CommonMark table), or a group of start/end/title rows. */
  private static void programme(
      StringBuilder html,
      StringBuilder text,
      ContentPublished e,
      String locale,
      EmailLabels labels) {
    Optional<JsonNode> p = e.value("programme", locale);
    if (p.isEmpty()) {
      return;
    }
    html.append("<h3 style=\"margin:14px 0 6px;font-size:16px;\">")
        .append(escape(labels.get("programme")))
        .append("</h3>\n");
    text.append("\n").append(labels.get("programme")).append("\n");
    if (p.get().isTextual()) {
      html.append(EmailRichText.html(p.get().asText())).append("\n");
      text.append(EmailRichText.text(p.get().asText())).append("\n");
      return;
    }
    if (!p.get().isArray()) {
      return;
    }
    ZoneId zone = zone(e);
    html.append(
        "<table role=\"presentation\" style=\"width:100%;border-collapse:collapse;margin:0 0 12px;font-size:14px;\">\n");
    for (JsonNode row : p.get()) {
      String time =
          time(row.path("start").asText(""), zone) + "–" + time(row.path("end").asText(""), zone);
      String what = row.path("title").asText("");
      html.append(
              "<tr><td style=\"padding:6px;border-bottom:1px solid #e5e7eb;white-space:nowrap;vertical-align:top;\">")
          .append(escape(time))
          .append("</td><td style=\"padding:6px;border-bottom:1px solid #e5e7eb;\">")
          .append(escape(what))
          .append("</td></tr>\n");
      text.append(time).append("  ").append(what).append("\n");
    }
    html.append("</table>\n");
  }

  private static String time(String iso, ZoneId zone) {
    try {
      return OffsetDateTime.parse(iso)
          .atZoneSameInstant(zone)
          .format(DateTimeFormatter.ofPattern("HH:mm"));
    } catch (DateTimeParseException e) {
      return "";
    }
  }

  /** The event's start in its own time zone, or the entry's date. */
  private static Optional<String> when(ContentPublished e, String locale) {
    Locale l = Locale.forLanguageTag(locale);
    Optional<String> start = e.text("startsAt", locale);
    if (start.isPresent()) {
      try {
        ZoneId zone = zone(e);
        ZonedDateTime at = OffsetDateTime.parse(start.get()).atZoneSameInstant(zone);
        return Optional.of(
            at.format(DateTimeFormatter.ofPattern("d MMMM uuuu, HH:mm", l))
                + " ("
                + zone.getId()
                + ")");
      } catch (DateTimeParseException ex) {
        return Optional.empty();
      }
    }
    return e.text("date", locale)
        .flatMap(
            d -> {
              try {
                return Optional.of(
                    LocalDate.parse(d).format(DateTimeFormatter.ofPattern("d MMMM uuuu", l)));
              } catch (DateTimeParseException ex) {
                return Optional.empty();
              }
            });
  }

  private static ZoneId zone(ContentPublished e) {
    try {
      return ZoneId.of(e.text("timeZone", "").orElse("UTC"));
    } catch (RuntimeException ex) {
      return ZoneId.of("UTC");
    }
  }

  private static Optional<String> httpUrl(ContentPublished e, String field) {
    return e.text(field, "")
        .map(String::strip)
        .filter(u -> u.startsWith("https://") || u.startsWith("http://"));
  }

  static String itemLocale(ContentPublished e, String locale) {
    return e.locales().contains(locale) || e.locales().isEmpty() ? locale : e.locales().get(0);
  }

  private String url(String locale, String type, String slug) {
    return siteUrl + "/" + segment(locale) + "/" + segment(type) + "/" + segment(slug) + "/";
  }

  private static String segment(String s) {
    return SAFE_SEGMENT.matcher(s).matches()
        ? s
        : URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** Escapes text for HTML content and double-quoted attributes. */
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
}
