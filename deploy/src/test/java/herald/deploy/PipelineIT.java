package herald.deploy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import herald.embedded.BrokerSupervisor;
import herald.embedded.EmbeddedKafkaBroker;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The whole pipeline in the all-in-one launcher: api → outbox → Kafka → indexer and publisher. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PipelineIT {
  // A ceiling for a stuck pipeline, not an expectation: each wait takes a second or two when idle.
  static final Duration WAIT = Duration.ofMinutes(2);
  AllInOne herald;
  HeraldHttp client;

  @BeforeAll
  void start() throws Exception {
    Path dataDir = Files.createTempDirectory(Path.of("target"), ".pipeline-it");
    Map<String, String> env = new HashMap<>();
    env.put("HERALD_DATA_DIR", dataDir.toString());
    env.put("HERALD_API_PORT", "0");
    env.put("HERALD_INDEXER_PORT", "0");
    env.put("HERALD_PUBLISHER_PORT", "0");
    herald = AllInOne.start(env);
    client = new HeraldHttp(herald);
  }

  @AfterAll
  void stop() {
    if (herald != null) {
      herald.close();
    }
  }

  @Test
  @DisplayName(
      "publishing an entry makes it searchable and puts its page on the website; unpublishing removes both")
  void publishThenUnpublish() throws Exception {
    JsonObject entry =
        new JsonObject()
            .put("type", "article")
            .put(
                "fields",
                new JsonObject()
                    .put("title", new JsonObject().put("en", "Overdose prevention in Skopje"))
                    .put(
                        "body",
                        new JsonObject()
                            .put("en", "Naloxone quokkaword for <b>everyone</b>")
                            .put("mk", "Налоксон за сите")))
            .put("channels", new JsonArray().add("website"));
    entry.getJsonObject("fields").getJsonObject("title").put("mk", "Превенција на предозирање");
    HttpResponse<String> created = send("POST", "/v1/manage/entries", entry.encode());
    assertEquals(201, created.statusCode(), created.body());
    String id = new JsonObject(created.body()).getString("id");
    String slug = new JsonObject(created.body()).getString("slug");
    assertEquals("overdose-prevention-in-skopje", slug);
    assertEquals(0, total("quokkaword"), "a draft is not searchable");

    assertEquals(200, send("POST", "/v1/manage/entries/" + id + "/publish", null).statusCode());
    Path enPage = herald.siteDir().resolve("en/article/" + slug + "/index.html");
    Path mkPage = herald.siteDir().resolve("mk/article/" + slug + "/index.html");
    await().atMost(WAIT).until(() -> total("quokkaword") == 1);
    await().atMost(WAIT).until(() -> Files.exists(enPage) && Files.exists(mkPage));
    JsonObject hit = search("quokkaword").getJsonArray("hits").getJsonObject(0);
    assertEquals(id, hit.getString("id"));
    assertEquals("article", hit.getString("type"));
    assertEquals("en", hit.getString("locale"));
    assertEquals("Overdose prevention in Skopje", hit.getString("title"));
    assertTrue(hit.getString("snippet").contains("quokkaword"), hit.encode());
    String html = Files.readString(enPage);
    assertTrue(herald.siteDir().toString().contains("/.pipeline-it"));
    assertTrue(html.contains("Overdose prevention in Skopje"));
    assertTrue(html.contains("&lt;b&gt;everyone&lt;/b&gt;"), "text is escaped");
    assertTrue(
        html.contains("type=\"application/rss+xml\"")
            && html.contains("/feeds/article.rss?locale=en"),
        "the page announces its feeds");
    assertTrue(Files.readString(mkPage).contains("Превенција на предозирање"));
    // The data dir's name starts with a dot, like the default ./.herald.
    HttpResponse<String> served = get(herald.publisherUrl() + "/site/en/article/" + slug + "/");
    assertEquals(200, served.statusCode());
    assertTrue(served.body().contains("Overdose prevention in Skopje"));

    // The publisher's delivery status flows back to the api over Kafka.
    await()
        .atMost(WAIT)
        .until(
            () ->
                send("GET", "/v1/manage/entries/" + id + "/deliveries", null)
                    .body()
                    .contains("\"sent\""));

    assertEquals(200, send("POST", "/v1/manage/entries/" + id + "/unpublish", null).statusCode());
    await().atMost(WAIT).until(() -> total("quokkaword") == 0);
    await().atMost(WAIT).until(() -> !Files.exists(enPage) && !Files.exists(mkPage));
    assertEquals(404, get(herald.apiUrl() + "/v1/entries/" + id).statusCode());
  }

  @Test
  @DisplayName(
      "the demo content from the seed newsletter is published, searchable and on the website")
  void seedContent() {
    // start() returns once the demo is searchable: no waiting here.
    assertTrue(total("syringe") >= 1);
    JsonObject hit = search("syringe").getJsonArray("hits").getJsonObject(0);
    assertEquals("event", hit.getString("type"));
    assertEquals(
        "Needle and Syringe Programmes (NSP) for People Who Inject Drugs", hit.getString("title"));
    await().atMost(WAIT).until(() -> total("decriminalisation") >= 2);
    Path webinar = herald.siteDir().resolve("en/event/webinar-on-decriminalisation/index.html");
    await().atMost(WAIT).until(() -> Files.exists(webinar));
    Path cyrillic =
        herald.siteDir().resolve("sr-Cyrl/event/webinar-on-decriminalisation/index.html");
    await().atMost(WAIT).until(() -> Files.exists(cyrillic));
    JsonObject person = search("Milošević").getJsonArray("hits").getJsonObject(0);
    assertEquals("person", person.getString("type"));
    // A person entry is on the partners channel only: it has no page to link to.
    assertEquals(null, person.getValue("url"), person.encode());
    // The speakers are named in the programme, although they have no page of their own.
    await()
        .atMost(WAIT)
        .until(
            () ->
                Files.readString(webinar)
                    .contains("<span class=\"speaker\">Milutin Milošević</span>"));
    // Speakers are person entries, resolved by include.
    JsonObject events =
        new JsonObject(
            get(herald.apiUrl()
                    + "/v1/entries?type=event&locale=en&include=1&sort=-fields.startsAt")
                .body());
    JsonObject decrim = events.getJsonArray("items").getJsonObject(0);
    assertEquals("Webinar on decriminalisation", decrim.getJsonObject("fields").getString("title"));
    JsonArray programme = decrim.getJsonObject("fields").getJsonArray("programme");
    assertEquals(10, programme.size());
    String speaker = programme.getJsonObject(0).getJsonArray("speakers").getString(0);
    assertEquals(
        "Milutin Milošević",
        events
            .getJsonObject("includes")
            .getJsonObject(speaker)
            .getJsonObject("fields")
            .getString("name"));
  }

  @Test
  @DisplayName(
      "the demo's social posts reach the local Mastodon and Bluesky, which keep them as files")
  void socialPostsInTheLocalSinks() {
    Path mastodon = herald.socialDir().resolve("mastodon");
    Path bluesky = herald.socialDir().resolve("bluesky");
    await().atMost(WAIT).until(() -> posts(mastodon).contains("Webinar on decriminalisation"));
    await().atMost(WAIT).until(() -> posts(bluesky).contains("Webinar on decriminalisation"));
  }

  /** Every post kept in a sink's folder, one after another. */
  static String posts(Path folder) throws java.io.IOException {
    if (!Files.isDirectory(folder)) {
      return "";
    }
    StringBuilder all = new StringBuilder();
    try (var files = Files.list(folder)) {
      for (Path f : files.toList()) {
        all.append(Files.readString(f)).append('\n');
      }
    }
    return all.toString();
  }

  @Test
  @DisplayName("the search's hits link to their pages on the website, and the links work")
  void hitUrlsResolve() {
    JsonArray hits = search("decriminalisation").getJsonArray("hits");
    assertTrue(hits.size() >= 2, hits.encode());
    for (Object o : hits) {
      JsonObject hit = (JsonObject) o;
      String url = hit.getString("url");
      assertTrue(
          url.startsWith(herald.publisherUrl().replace("127.0.0.1", "localhost") + "/site/"), url);
      // The page is written a moment after the entry is searchable.
      await().atMost(WAIT).until(() -> get(url).statusCode() == 200);
      assertTrue(get(url).body().contains(hit.getString("title")), url);
    }
  }

  @Test
  @DisplayName("every service reports ready")
  void ready() {
    for (String base : new String[] {herald.apiUrl(), herald.indexerUrl(), herald.publisherUrl()}) {
      await().atMost(WAIT).until(() -> get(base + "/health/ready").statusCode() == 200);
    }
    JsonObject api = new JsonObject(get(herald.apiUrl() + "/health/ready").body());
    assertEquals(
        "LOADED",
        api.getJsonObject("checks").getJsonObject("demo").getString("status"),
        api.encode());
  }

  @Test
  @DisplayName("a broker that dies is started again by the all-in-one, and publishing goes on")
  void brokerIsSupervised() throws Exception {
    EmbeddedKafkaBroker broker = herald.infrastructure().broker().orElseThrow();
    BrokerSupervisor supervisor = herald.infrastructure().brokerSupervisor().orElseThrow();
    int restarts = supervisor.restarts();
    broker.kill();
    // Nothing but the supervisor starts it again.
    await().atMost(WAIT).until(() -> supervisor.restarts() > restarts && broker.isAlive());

    JsonObject entry =
        new JsonObject(
            """
            {"type":"article","fields":{"title":{"en":"After the broker came back"},
             "body":{"en":"Resurrected zorblewort"}}}
            """);
    HttpResponse<String> created = send("POST", "/v1/manage/entries", entry.encode());
    assertEquals(201, created.statusCode(), created.body());
    String id = new JsonObject(created.body()).getString("id");
    assertEquals(200, send("POST", "/v1/manage/entries/" + id + "/publish", null).statusCode());
    await().atMost(WAIT).until(() -> total("zorblewort") == 1);
    for (String base : new String[] {herald.apiUrl(), herald.indexerUrl(), herald.publisherUrl()}) {
      await().atMost(WAIT).until(() -> get(base + "/health/ready").statusCode() == 200);
    }
  }

  int total(String q) {
    return search(q).getInteger("total");
  }

  JsonObject search(String q) {
    HttpResponse<String> r =
        get(herald.apiUrl() + "/v1/search?q=" + URLEncoder.encode(q, StandardCharsets.UTF_8));
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body());
  }

  HttpResponse<String> get(String url) {
    try {
      return client.get(url, Duration.ofSeconds(60));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  HttpResponse<String> send(String method, String path, String body) {
    return client.send(method, path, body);
  }
}
