package herald.publisher.channel.website;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import herald.events.ContentPublished;
import herald.events.FieldSchema;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.FormatStyle;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Turns entries and listings into pages with the precompiled jte templates ({@code src/main/jte}):
 * one layout per content type (article, event, publication, statement, and a generic one for the
 * rest), index and tag listings, plus the event's calendar file and JSON-LD.
 */
final class WebsiteRenderer {

  /** By convention, a text field with this id gives the time zone of the entry's date-times. */
  static final String TIME_ZONE_FIELD = "timeZone";

  /** Fields with their own place on every page. */
  private static final Set<String> PLACED =
      Set.of("title", "summary", "body", "tags", TIME_ZONE_FIELD);

  /** Fields with their own place on an event page. */
  private static final Set<String> EVENT_PLACED =
      Set.of("startsAt", "endsAt", "registrationUrl", "programme", "venue", "online");

  private static final ObjectMapper JSON = new ObjectMapper();

  private final TemplateEngine engine = TemplateEngine.createPrecompiled(ContentType.Html);
  private final String siteUrl;
  private final String feedsUrl;

  /**
   * @param siteUrl the site root's public URL, without a trailing slash
   */
  WebsiteRenderer(String siteUrl, String feedsUrl) {
    this.siteUrl = siteUrl;
    this.feedsUrl = feedsUrl;
  }

  /** The template of a content type. */
  static String layout(String contentType) {
    return switch (contentType.toLowerCase(Locale.ROOT)) {
      case "article", "news", "post" -> "article";
      case "event", "webinar" -> "event";
      case "publication", "report" -> "publication";
      case "statement" -> "statement";
      default -> "entry";
    };
  }

  /** The page of an entry in a locale, with references resolved from {@code known}. */
  String entryPage(ContentPublished entry, String locale, Map<UUID, List<PageRow>> known) {
    return entryPage(entry, locale, known, Map.of());
  }

  /**
   * The page of an entry in a locale, with references linked to their pages ({@code known}) or,
   * without one, named ({@code named}).
   */
  String entryPage(
      ContentPublished entry,
      String locale,
      Map<UUID, List<PageRow>> known,
      Map<UUID, ContentPublished> named) {
    String root = "../../../";
    Locale loc = Locale.forLanguageTag(locale);
    SiteLabels labels = SiteLabels.of(locale);
    ZoneId zone = zone(entry);
    String layout = layout(entry.contentType());
    boolean isEvent = layout.equals("event");
    String title = entry.title(locale);
    String summary = entry.text("summary", locale).filter(s -> !s.isBlank()).orElse(null);
    String body =
        EntryLinks.linkEntries(
            siteUrl,
            entry
                .text("body", locale)
                .filter(s -> !s.isBlank())
                .map(RichText::toSafeHtml)
                .orElse(null),
            locale,
            root,
            known);

    List<Views.Detail> details = new ArrayList<>();
    List<Views.Link> buttons = new ArrayList<>();
    List<Views.People> people = new ArrayList<>();
    for (FieldSchema f : entry.schema()) {
      if (PLACED.contains(f.id()) || (isEvent && EVENT_PLACED.contains(f.id()))) {
        continue;
      }
      Optional<JsonNode> value = entry.value(f.id(), locale);
      if (value.isEmpty()) {
        continue;
      }
      JsonNode v = value.get();
      switch (f.type()) {
        case "url" -> {
          if (v.isTextual() && Html.isWebUrl(v.asText())) {
            buttons.add(Views.Link.of(v.asText().trim(), labels.field(buttonField(f.id()))));
          } else {
            details.add(new Views.Detail(labels.field(f.id()), v.asText(), null));
          }
        }
        case "reference", "references" -> {
          List<Views.Link> links =
              EntryLinks.resolve(EntryLinks.ids(v), locale, root, known, named);
          if (!links.isEmpty()) {
            people.add(new Views.People(labels.field(f.id()), links));
          }
        }
        case "group", "media", "location", "richtext" -> {
          // Structured values have no one-line rendering; the event layout places its own.
        }
        default -> display(f, v, loc, zone, labels).ifPresent(details::add);
      }
    }
    List<Views.Link> tags = new ArrayList<>();
    for (String tag : tags(entry)) {
      tags.add(Views.Link.of(root + locale + "/tag/" + Listings.tagSlug(tag) + "/", tag));
    }

    Views.Event event =
        isEvent ? event(entry, locale, loc, zone, root, known, named, labels) : null;
    String path = locale + "/" + entry.contentType() + "/" + entry.slug() + "/";
    Views.Entry view =
        new Views.Entry(
            entry.contentType(),
            labels.type(entry.contentType()),
            title,
            summary,
            body,
            entry.occurredAt().toString(),
            shown(
                DateTimeFormatter.ofLocalizedDate(FormatStyle.LONG).withLocale(loc),
                entry.occurredAt().atZone(zone)),
            details,
            buttons,
            tags,
            people,
            event);
    List<Views.Link> alternates = new ArrayList<>();
    for (String l : entry.locales()) {
      Locale ll = Locale.forLanguageTag(l);
      alternates.add(
          new Views.Link(
              root + l + "/" + entry.contentType() + "/" + entry.slug() + "/",
              Html.capitalize(ll.getDisplayName(ll), ll),
              l,
              l.equals(locale)));
    }
    Views.Page page =
        new Views.Page(
            locale,
            title,
            summary,
            root,
            siteUrl + "/" + path,
            alternates,
            JsonLd.of(
                entry, locale, title, summary, siteUrl + "/" + path, zone, event, known, named),
            root + locale + "/",
            labels.get("home"),
            feeds(entry.contentType(), locale),
            labels);
    return render(layout, Map.of("page", page, "entry", view));
  }

  /**
   * A page that sends the reader on to {@code relative} at once (an entry's permanent link), with a
   * link for those whose browser does not follow it.
   */
  static String redirect(String relative, String title) {
    String href = Html.escape(relative);
    return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
        + "<meta http-equiv=\"refresh\" content=\"0; url="
        + href
        + "\"><link rel=\"canonical\" href=\""
        + href
        + "\"><meta name=\"robots\" content=\"noindex\"><title>"
        + Html.escape(title)
        + "</title></head><body><p><a href=\""
        + href
        + "\">"
        + Html.escape(title)
        + "</a></p></body></html>\n";
  }

  /** The calendar file of an event in a locale; empty when it has no start time. */
  Optional<String> ics(ContentPublished entry, String locale) {
    Optional<OffsetDateTime> start = dateTime(entry, "startsAt", locale);
    if (start.isEmpty()) {
      return Optional.empty();
    }
    Optional<OffsetDateTime> end = dateTime(entry, "endsAt", locale);
    String path = locale + "/" + entry.contentType() + "/" + entry.slug() + "/";
    return Optional.of(
        Ics.event(
            entry.entryId(),
            entry.version(),
            entry.occurredAt(),
            start.get().toInstant(),
            end.map(OffsetDateTime::toInstant).orElse(null),
            entry.title(locale),
            entry.text("summary", locale).orElse(null),
            venue(entry, locale).orElse(null),
            siteUrl + "/" + path));
  }

  /** A listing page. */
  String listing(String locale, String title, Views.Listing listing, String root) {
    Views.Page page =
        new Views.Page(
            locale,
            title,
            null,
            root,
            siteUrl + "/" + locale + "/",
            List.of(),
            null,
            root + locale + "/",
            SiteLabels.of(locale).get("home"),
            feeds("all", locale),
            SiteLabels.of(locale));
    return render("listing", Map.of("page", page, "listing", listing));
  }

  /** The root page: links to each locale, under the word for "languages" in each. */
  String root(List<Views.Language> links, List<Views.Language> headings) {
    return render("root", Map.of("links", links, "headings", headings));
  }

  /** sitemap.xml. */
  String sitemap(List<Views.SitemapUrl> urls) {
    return render("sitemap", Map.of("urls", urls));
  }

  /** RSS, Atom and JSON Feed for the type (or all) in the locale, served by the api. */
  private List<Views.Feed> feeds(String feed, String locale) {
    String q =
        "?locale=" + java.net.URLEncoder.encode(locale, java.nio.charset.StandardCharsets.UTF_8);
    String base = feedsUrl + "/feeds/" + feed;
    return List.of(
        new Views.Feed(base + ".rss" + q, "application/rss+xml", "RSS"),
        new Views.Feed(base + ".atom" + q, "application/atom+xml", "Atom"),
        new Views.Feed(base + ".json" + q, "application/feed+json", "JSON Feed"));
  }

  private String render(String template, Map<String, Object> params) {
    StringOutput out = new StringOutput(8192);
    engine.render(template + ".jte", params, out);
    return out.toString();
  }

  private Views.Event event(
      ContentPublished entry,
      String locale,
      Locale loc,
      ZoneId zone,
      String root,
      Map<UUID, List<PageRow>> known,
      Map<UUID, ContentPublished> named,
      SiteLabels labels) {
    Optional<OffsetDateTime> start = dateTime(entry, "startsAt", locale);
    Optional<OffsetDateTime> end = dateTime(entry, "endsAt", locale);
    String when = null;
    if (start.isPresent()) {
      DateTimeFormatter date = DateTimeFormatter.ofLocalizedDate(FormatStyle.FULL).withLocale(loc);
      DateTimeFormatter time = DateTimeFormatter.ofLocalizedTime(FormatStyle.SHORT).withLocale(loc);
      var s = start.get().atZoneSameInstant(zone);
      StringBuilder w = new StringBuilder(shown(date, s)).append(", ").append(shown(time, s));
      if (end.isPresent()) {
        var e = end.get().atZoneSameInstant(zone);
        w.append(e.toLocalDate().equals(s.toLocalDate()) ? "–" : " – " + shown(date, e) + ", ");
        w.append(shown(time, e));
      }
      when = w.append(" (").append(zone.getId()).append(')').toString();
    }
    Views.Link registration =
        entry
            .text("registrationUrl", locale)
            .filter(Html::isWebUrl)
            .map(u -> Views.Link.of(u.trim(), labels.get("register")))
            .orElse(null);
    boolean online = entry.value("online", locale).map(JsonNode::asBoolean).orElse(false);
    List<Views.ProgrammeRow> programme = new ArrayList<>();
    entry
        .value("programme", locale)
        .filter(JsonNode::isArray)
        .ifPresent(
            rows -> {
              DateTimeFormatter time =
                  DateTimeFormatter.ofLocalizedTime(FormatStyle.SHORT).withLocale(loc);
              for (JsonNode row : rows) {
                Optional<OffsetDateTime> rs = parse(row.path("start").asText(null));
                Optional<OffsetDateTime> re = parse(row.path("end").asText(null));
                String t =
                    rs.map(x -> shown(time, x.atZoneSameInstant(zone))).orElse("")
                        + re.map(x -> "–" + shown(time, x.atZoneSameInstant(zone))).orElse("");
                programme.add(
                    new Views.ProgrammeRow(
                        t,
                        rs.map(OffsetDateTime::toString).orElse(null),
                        localized(row.get("title"), locale),
                        EntryLinks.resolve(
                            EntryLinks.ids(row.path("speakers")), locale, root, known, named)));
              }
            });
    return new Views.Event(
        when,
        start.map(OffsetDateTime::toString).orElse(null),
        end.map(OffsetDateTime::toString).orElse(null),
        zone.getId(),
        venue(entry, locale).orElse(null),
        online,
        registration,
        start.isPresent() ? "event.ics" : null,
        programme);
  }

  /** The entry's tags (the {@code tags} field), without blanks or repeats. */
  static List<String> tags(ContentPublished entry) {
    Set<String> out = new LinkedHashSet<>();
    Optional<JsonNode> v =
        entry.fields().has("tags") ? Optional.of(entry.fields().get("tags")) : Optional.empty();
    v.filter(JsonNode::isArray)
        .ifPresent(
            a ->
                a.forEach(
                    t -> {
                      if (t.isTextual()
                          && !t.asText().isBlank()
                          && !Listings.tagSlug(t.asText()).isEmpty()) {
                        out.add(t.asText().trim());
                      }
                    }));
    return List.copyOf(out);
  }

  private static String localized(JsonNode v, String locale) {
    if (v == null || v.isNull()) {
      return "";
    }
    if (v.isObject()) {
      JsonNode in = v.get(locale);
      if (in == null) {
        var it = v.elements();
        in = it.hasNext() ? it.next() : null;
      }
      return in == null ? "" : in.asText();
    }
    return v.asText();
  }

  private static Optional<String> venue(ContentPublished entry, String locale) {
    return entry
        .value("venue", locale)
        .map(v -> v.isObject() ? v.path("name").asText(null) : v.asText(null))
        .filter(s -> s != null && !s.isBlank());
  }

  static Optional<OffsetDateTime> dateTime(ContentPublished entry, String field, String locale) {
    return entry.text(field, locale).flatMap(WebsiteRenderer::parse);
  }

  private static Optional<OffsetDateTime> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(OffsetDateTime.parse(text));
    } catch (DateTimeException e) {
      return Optional.empty();
    }
  }

  /** The field a button is named after: {@code recordingUrl} → {@code recording}. */
  private static String buttonField(String fieldId) {
    String id = fieldId.replaceFirst("(?i)(url|link|href)$", "");
    return id.isEmpty() ? fieldId : id;
  }

  /** A value in the details list, formatted for the locale and zone. */
  private static Optional<Views.Detail> display(
      FieldSchema f, JsonNode v, Locale loc, ZoneId zone, SiteLabels labels) {
    String label = labels.field(f.id());
    if (v.isArray()) {
      List<String> items = new ArrayList<>();
      v.forEach(e -> items.add(e.isValueNode() ? e.asText() : null));
      return items.isEmpty() || items.contains(null)
          ? Optional.empty()
          : Optional.of(new Views.Detail(label, String.join(", ", items), null));
    }
    if (!v.isValueNode()) {
      return Optional.empty();
    }
    String text = v.asText();
    try {
      switch (f.type()) {
        case "datetime" -> {
          OffsetDateTime t = OffsetDateTime.parse(text);
          String shown =
              shown(
                      DateTimeFormatter.ofLocalizedDateTime(FormatStyle.LONG, FormatStyle.SHORT)
                          .withLocale(loc),
                      t.atZoneSameInstant(zone))
                  + " ("
                  + zone.getId()
                  + ")";
          return Optional.of(new Views.Detail(label, shown, text));
        }
        case "date" -> {
          String shown =
              shown(
                  DateTimeFormatter.ofLocalizedDate(FormatStyle.LONG).withLocale(loc),
                  LocalDate.parse(text));
          return Optional.of(new Views.Detail(label, shown, text));
        }
        case "boolean" -> {
          return Optional.of(
              new Views.Detail(label, labels.get(v.asBoolean() ? "yes" : "no"), null));
        }
        default -> {
          return text.isBlank()
              ? Optional.empty()
              : Optional.of(new Views.Detail(label, text, null));
        }
      }
    } catch (DateTimeException e) {
      // A value that does not parse as its type is still shown, as the editor wrote it.
      return Optional.of(new Views.Detail(label, text, null));
    }
  }

  /** The entry's time zone ({@code timeZone} field), UTC when it has none or an unknown one. */
  static ZoneId zone(ContentPublished entry) {
    Optional<String> id =
        entry.text(TIME_ZONE_FIELD, entry.locales().isEmpty() ? "" : entry.locales().get(0));
    if (id.isPresent()) {
      try {
        return ZoneId.of(id.get());
      } catch (DateTimeException e) {
        // An unknown zone falls back to UTC rather than failing the page.
      }
    }
    return ZoneOffset.UTC;
  }

  /** An instant as a short date for listings. */
  static String date(Instant t, Locale loc) {
    return shown(
        DateTimeFormatter.ofLocalizedDate(FormatStyle.LONG).withLocale(loc),
        t.atZone(ZoneOffset.UTC));
  }

  /**
   * A date or time as the locale writes it, with plain spaces: the JDK's locale data (CLDR 42, in
   * Java 20 and later) puts a narrow no-break space before "PM", which pages and tests would
   * otherwise get or not depending on the Java that renders them.
   */
  static String shown(DateTimeFormatter format, TemporalAccessor t) {
    return format.format(t).replace('\u202f', ' ');
  }
}
