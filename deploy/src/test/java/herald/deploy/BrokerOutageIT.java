package herald.deploy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import herald.embedded.EmbeddedKafkaBroker;
import herald.embedded.PgSettings;
import herald.embedded.TestInfrastructure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker of a running Herald killed with SIGKILL while editors publish, and brought back: no
 * service needs a restart, every publish the api acknowledged reaches search, the website, the
 * delivery log and the partner log (PostgreSQL's published entries are the oracle), and readiness
 * says so on the way: 503 naming Kafka during the outage, 200 after.
 */
@DisplayName("Herald through a broker outage")
class BrokerOutageIT {
  private static final Duration WAIT = Duration.ofMinutes(3);
  private static final String TOKEN = "brokeroutage";

  @TempDir Path dir;
  AllInOne herald;

  @Test
  @DisplayName(
      "every publish acknowledged around a broker kill is indexed, on the website, delivered and"
          + " in the partner log; readiness is 503 during the outage and 200 after")
  void ridesOutBrokerKill() throws Exception {
    // A broker of this test's own, unsupervised, so that the outage lasts until the test ends it.
    EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"), 0);
    PgSettings pg = TestInfrastructure.freshDatabase();
    Map<String, String> env = new HashMap<>();
    env.put("HERALD_DATA_DIR", dir.resolve("data").toString());
    env.put("HERALD_API_PORT", "0");
    env.put("HERALD_INDEXER_PORT", "0");
    env.put("HERALD_PUBLISHER_PORT", "0");
    env.put("HERALD_SEED", "false");
    env.put("PG_HOST", pg.host());
    env.put("PG_PORT", Integer.toString(pg.port()));
    env.put("PG_DATABASE", pg.database());
    env.put("PG_USER", pg.user());
    env.put("PG_PASSWORD", pg.password());
    env.put("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
    Publisher editor = new Publisher();
    try {
      herald = AllInOne.start(env);
      List<String> services = List.of(herald.apiUrl(), herald.indexerUrl(), herald.publisherUrl());
      HttpResponse<String> type =
          send(
              "POST",
              "/v1/manage/types",
              "{\"id\":\"note\",\"name\":\"Note\",\"fields\":[{\"id\":\"title\",\"type\":\"text\","
                  + "\"required\":true,\"localized\":true}]}");
      assertEquals(201, type.statusCode(), type.body());
      for (String base : services) {
        await().atMost(WAIT).until(() -> ready(base).statusCode() == 200);
      }

      editor.start();
      await().atMost(WAIT).until(() -> editor.acknowledged.size() >= 5);

      broker.kill();
      int beforeOutage = editor.acknowledged.size();
      for (String base : services) {
        // Answered at once (the client gives up after 1 s), 503, naming Kafka.
        await()
            .atMost(WAIT)
            .ignoreExceptions()
            .until(
                () -> {
                  HttpResponse<String> r = ready(base);
                  return r.statusCode() == 503
                      && new JsonObject(r.body()).getJsonArray("down").contains("kafka");
                });
      }
      // The api keeps acknowledging publishes: they wait in its outbox.
      await().atMost(WAIT).until(() -> editor.acknowledged.size() >= beforeOutage + 5);

      broker.restart();
      int afterOutage = editor.acknowledged.size();
      await().atMost(WAIT).until(() -> editor.acknowledged.size() >= afterOutage + 5);
      editor.finish();

      Set<String> published = publishedIds(pg);
      assertTrue(published.containsAll(editor.acknowledged), "the oracle has every acknowledged");
      int n = published.size();
      await().atMost(WAIT).until(() -> searchTotal() == n);
      await()
          .atMost(WAIT)
          .until(
              () ->
                  count(pg, "select count(distinct entry_id) from sync_log") == n
                      && count(
                              pg,
                              "select count(distinct entry_id) from deliveries"
                                  + " where channel = 'website' and state = 'sent'")
                          == n);
      for (String id : published) {
        String slug = slugOf(id);
        assertTrue(
            Files.exists(herald.siteDir().resolve("en/note/" + slug + "/index.html")),
            "page of " + slug);
      }
      for (String base : services) {
        await().atMost(WAIT).until(() -> ready(base).statusCode() == 200);
      }
    } finally {
      editor.finish();
      if (herald != null) {
        herald.close();
      }
      broker.close();
    }
  }

  /** Creates and publishes notes until told to finish, keeping the ids the api acknowledged. */
  private final class Publisher extends Thread {
    final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean finishing = new AtomicBoolean();

    Publisher() {
      super("broker-outage-editor");
    }

    @Override
    public void run() {
      for (int i = 0; !finishing.get(); i++) {
        String body =
            new JsonObject()
                .put("type", "note")
                .put(
                    "fields",
                    new JsonObject()
                        .put("title", new JsonObject().put("en", "Note " + i + " " + TOKEN)))
                .put("channels", new JsonArray().add("website"))
                .encode();
        try {
          HttpResponse<String> created = send("POST", "/v1/manage/entries", body);
          if (created.statusCode() != 201) {
            continue;
          }
          String id = new JsonObject(created.body()).getString("id");
          if (send("POST", "/v1/manage/entries/" + id + "/publish", null).statusCode() == 200) {
            acknowledged.add(id);
          }
        } catch (AssertionError e) {
          // No answer: neither acknowledged nor counted; PostgreSQL says whether it was published.
        }
      }
    }

    void finish() throws InterruptedException {
      finishing.set(true);
      join(WAIT.toMillis());
    }
  }

  private HttpResponse<String> ready(String base) throws Exception {
    return new HeraldHttp(herald).get(base + "/health/ready", Duration.ofSeconds(1));
  }

  private int searchTotal() throws Exception {
    HttpResponse<String> r =
        new HeraldHttp(herald)
            .get(herald.apiUrl() + "/v1/search?q=" + TOKEN, Duration.ofSeconds(10));
    return r.statusCode() == 200 ? new JsonObject(r.body()).getInteger("total") : -1;
  }

  private String slugOf(String id) {
    HttpResponse<String> r = send("GET", "/v1/manage/entries/" + id, null);
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body()).getString("slug");
  }

  private static Set<String> publishedIds(PgSettings pg) throws Exception {
    Set<String> out = new HashSet<>();
    try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("select id from entries where published is not null")) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }

  private static long count(PgSettings pg, String sql) throws Exception {
    try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private HttpResponse<String> send(String method, String path, String body) {
    return new HeraldHttp(herald).send(method, path, body);
  }
}
