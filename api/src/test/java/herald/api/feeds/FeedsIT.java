package herald.api.feeds;

import static herald.api.sync.PartnerHarness.ADMIN_KEY;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.rometools.rome.feed.synd.SyndEntry;
import com.rometools.rome.feed.synd.SyndFeed;
import com.rometools.rome.io.SyndFeedInput;
import herald.api.sync.PartnerHarness;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.StringReader;
import java.net.URLDecoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.time.temporal.Temporal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import net.fortuna.ical4j.data.CalendarBuilder;
import net.fortuna.ical4j.model.Calendar;
import net.fortuna.ical4j.model.Component;
import net.fortuna.ical4j.model.Property;
import net.fortuna.ical4j.model.component.VEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Feeds end to end, each parsed by a real parser. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FeedsIT {
  static final String PERSON =
      """
      {"id":"person","name":"Person","fields":[{"id":"name","type":"text","required":true}]}""";
  static final String ARTICLE =
      """
      {"id":"article","name":"Article","fields":[
        {"id":"title","type":"text","required":true,"localized":true},
        {"id":"summary","type":"text","localized":true},
        {"id":"body","type":"richtext","localized":true},
        {"id":"authors","type":"references","referenceTypes":["person"]},
        {"id":"image","type":"media"},
        {"id":"tags","type":"tags"}]}""";
  static final String EVENT =
      """
      {"id":"event","name":"Event","fields":[
        {"id":"title","type":"text","required":true,"localized":true},
        {"id":"summary","type":"text","localized":true},
        {"id":"startsAt","type":"datetime"},
        {"id":"endsAt","type":"datetime"},
        {"id":"timeZone","type":"text"},
        {"id":"registrationUrl","type":"url"},
        {"id":"venue","type":"location"},
        {"id":"tags","type":"tags"}]}""";

  final Vertx hubVertx = Vertx.vertx();
  final List<String> hubPosts = new CopyOnWriteArrayList<>();
  HttpServer hub;
  PartnerHarness h;
  String article;
  String other;
  String event;
  String pastEvent;
  OffsetDateTime starts;

  @BeforeAll
  void start() throws Exception {
    hub =
        hubVertx
            .createHttpServer()
            .requestHandler(
                req ->
                    req.body()
                        .onSuccess(
                            b -> {
                              hubPosts.add(b.toString());
                              req.response().setStatusCode(202).end();
                            }))
            .listen(0, "127.0.0.1")
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    h =
        new PartnerHarness(
                Map.of(
                    "HERALD_PUBLIC_URL", "http://feeds.test",
                    "HERALD_SITE_URL", "http://site.test/",
                    "HERALD_FEED_TITLE", "Policy Network",
                    "HERALD_WEBSUB_HUB", "http://127.0.0.1:" + hub.actualPort() + "/hub"))
            .start(PartnerHarness::defaultModule);
    for (String t : List.of(PERSON, ARTICLE, EVENT)) {
      assertEquals(201, h.api("POST", "/v1/manage/types", ADMIN_KEY, t).statusCode());
    }
    String ana = publish("person", new JsonObject().put("name", "Ana Jovanović"));
    article =
        publish(
            "article",
            new JsonObject()
                .put(
                    "title",
                    new JsonObject()
                        .put("en", "Harm reduction in Niš")
                        .put("sr-Latn", "Smanjenje štete u Nišu"))
                .put("summary", new JsonObject().put("en", "Needle exchange opens & grows"))
                .put("body", new JsonObject().put("en", "**Bold** move <script>alert(1)</script>"))
                .put("authors", new JsonArray().add(ana))
                .put("image", "https://cdn.example.org/photo.jpg")
                .put("tags", new JsonArray().add("policy").add("hr")));
    other =
        publish(
            "article",
            new JsonObject()
                .put("title", new JsonObject().put("en", "Other news"))
                .put("tags", new JsonArray().add("policy")));
    starts =
        OffsetDateTime.now(ZoneOffset.UTC).plusDays(10).truncatedTo(ChronoUnit.HOURS).withHour(13);
    event =
        publish(
            "event",
            new JsonObject()
                .put(
                    "title",
                    new JsonObject().put("en", "Webinar: drug checking, services; results"))
                .put("summary", new JsonObject().put("en", "Programme and speakers.\nSecond line"))
                .put("startsAt", starts.toString())
                .put("endsAt", starts.plusHours(2).toString())
                .put("timeZone", "Europe/Belgrade")
                .put("registrationUrl", "https://example.org/register?x=1")
                .put(
                    "venue",
                    new JsonObject()
                        .put("lat", 44.8)
                        .put("lon", 20.46)
                        .put("name", "Online, Zoom")));
    pastEvent =
        publish(
            "event",
            new JsonObject()
                .put("title", new JsonObject().put("en", "Past webinar"))
                .put("startsAt", "2020-01-01T10:00:00Z")
                .put("endsAt", "2020-01-01T11:00:00Z"));
  }

  @AfterAll
  void stop() throws Exception {
    h.close();
    hubVertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  String publish(String type, JsonObject fields) {
    return h.publishNew(type, fields);
  }

  HttpResponse<String> get(String path, String... headers) {
    return h.partner("GET", path, null, null, headers);
  }

  static SyndFeed parse(String xml) throws Exception {
    return new SyndFeedInput().build(new StringReader(xml));
  }

  SyndEntry entry(SyndFeed feed, String id) {
    return feed.getEntries().stream()
        .filter(e -> e.getUri().equals("urn:uuid:" + id))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no entry " + id));
  }

  @Test
  @DisplayName(
      "RSS 2.0 parses with Rome and carries sanitised content, authors, categories and enclosures")
  void rss() throws Exception {
    HttpResponse<String> r = get("/feeds/article.rss");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(
        "application/rss+xml; charset=utf-8", r.headers().firstValue("Content-Type").orElseThrow());
    SyndFeed feed = parse(r.body());
    assertEquals("rss_2.0", feed.getFeedType());
    assertTrue(feed.getEntries().size() >= 2);
    entry(feed, other);
    SyndEntry e = entry(feed, article);
    assertEquals("Harm reduction in Niš", e.getTitle());
    assertEquals("http://site.test/en/article/harm-reduction-in-nis/", e.getLink());
    String html = e.getContents().get(0).getValue();
    assertTrue(html.contains("<strong>Bold</strong>"), html);
    assertFalse(html.contains("<script"), html);
    assertEquals("Ana Jovanović", e.getAuthor());
    assertEquals(
        List.of("policy", "hr"), e.getCategories().stream().map(c -> c.getName()).toList());
    assertEquals("https://cdn.example.org/photo.jpg", e.getEnclosures().get(0).getUrl());
    assertEquals("image/jpeg", e.getEnclosures().get(0).getType());
    assertTrue(r.body().contains("rel=\"hub\""), "WebSub discovery in the feed");
    assertTrue(r.headers().firstValue("Link").orElseThrow().contains("rel=\"hub\""));
  }

  @Test
  @DisplayName(
      "Atom parses with Rome; ETag and Last-Modified answer 304, and a change makes a new ETag")
  void atomAndConditional() throws Exception {
    HttpResponse<String> r = get("/feeds/article.atom");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(
        "application/atom+xml; charset=utf-8",
        r.headers().firstValue("Content-Type").orElseThrow());
    SyndFeed feed = parse(r.body());
    assertEquals("atom_1.0", feed.getFeedType());
    SyndEntry e = entry(feed, article);
    assertEquals("Ana Jovanović", e.getAuthors().get(0).getName());
    assertNotNull(e.getPublishedDate());
    assertNotNull(e.getUpdatedDate());
    assertTrue(e.getContents().get(0).getValue().contains("<strong>Bold</strong>"));
    assertEquals(
        List.of("policy", "hr"), e.getCategories().stream().map(c -> c.getName()).toList());

    String etag = r.headers().firstValue("ETag").orElseThrow();
    String last = r.headers().firstValue("Last-Modified").orElseThrow();
    assertEquals(304, get("/feeds/article.atom", "If-None-Match", etag).statusCode());
    assertEquals(304, get("/feeds/article.atom", "If-Modified-Since", last).statusCode());
    assertEquals(200, get("/feeds/article.atom", "If-None-Match", "\"other\"").statusCode());
    String before =
        DateTimeFormatter.RFC_1123_DATE_TIME.format(
            ZonedDateTime.parse(last, DateTimeFormatter.RFC_1123_DATE_TIME).minusSeconds(5));
    assertEquals(200, get("/feeds/article.atom", "If-Modified-Since", before).statusCode());

    // Last-Modified has whole seconds: the new entry's must differ from the newest one so far, so
    // it is published once the clock has moved past that second.
    Instant lastSecond =
        ZonedDateTime.parse(last, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> Instant.now().truncatedTo(ChronoUnit.SECONDS).isAfter(lastSecond));
    String added =
        publish("article", new JsonObject().put("title", new JsonObject().put("en", "Brand new")));
    HttpResponse<String> after = get("/feeds/article.atom", "If-None-Match", etag);
    assertEquals(200, after.statusCode());
    assertNotEquals(etag, after.headers().firstValue("ETag").orElseThrow());
    String lastWithAdded = after.headers().firstValue("Last-Modified").orElseThrow();
    assertNotEquals(last, lastWithAdded);
    assertEquals(
        200,
        h.api("POST", "/v1/manage/entries/" + added + "/unpublish", ADMIN_KEY, null).statusCode());
    // The newest item left, so Last-Modified went back: the later date a client holds is no 304.
    HttpResponse<String> gone = get("/feeds/article.atom", "If-Modified-Since", lastWithAdded);
    assertEquals(200, gone.statusCode());
    assertFalse(gone.body().contains("Brand new"));
  }

  @Test
  @DisplayName("JSON Feed follows the 1.1 rules")
  void jsonFeed() {
    HttpResponse<String> r = get("/feeds/article.json?tag=hr");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(
        "application/feed+json; charset=utf-8",
        r.headers().firstValue("Content-Type").orElseThrow());
    JsonObject feed = new JsonObject(r.body());
    assertEquals("https://jsonfeed.org/version/1.1", feed.getString("version"));
    assertNotNull(feed.getString("title"));
    assertEquals("http://feeds.test/feeds/article.json?tag=hr", feed.getString("feed_url"));
    assertEquals("WebSub", feed.getJsonArray("hubs").getJsonObject(0).getString("type"));
    JsonArray items = feed.getJsonArray("items");
    assertEquals(1, items.size(), "only the entry tagged hr");
    for (Object o : items) {
      JsonObject i = (JsonObject) o;
      // 1.1: id is a string and required; an item has content_html or content_text.
      assertTrue(i.getValue("id") instanceof String);
      assertTrue(i.containsKey("content_html") || i.containsKey("content_text"));
      OffsetDateTime.parse(i.getString("date_published"));
      OffsetDateTime.parse(i.getString("date_modified"));
      // 1.1 uses "authors" (an array of objects), never the 1.0 "author".
      assertFalse(i.containsKey("author"));
      i.getJsonArray("authors").forEach(a -> assertNotNull(((JsonObject) a).getString("name")));
      i.getJsonArray("attachments")
          .forEach(
              a -> {
                assertNotNull(((JsonObject) a).getString("url"));
                assertNotNull(((JsonObject) a).getString("mime_type"));
              });
      i.getJsonArray("tags").forEach(t -> assertTrue(t instanceof String));
    }
    assertEquals(article, items.getJsonObject(0).getString("id"));
  }

  @Test
  @DisplayName(
      "locale and tag select and render; all covers every type; bad parameters are problems")
  void filtersAndErrors() throws Exception {
    SyndFeed sr = parse(get("/feeds/article.rss?locale=sr-Latn").body());
    assertEquals(1, sr.getEntries().size(), "only entries published in sr-Latn (or its fallbacks)");
    assertEquals("Smanjenje štete u Nišu", sr.getEntries().get(0).getTitle());
    assertEquals("sr-Latn", sr.getLanguage());
    SyndFeed all = parse(get("/feeds/all.rss").body());
    List<String> uris = new ArrayList<>();
    all.getEntries().forEach(e -> uris.add(e.getUri()));
    assertTrue(
        uris.contains("urn:uuid:" + event) && uris.contains("urn:uuid:" + article),
        uris.toString());
    assertEquals(1, parse(get("/feeds/all.atom?tag=hr").body()).getEntries().size());
    HttpResponse<String> missing = get("/feeds/nope.rss");
    assertEquals(404, missing.statusCode());
    assertEquals(
        "application/problem+json", missing.headers().firstValue("Content-Type").orElseThrow());
    assertEquals(400, get("/feeds/article.rss?locale=xx").statusCode());
    assertEquals(400, get("/feeds/article.rss?page=2").statusCode());
  }

  @Test
  @DisplayName(
      "iCalendar of the upcoming and the past events and of one event parses with ical4j, in the"
          + " event's time zone")
  void icalendar() throws Exception {
    HttpResponse<String> r = get("/feeds/events.ics");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(
        "text/calendar; charset=utf-8", r.headers().firstValue("Content-Type").orElseThrow());
    assertTrue(r.body().contains("\r\n"));
    Calendar cal = new CalendarBuilder().build(new StringReader(r.body()));
    List<VEvent> events = cal.getComponents(Component.VEVENT);
    // Calendar subscriptions keep the recent past: the upcoming event first, then the past one.
    assertEquals(
        List.of(event + "@herald", pastEvent + "@herald"),
        events.stream().map(v -> v.getProperty(Property.UID).orElseThrow().getValue()).toList());
    VEvent e = events.get(0);
    assertEquals(event + "@herald", e.getProperty(Property.UID).orElseThrow().getValue());
    assertEquals(
        "Webinar: drug checking, services; results",
        e.getProperty(Property.SUMMARY).orElseThrow().getValue());
    assertTrue(e.getProperty(Property.DTSTART).orElseThrow().getValue().length() > 0);
    assertEquals(
        "Europe/Belgrade",
        e.getProperty(Property.DTSTART)
            .orElseThrow()
            .getParameter("TZID")
            .orElseThrow()
            .getValue());
    Temporal start = e.getStartDate().orElseThrow().getDate();
    assertEquals(starts.toInstant(), ZonedDateTime.from(start).toInstant());
    Temporal end = e.getEndDate().orElseThrow().getDate();
    assertEquals(starts.plusHours(2).toInstant(), ZonedDateTime.from(end).toInstant());
    assertTrue(
        e.getProperty(Property.DESCRIPTION).orElseThrow().getValue().contains("Second line"));
    assertEquals(
        "https://example.org/register?x=1", e.getProperty(Property.URL).orElseThrow().getValue());
    assertEquals("Online, Zoom", e.getProperty(Property.LOCATION).orElseThrow().getValue());
    assertFalse(cal.getComponents(Component.VTIMEZONE).isEmpty());

    HttpResponse<String> one = get("/v1/entries/" + event + ".ics");
    assertEquals(200, one.statusCode(), one.body());
    Calendar single = new CalendarBuilder().build(new StringReader(one.body()));
    assertEquals(1, single.getComponents(Component.VEVENT).size());
    assertEquals(
        304,
        get(
                "/v1/entries/" + event + ".ics",
                "If-None-Match",
                one.headers().firstValue("ETag").orElseThrow())
            .statusCode());
    assertEquals(404, get("/v1/entries/" + article + ".ics").statusCode());
    assertEquals(
        400, get("/feeds/article.xml").statusCode(), "the contract allows rss, atom, json and ics");
  }

  @Test
  @DisplayName(
      "with HERALD_PUBLIC_DELIVERY=false one event's calendar needs a delivery key; the feeds stay"
          + " public")
  void entryCalendarFollowsPublicDelivery() {
    try (PartnerHarness closed =
        new PartnerHarness(Map.of("HERALD_PUBLIC_DELIVERY", "false"))
            .start(PartnerHarness::defaultModule)) {
      assertEquals(201, closed.api("POST", "/v1/manage/types", ADMIN_KEY, EVENT).statusCode());
      String id =
          closed.publishNew(
              "event",
              new JsonObject()
                  .put("title", new JsonObject().put("en", "Closed webinar"))
                  .put("startsAt", starts.toString()));
      String path = "/v1/entries/" + id + ".ics";

      HttpResponse<String> anonymous = closed.partner("GET", path, null, null);
      assertEquals(401, anonymous.statusCode(), anonymous.body());
      assertEquals(
          "application/problem+json", anonymous.headers().firstValue("Content-Type").orElseThrow());
      assertEquals(
          401,
          closed.api("GET", "/v1/entries/" + id, null, null).statusCode(),
          "as the delivery API itself");

      String key = closed.key("delivery").getString("secret");
      HttpResponse<String> keyed = closed.partner("GET", path, key, null);
      assertEquals(200, keyed.statusCode(), keyed.body());
      assertTrue(keyed.body().contains("SUMMARY:Closed webinar\r\n"), keyed.body());
      assertTrue(
          keyed.headers().firstValue("Cache-Control").orElseThrow().startsWith("private"),
          "a shared cache must not hand a keyed answer to requests without a key");

      assertEquals(200, closed.partner("GET", "/feeds/events.ics", null, null).statusCode());
    }
  }

  @Test
  @DisplayName("a change pings the WebSub hub with the affected feeds")
  void webSub() {
    publish(
        "article",
        new JsonObject()
            .put("title", new JsonObject().put("en", "Ping"))
            .put("tags", new JsonArray().add("hub")));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                hubPosts.stream()
                    .map(p -> URLDecoder.decode(p, StandardCharsets.UTF_8))
                    .anyMatch(
                        p ->
                            p.startsWith("hub.mode=publish")
                                && p.contains("hub.url=http://feeds.test/feeds/article.rss&")
                                && p.contains("hub.url=http://feeds.test/feeds/all.json")
                                && p.contains(
                                    "hub.url=http://feeds.test/feeds/article.atom?tag=hub")));
  }
}
