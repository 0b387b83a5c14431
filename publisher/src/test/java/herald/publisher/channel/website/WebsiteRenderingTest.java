package herald.publisher.channel.website;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import herald.events.ContentEvent;
import herald.events.ContentEventCodec;
import herald.events.ContentPublished;
import herald.events.ContentUnpublished;
import herald.events.GoldenSamples;
import herald.publisher.PublisherConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The website's pages")
class WebsiteRenderingTest {

  static final String WEBINAR = "en/event/webinar-on-decriminalisation/";
  static final String SPEAKER = "7c6b5a49-3827-4165-9f0e-d1c2b3a49586";

  @TempDir Path site;
  WebsiteChannel channel;

  @BeforeEach
  void setUp() {
    channel = new WebsiteChannel(site, new InMemoryWebsiteIndex(), settings(2, Optional.empty()));
  }

  static PublisherConfig.WebsiteSettings settings(int pageSize, Optional<String> hook) {
    return new PublisherConfig.WebsiteSettings(
        "https://site.example", pageSize, hook, hook.map(h -> "hook-secret"));
  }

  static ContentPublished full() {
    return (ContentPublished) event(GoldenSamples.PUBLISHED_FULL, v -> {});
  }

  static ContentEvent event(String name, Consumer<ObjectNode> edit) {
    var p = GoldenSamples.producerRecord(name, "content", edit);
    return ContentEventCodec.fromRecord(
        new org.apache.kafka.clients.consumer.ConsumerRecord<>(
            "content",
            0,
            0L,
            0L,
            org.apache.kafka.common.record.TimestampType.CREATE_TIME,
            -1,
            p.value().length,
            p.key(),
            p.value(),
            p.headers(),
            Optional.empty()));
  }

  /** A short article with the given id, slug, publication time and English body. */
  static ContentPublished article(String id, String slug, String publishedAt, String body) {
    return (ContentPublished)
        event(
            GoldenSamples.PUBLISHED,
            v -> {
              v.put("entryId", id);
              v.put("type", "article");
              v.put("slug", slug);
              v.put("publishedAt", publishedAt);
              v.putArray("locales").add("en");
              ObjectNode f = (ObjectNode) v.get("fields");
              ((ObjectNode) f.get("title")).put("en", "Article " + slug);
              ((ObjectNode) f.get("body")).put("en", body);
              ((com.fasterxml.jackson.databind.node.ArrayNode) v.get("schema"))
                  .addObject()
                  .put("id", "tags")
                  .put("type", "tags")
                  .put("localized", false);
              f.putArray("tags").add("Harm reduction");
            });
  }

  /** The unpublish event of an article at the given version. */
  static ContentUnpublished unpublishedArticle(String id, String slug, long version) {
    return (ContentUnpublished)
        event(
            GoldenSamples.UNPUBLISHED,
            v -> {
              v.put("entryId", id);
              v.put("version", version);
              v.put("type", "article");
              v.put("slug", slug);
            });
  }

  /** An article in the given locales with the given tags, published at the given time. */
  static ContentPublished article(
      String id,
      String slug,
      String publishedAt,
      long version,
      List<String> locales,
      List<String> tags) {
    return (ContentPublished)
        event(
            GoldenSamples.PUBLISHED,
            v -> {
              v.put("entryId", id);
              v.put("version", version);
              v.put("type", "article");
              v.put("slug", slug);
              v.put("publishedAt", publishedAt);
              ObjectNode f = (ObjectNode) v.get("fields");
              com.fasterxml.jackson.databind.node.ArrayNode ls = v.putArray("locales");
              ObjectNode title = f.putObject("title");
              ObjectNode body = f.putObject("body");
              for (String l : locales) {
                ls.add(l);
                title.put(l, "Article " + slug + " v" + version + " " + l);
                body.put(l, "Body of " + slug);
              }
              ((com.fasterxml.jackson.databind.node.ArrayNode) v.get("schema"))
                  .addObject()
                  .put("id", "tags")
                  .put("type", "tags")
                  .put("localized", false);
              com.fasterxml.jackson.databind.node.ArrayNode ts = f.putArray("tags");
              tags.forEach(ts::add);
            });
  }

  /** Every file of the site, by path. */
  Map<String, String> files() throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> all = Files.walk(site)) {
      for (Path p : all.filter(Files::isRegularFile).toList()) {
        out.put(site.relativize(p).toString(), Files.readString(p));
      }
    }
    return out;
  }

  String read(String path) throws IOException {
    return Files.readString(site.resolve(path));
  }

  @Test
  @DisplayName(
      "the seed's webinar renders its programme in Belgrade time and its registration link")
  void webinarProgrammeAndRegistration() throws IOException {
    channel.publish(full());

    String en = read(WEBINAR + "index.html");
    assertTrue(en.contains("<h2>Programme</h2>"));
    assertTrue(en.contains("<th scope=\"col\">Time (Europe/Belgrade)</th>"));
    assertTrue(en.contains("<time datetime=\"2025-12-04T14:30+01:00\">2:30 PM–2:37 PM</time>"), en);
    assertTrue(en.contains("<td>Opening &amp; overview</td>"));
    assertTrue(en.contains("<td>The BOOST policy paper “Decriminalize!”</td>"));
    assertTrue(en.contains("<td>Questions and answers</td>"));
    assertTrue(
        en.contains(
            "<a class=\"button register\" href=\"https://us02web.zoom.us/j/89055986872\""
                + " rel=\"noopener\">Register</a>"));
    assertTrue(en.contains("Thursday, December 4, 2025, 2:30 PM–4:00 PM (Europe/Belgrade)"), en);
    assertTrue(en.contains("<p class=\"venue\">Online (organised from Belgrade)</p>"));
    // Rich text from CommonMark.
    assertTrue(en.contains("<strong>BOOST</strong>"));
    assertTrue(en.contains("<a href=\"https://example.org/brief\""));
    // Unresolved speakers and organisers are left out rather than shown as ids.
    assertFalse(en.contains(SPEAKER));
    // Other locales, in their own scripts.
    assertTrue(
        read("ru/event/webinar-on-decriminalisation/index.html")
            .contains("<h1>Вебинар о декриминализации</h1>"));
  }

  @Test
  @DisplayName("the webinar carries schema.org Event JSON-LD and an iCalendar file in UTC")
  void jsonLdAndIcs() throws IOException {
    channel.publish(full());

    String en = read(WEBINAR + "index.html");
    var m =
        Pattern.compile("<script type=\"application/ld\\+json\">(.*?)</script>", Pattern.DOTALL)
            .matcher(en);
    assertTrue(m.find(), en);
    JsonObject ld = new JsonObject(m.group(1));
    assertEquals("https://schema.org", ld.getString("@context"));
    assertEquals("Event", ld.getString("@type"));
    assertEquals("Webinar on decriminalisation", ld.getString("name"));
    assertEquals("2025-12-04T14:30+01:00", ld.getString("startDate"));
    assertEquals("2025-12-04T16:00+01:00", ld.getString("endDate"));
    assertEquals(
        "https://schema.org/OnlineEventAttendanceMode", ld.getString("eventAttendanceMode"));
    assertEquals("VirtualLocation", ld.getJsonObject("location").getString("@type"));
    assertEquals("https://site.example/" + WEBINAR, ld.getString("url"));

    String ics = read(WEBINAR + "event.ics");
    assertTrue(ics.startsWith("BEGIN:VCALENDAR\r\n"));
    assertTrue(ics.contains("\r\nUID:9d3c2a41-7e0b-4c55-8f1a-2b6e4d8c0a17@herald\r\n"));
    assertTrue(ics.contains("\r\nDTSTART:20251204T133000Z\r\n"));
    assertTrue(ics.contains("\r\nDTEND:20251204T150000Z\r\n"));
    assertTrue(ics.contains("\r\nSUMMARY:Webinar on decriminalisation\r\n"));
    for (String line : ics.split("\r\n")) {
      assertTrue(line.getBytes(StandardCharsets.UTF_8).length <= 75, line);
    }
  }

  @Test
  @DisplayName("speakers published on the website are shown by name with a link to their page")
  void speakersResolvedFromPublishedEntries() throws IOException {
    channel.publish(
        (ContentPublished)
            event(
                GoldenSamples.PUBLISHED,
                v -> {
                  v.put("entryId", SPEAKER);
                  v.put("type", "person");
                  v.put("slug", "ana-petrovic");
                  v.putArray("locales").add("en");
                  ((ObjectNode) v.get("fields").get("title")).put("en", "Ana Petrović");
                }));
    channel.publish(full());

    String en = read(WEBINAR + "index.html");
    assertTrue(en.contains("<a href=\"../../../en/person/ana-petrovic/\">Ana Petrović</a>"), en);
  }

  @Test
  @DisplayName(
      "hostile rich text comes out inert: no script, no javascript: links, no handlers, no svg")
  void hostileRichTextIsInert() throws IOException {
    String hostile =
        "Hello <script>alert(1)</script>\n\n"
            + "[click](javascript:alert(2))\n\n"
            + "<a href=\"javascript:alert(3)\">raw link</a>\n\n"
            + "<img src=x onerror=alert(4)>\n\n"
            + "![pic](x\" onerror=\"alert(5))\n\n"
            + "<svg onload=alert(6)><circle/></svg>\n\n"
            + "<iframe src=\"https://evil.example\"></iframe>\n\n"
            + "[ok](https://example.org/safe)";
    channel.publish(
        (ContentPublished)
            event(
                GoldenSamples.PUBLISHED_FULL,
                v -> {
                  ((ObjectNode) v.get("fields").get("body")).put("en", hostile);
                  ((ObjectNode) v.get("fields").get("title"))
                      .put("en", "</script><script>alert(7)</script>");
                }));

    String en = read(WEBINAR + "index.html");
    String withoutJsonLd = en.replaceFirst("<script type=\"application/ld\\+json\">", "");
    assertFalse(withoutJsonLd.contains("<script"), "a script element came through:\n" + en);
    assertEquals(1, en.split("</script>", -1).length - 1, "only the JSON-LD element closes");
    // Raw HTML the editor typed shows as text; no real tag carries a script URL or a handler.
    assertFalse(Pattern.compile("<[a-zA-Z][^>]*javascript:").matcher(en).find(), en);
    assertFalse(Pattern.compile("<[a-zA-Z][^>]*\\son\\w+\\s*=").matcher(en).find(), en);
    assertFalse(en.toLowerCase().contains("<svg"));
    assertFalse(en.toLowerCase().contains("<iframe"));
    assertTrue(en.contains("&lt;script&gt;"), "the markup shows as text");
    assertTrue(en.contains("<a href=\"https://example.org/safe\""), "safe links stay");
    assertTrue(en.contains("<h1>&lt;/script&gt;&lt;script&gt;alert(7)&lt;/script&gt;</h1>"));
    assertTrue(en.contains("\\u003c/script\\u003e"), "JSON-LD cannot close its element");
  }

  @Test
  @DisplayName(
      "listings kept up one change at a time equal listings rendered from scratch, whatever the"
          + " changes")
  void listingsKeptUpEqualFullRendering() throws Exception {
    // Publishing renders only the archive pages its changes can reach; rendering every page must
    // find nothing to change. Random publishes, republishes, tag and locale changes and
    // unpublishes, with many equal publication times, on pages of 3: first one at a time, then
    // from 4 threads at once (each with its own entries, as deliveries of one entry are in
    // order), whose listings are rendered together.
    WebsiteChannel small =
        new WebsiteChannel(site, new InMemoryWebsiteIndex(), settings(3, Optional.empty()));
    Map<Integer, Long> versions = new java.util.concurrent.ConcurrentHashMap<>();
    Random random = new Random(20261127);
    for (int i = 1; i <= 400; i++) {
      change(small, random.nextInt(30), random, versions);
      if (i % 10 == 0) {
        assertNothingToRender(small, "after change " + i);
      }
    }
    for (int round = 1; round <= 10; round++) {
      java.util.concurrent.ExecutorService threads =
          java.util.concurrent.Executors.newFixedThreadPool(4);
      List<java.util.concurrent.Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int first = t * 10;
        Random own = new Random(round * 31L + t);
        done.add(
            threads.submit(
                () -> {
                  for (int k = 0; k < 20; k++) {
                    change(small, first + own.nextInt(10), own, versions);
                  }
                  return null;
                }));
      }
      for (java.util.concurrent.Future<?> f : done) {
        f.get();
      }
      threads.shutdown();
      assertNothingToRender(small, "after concurrent round " + round);
    }
    assertTrue(Files.exists(site.resolve("en/page/2/index.html")), "the listings have pages");
  }

  @Test
  @DisplayName(
      "after a restart, unpublishing the last entry of a locale still takes its listings away")
  void firstRenderingAfterRestartRemovesEmptiedListings() throws IOException {
    InMemoryWebsiteIndex index = new InMemoryWebsiteIndex();
    String id = "00000000-0000-4000-8000-000000000077";
    new WebsiteChannel(site, index, settings(3, Optional.empty()))
        .publish(article(id, "only-one", "2026-01-05T10:00:00Z", 1, List.of("ru"), List.of("HIV")));
    assertTrue(Files.exists(site.resolve("ru/index.html")));
    assertTrue(Files.exists(site.resolve("ru/tag/hiv/index.html")));

    // A new process on the same site and index: its first rendering renders everything.
    new WebsiteChannel(site, index, settings(3, Optional.empty()))
        .unpublish(unpublishedArticle(id, "only-one", 2));
    assertFalse(Files.exists(site.resolve("ru/index.html")));
    assertFalse(Files.exists(site.resolve("ru/tag/hiv/index.html")));
  }

  @Test
  @DisplayName(
      "a change stored without its listings (a crash between the two) is rendered after a restart")
  void firstRenderingAfterRestartRemovesListingsLeftOnDisk() throws IOException {
    InMemoryWebsiteIndex index = new InMemoryWebsiteIndex();
    String id = "00000000-0000-4000-8000-000000000078";
    new WebsiteChannel(site, index, settings(3, Optional.empty()))
        .publish(article(id, "only-one", "2026-01-05T10:00:00Z", 1, List.of("ru"), List.of("HIV")));
    assertTrue(Files.exists(site.resolve("ru/tag/hiv/index.html")));
    // The index forgets the entry, and the process stops before rendering the listings.
    index.replace(UUID.fromString(id), List.of());

    // A new process's first delivery, of another entry, renders every listing.
    new WebsiteChannel(site, index, settings(3, Optional.empty()))
        .publish(
            article(
                "00000000-0000-4000-8000-000000000079",
                "another",
                "2026-01-06T10:00:00Z",
                1,
                List.of("en"),
                List.of()));
    assertFalse(Files.exists(site.resolve("ru/index.html")));
    assertFalse(Files.exists(site.resolve("ru/tag/hiv/index.html")));
    assertTrue(Files.exists(site.resolve("en/index.html")));
  }

  private void assertNothingToRender(WebsiteChannel channel, String when) throws IOException {
    Map<String, String> kept = files();
    assertEquals(Set.of(), channel.rebuildAllListings(), when);
    assertEquals(kept, files(), when);
  }

  /** Publishes (in 1 or 2 locales, with random tags and a random day) or unpublishes entry e. */
  private static void change(
      WebsiteChannel channel, int e, Random random, Map<Integer, Long> versions)
      throws IOException {
    List<String> tagChoices =
        List.of("Harm reduction", "harm reduction", "Policy", "HIV", "Drogen");
    String id = String.format("00000000-0000-4000-8000-%012d", e);
    long version = versions.merge(e, 1L, Long::sum);
    if (random.nextInt(6) == 0) {
      channel.unpublish(unpublishedArticle(id, "entry-" + e, version));
      return;
    }
    List<String> locales = random.nextBoolean() ? List.of("en") : List.of("en", "sr-Latn");
    List<String> tags = new ArrayList<>();
    for (String t : tagChoices) {
      if (random.nextInt(3) == 0) {
        tags.add(t);
      }
    }
    // Few distinct times: many entries share one, and republishing can move either way.
    String at = String.format("2026-01-%02dT10:00:00Z", 1 + random.nextInt(12));
    channel.publish(article(id, "entry-" + e, at, version, locales, tags));
  }

  @Test
  @DisplayName("index and tag pages list entries newest first, paginated, and shrink on unpublish")
  void indexAndTagPages() throws IOException {
    channel.publish(
        article("00000000-0000-4000-8000-000000000001", "first", "2026-01-01T10:00:00Z", "One"));
    channel.publish(
        article("00000000-0000-4000-8000-000000000002", "second", "2026-01-02T10:00:00Z", "Two"));
    channel.publish(
        article("00000000-0000-4000-8000-000000000003", "third", "2026-01-03T10:00:00Z", "Three"));

    // Newest first; the first page has the two newest.
    String page1 = read("en/index.html");
    assertTrue(page1.indexOf("Article third") < page1.indexOf("Article second"), page1);
    assertFalse(page1.contains("Article first"));
    assertTrue(page1.contains("<a href=\"../en/page/1/\" rel=\"next\">"), page1);
    String archive = read("en/page/1/index.html");
    assertTrue(
        archive.contains("<a href=\"../../../en/article/first/\">Article first</a>"), archive);
    // Archive pages count from the oldest: page 1 holds the two oldest, page 2 the newest one.
    assertTrue(archive.contains("Article second"), archive);
    assertTrue(archive.contains("<a href=\"../../../en/page/2/\" rel=\"prev\">"), archive);
    assertTrue(read("en/page/2/index.html").contains("<a href=\"../../../en/\" rel=\"prev\">"));
    // Archive pages keep their content as entries arrive: a fourth one adds a page, and page 1
    // still holds the two oldest.
    channel.publish(
        article("00000000-0000-4000-8000-000000000004", "fourth", "2026-01-04T10:00:00Z", "Four"));
    String oldest = read("en/page/1/index.html");
    assertTrue(oldest.contains("Article first") && oldest.contains("Article second"), oldest);
    assertTrue(read("en/page/2/index.html").contains("Article fourth"));
    channel.unpublish(unpublishedArticle("00000000-0000-4000-8000-000000000004", "fourth", 4));
    String tag = read("en/tag/harm-reduction/index.html");
    assertTrue(tag.contains("<h1>#Harm reduction</h1>"));
    assertTrue(
        read("en/article/first/index.html").contains("href=\"../../../en/tag/harm-reduction/\""));
    String sitemap = read("sitemap.xml");
    assertTrue(sitemap.contains("<loc>https://site.example/en/article/second/</loc>"));
    assertTrue(sitemap.startsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset"), sitemap);
    assertTrue(sitemap.contains("<url><loc>https://site.example/en/</loc></url>"), sitemap);
    String root = read("index.html");
    assertTrue(root.contains("<h1><span lang=\"en\">Languages</span></h1>"), root);
    assertTrue(root.contains("<a href=\"en/\" hreflang=\"en\" lang=\"en\">English</a>"), root);

    channel.unpublish(unpublishedArticle("00000000-0000-4000-8000-000000000003", "third", 4));

    assertFalse(Files.exists(site.resolve("en/article/third")));
    assertFalse(Files.exists(site.resolve("en/page")), "two entries fit on the first page now");
    assertFalse(read("en/index.html").contains("Article third"));
    assertFalse(read("sitemap.xml").contains("/third/"));
  }

  @Test
  @DisplayName("publications put their links first, statements quote their text")
  void publicationAndStatementLayouts() throws IOException {
    channel.publish(
        (ContentPublished)
            event(
                GoldenSamples.PUBLISHED,
                v -> {
                  v.put("entryId", "00000000-0000-4000-8000-0000000000a1");
                  v.put("type", "publication");
                  v.put("slug", "nsp-guide");
                }));
    channel.publish(
        (ContentPublished)
            event(
                GoldenSamples.PUBLISHED,
                v -> {
                  v.put("entryId", "00000000-0000-4000-8000-0000000000a2");
                  v.put("type", "statement");
                  v.put("slug", "joint-statement");
                }));

    String publication = read("en/publication/nsp-guide/index.html");
    assertTrue(publication.contains("layout-publication"));
    assertTrue(
        publication.indexOf("class=\"actions\"") < publication.indexOf("class=\"body\""),
        publication);
    String statement = read("en/statement/joint-statement/index.html");
    assertTrue(statement.contains("layout-statement"));
    assertTrue(
        statement.contains("<blockquote class=\"statement\">\n<div class=\"body\">"), statement);
  }

  @Test
  @DisplayName("the revalidation hook gets the changed paths, signed with HMAC-SHA256")
  void revalidationHookIsSigned() throws Exception {
    Vertx vertx = Vertx.vertx();
    List<io.vertx.core.MultiMap> headers = new CopyOnWriteArrayList<>();
    List<String> bodies = new CopyOnWriteArrayList<>();
    try {
      HttpServer hook =
          vertx
              .createHttpServer()
              .requestHandler(
                  req ->
                      req.body()
                          .onSuccess(
                              b -> {
                                headers.add(req.headers());
                                bodies.add(b.toString());
                                req.response().setStatusCode(204).end();
                              }))
              .listen(0, "127.0.0.1")
              .await(30, TimeUnit.SECONDS);
      WebsiteChannel hooked =
          new WebsiteChannel(
              site,
              new InMemoryWebsiteIndex(),
              settings(20, Optional.of("http://127.0.0.1:" + hook.actualPort() + "/revalidate")));

      hooked.publish(full());

      assertEquals(1, bodies.size());
      JsonObject body = new JsonObject(bodies.get(0));
      assertTrue(body.getJsonArray("paths").contains("/" + WEBINAR), body.encode());
      assertTrue(body.getJsonArray("paths").contains("/en/"));
      assertTrue(body.getJsonArray("paths").contains("/sitemap.xml"));
      String timestamp = headers.get(0).get("X-Herald-Timestamp");
      assertEquals(
          "sha256="
              + Revalidator.sign(
                  "hook-secret".getBytes(StandardCharsets.UTF_8), timestamp + "." + bodies.get(0)),
          headers.get(0).get("X-Herald-Signature"));
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }
}
