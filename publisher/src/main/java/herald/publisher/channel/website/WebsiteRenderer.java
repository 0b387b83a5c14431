package herald.publisher.channel.website;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.util.HashMap;
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
        linkEntries(
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
          List<Views.Link> links = resolve(ids(v), locale, root, known, named);
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
            jsonLd(entry, locale, title, summary, siteUrl + "/" + path, zone, event, known, named),
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
                        resolve(ids(row.path("speakers")), locale, root, known, named)));
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

  /** JSON-LD for the page, escaped so that it cannot close its script element. */
  private String jsonLd(
      ContentPublished entry,
      String locale,
      String title,
      String summary,
      String url,
      ZoneId zone,
      Views.Event event,
      Map<UUID, List<PageRow>> known,
      Map<UUID, ContentPublished> named) {
    ObjectNode n = JSON.createObjectNode();
    n.put("@context", "https://schema.org");
    if (event != null) {
      n.put("@type", "Event");
      n.put("name", title);
      if (summary != null) {
        n.put("description", summary);
      }
      dateTime(entry, "startsAt", locale)
          .ifPresent(
              s -> n.put("startDate", s.atZoneSameInstant(zone).toOffsetDateTime().toString()));
      dateTime(entry, "endsAt", locale)
          .ifPresent(
              s -> n.put("endDate", s.atZoneSameInstant(zone).toOffsetDateTime().toString()));
      n.put("eventStatus", "https://schema.org/EventScheduled");
      n.put(
          "eventAttendanceMode",
          event.online()
              ? "https://schema.org/OnlineEventAttendanceMode"
              : "https://schema.org/OfflineEventAttendanceMode");
      ObjectNode location = n.putObject("location");
      if (event.online()) {
        location.put("@type", "VirtualLocation");
        location.put("url", event.registration() != null ? event.registration().href() : url);
      } else {
        location.put("@type", "Place");
        location.put("name", event.venue() != null ? event.venue() : title);
        entry
            .value("venue", locale)
            .filter(v -> v.has("lat") && v.has("lon"))
            .ifPresent(
                v -> {
                  ObjectNode geo = location.putObject("geo");
                  geo.put("@type", "GeoCoordinates");
                  geo.put("latitude", v.get("lat").asDouble());
                  geo.put("longitude", v.get("lon").asDouble());
                });
      }
      if (event.registration() != null) {
        ObjectNode offer = n.putObject("offers");
        offer.put("@type", "Offer");
        offer.put("url", event.registration().href());
        offer.put("price", 0);
        offer.put("availability", "https://schema.org/InStock");
      }
      ArrayNode organisers = JSON.createArrayNode();
      for (Views.Link o :
          resolve(ids(entry.value("organisers", locale).orElse(null)), locale, "", known, named)) {
        organisers.addObject().put("@type", "Organization").put("name", o.label());
      }
      if (!organisers.isEmpty()) {
        n.set("organizer", organisers);
      }
    } else {
      n.put("@type", layout(entry.contentType()).equals("article") ? "Article" : "CreativeWork");
      n.put("headline", title);
      if (summary != null) {
        n.put("description", summary);
      }
      n.put("datePublished", entry.occurredAt().toString());
    }
    entry.text("image", locale).filter(Html::isWebUrl).ifPresent(i -> n.put("image", i));
    n.put("inLanguage", locale);
    n.put("url", url);
    return n.toString().replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026");
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

  /** A link to an entry's permanent link, {@code …/go/<entry id>/}. */
  private static final java.util.regex.Pattern GO_LINK =
      java.util.regex.Pattern.compile(
          "/"
              + WebsiteChannel.GO
              + "/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/");

  /**
   * Rich text's links to another entry's permanent link on this site ({@code <site>/go/<id>/}, as
   * Studio's toolbar inserts them) made direct links to that entry's page, in this page's locale
   * when it has one; a link to an entry without a page stays as it is.
   */
  String linkEntries(String html, String locale, String root, Map<UUID, List<PageRow>> known) {
    if (html == null || !html.contains("/" + WebsiteChannel.GO + "/")) {
      return html;
    }
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile(
                "href=\""
                    + java.util.regex.Pattern.quote(
                        Html.escape(siteUrl) + "/" + WebsiteChannel.GO + "/")
                    + "([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/?\"")
            .matcher(html);
    StringBuilder out = new StringBuilder(html.length());
    while (m.find()) {
      List<PageRow> pages = known.getOrDefault(UUID.fromString(m.group(1)), List.of());
      PageRow page =
          pages.stream()
              .filter(p -> p.locale().equals(locale))
              .findFirst()
              .orElse(pages.isEmpty() ? null : pages.get(0));
      m.appendReplacement(
          out,
          java.util.regex.Matcher.quoteReplacement(
              page == null ? m.group() : "href=\"" + Html.escape(root + page.path()) + "\""));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** The entry ids referenced anywhere in the entry (reference fields, programme speakers). */
  static Set<UUID> references(ContentPublished entry) {
    Set<UUID> out = new LinkedHashSet<>();
    for (FieldSchema f : entry.schema()) {
      JsonNode v = entry.fields().get(f.id());
      if (v == null) {
        continue;
      }
      if (f.type().equals("reference") || f.type().equals("references")) {
        collect(v, out);
      } else if (f.type().equals("richtext")) {
        // Links to other entries' permanent links (go/<id>/), to be made direct page links.
        v.forEach(
            text -> {
              java.util.regex.Matcher m = GO_LINK.matcher(text.asText(""));
              while (m.find()) {
                out.add(UUID.fromString(m.group(1)));
              }
            });
        if (v.isTextual()) {
          java.util.regex.Matcher m = GO_LINK.matcher(v.asText());
          while (m.find()) {
            out.add(UUID.fromString(m.group(1)));
          }
        }
      } else if (f.type().equals("group") && v.isArray()) {
        for (FieldSchema sub : f.fields()) {
          if (sub.type().equals("reference") || sub.type().equals("references")) {
            v.forEach(row -> collect(row.get(sub.id()), out));
          }
        }
      }
    }
    return out;
  }

  private static void collect(JsonNode v, Set<UUID> out) {
    if (v == null) {
      return;
    }
    if (v.isObject()) {
      // A localized reference field: every locale's value.
      v.forEach(x -> collect(x, out));
      return;
    }
    out.addAll(ids(v));
  }

  private static List<UUID> ids(JsonNode v) {
    List<UUID> out = new ArrayList<>();
    if (v == null) {
      return out;
    }
    List<JsonNode> nodes = new ArrayList<>();
    if (v.isArray()) {
      v.forEach(nodes::add);
    } else {
      nodes.add(v);
    }
    for (JsonNode n : nodes) {
      if (n.isTextual()) {
        try {
          out.add(UUID.fromString(n.asText()));
        } catch (IllegalArgumentException e) {
          // Not an entry id: nothing to link.
        }
      }
    }
    return out;
  }

  /**
   * The referenced entries in their order: linked to their page where they are on the website (in
   * the locale if they have it, else in any), named where they are published elsewhere only;
   * references that are not published are left out.
   */
  private static List<Views.Link> resolve(
      List<UUID> ids,
      String locale,
      String root,
      Map<UUID, List<PageRow>> known,
      Map<UUID, ContentPublished> named) {
    List<Views.Link> out = new ArrayList<>();
    for (UUID id : ids) {
      List<PageRow> rows = known.getOrDefault(id, List.of());
      Optional<PageRow> page =
          rows.stream()
              .filter(r -> r.locale().equals(locale))
              .findFirst()
              .or(() -> rows.stream().findFirst());
      if (page.isPresent()) {
        out.add(Views.Link.of(root + page.get().path(), page.get().title()));
      } else if (named.containsKey(id)) {
        out.add(Views.Link.unlinked(named.get(id).title(locale)));
      }
    }
    return out;
  }

  /** Rows by entry id. */
  static Map<UUID, List<PageRow>> byEntry(List<PageRow> rows) {
    Map<UUID, List<PageRow>> out = new HashMap<>();
    rows.forEach(r -> out.computeIfAbsent(r.entryId(), k -> new ArrayList<>()).add(r));
    return out;
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

  private static Optional<OffsetDateTime> dateTime(
      ContentPublished entry, String field, String locale) {
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
