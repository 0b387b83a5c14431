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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A running Herald loses its broker (killed with SIGKILL) or its database (every connection cut,
 * none accepted) while editors publish, and gets it back: no service needs a restart, every publish
 * the api acknowledged reaches search, the website, the api's delivery log and the partner log
 * (PostgreSQL's published entries are the oracle), and readiness says so on the way: 503 naming
 * what is missing during the outage, 200 after.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("Herald through outages")
class OutagesIT {
  private static final Duration WAIT = Duration.ofMinutes(3);
  private static final String TOKEN = "outagenote";

  Path dir;
  EmbeddedKafkaBroker broker;
  PgSettings pg;
  AllInOne herald;
  HeraldHttp client;
  List<String> services;

  @BeforeAll
  void start() throws Exception {
    dir = Files.createTempDirectory(Path.of("target"), "outages-it");
    // A broker of this test's own, unsupervised, so that an outage lasts until the test ends it.
    broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"), 0);
    pg = TestInfrastructure.freshDatabase();
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
    herald = AllInOne.start(env);
    client = new HeraldHttp(herald);
    services = List.of(herald.apiUrl(), herald.indexerUrl(), herald.publisherUrl());
    HttpResponse<String> type =
        client.send(
            "POST",
            "/v1/manage/types",
            """
            {"id":"note","name":"Note","fields":[
              {"id":"title","type":"text","required":true,"localized":true}]}
            """);
    assertEquals(201, type.statusCode(), type.body());
  }

  @AfterAll
  void stop() {
    if (herald != null) {
      herald.close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  @DisplayName(
      "every publish acknowledged around a broker kill is indexed, on the website, delivered and"
          + " in the partner log; readiness is 503 naming kafka during the outage and 200 after")
  void ridesOutBrokerKill() throws Exception {
    awaitReady(services);
    Editor editor = new Editor();
    try {
      editor.start();
      await().atMost(WAIT).until(() -> editor.acknowledged.size() >= 5);

      broker.kill();
      int beforeOutage = editor.acknowledged.size();
      awaitDown(services, "kafka");
      // The api keeps acknowledging publishes: they wait in its outbox.
      await().atMost(WAIT).until(() -> editor.acknowledged.size() >= beforeOutage + 5);

      broker.restart();
      int afterOutage = editor.acknowledged.size();
      await().atMost(WAIT).until(() -> editor.acknowledged.size() >= afterOutage + 5);
    } finally {
      editor.finish();
    }
    assertEverywhere(editor.acknowledged);
    awaitReady(services);
  }

  @Test
  @DisplayName(
      "publishes acknowledged before PostgreSQL goes away are delivered everywhere once it is back;"
          + " readiness is 503 naming the database meanwhile and 200 after")
  void ridesOutDatabaseOutage() throws Exception {
    awaitReady(services);
    Editor editor = new Editor();
    try {
      editor.start();
      await().atMost(WAIT).until(() -> editor.acknowledged.size() >= 10);
      // Cut while the pipeline still works on them: consumers meet the outage mid-batch.
      database(false);
      // The indexer needs no database: only the api and the publisher are down.
      awaitDown(List.of(herald.apiUrl(), herald.publisherUrl()), "database");
      int during = editor.acknowledged.size();
      database(true);
      await().atMost(WAIT).until(() -> editor.acknowledged.size() >= during + 5);
    } finally {
      database(true);
      editor.finish();
    }
    assertEverywhere(editor.acknowledged);
    awaitReady(services);
  }

  /**
   * Every entry PostgreSQL says is published (the acknowledged ones among them) is found by the
   * search, on the website, sent according to the api's delivery log and in the partner log.
   */
  private void assertEverywhere(Set<String> acknowledged) throws Exception {
    Set<String> published = publishedIds();
    assertTrue(published.containsAll(acknowledged), "the oracle has every acknowledged publish");
    int n = published.size();
    await().atMost(WAIT).until(() -> searchTotal() == n);
    await()
        .atMost(WAIT)
        .until(
            () ->
                count("select count(distinct entry_id) from sync_log") == n
                    && count(
                            "select count(distinct entry_id) from deliveries"
                                + " where channel = 'website' and state = 'sent'")
                        == n);
    for (String id : published) {
      HttpResponse<String> r = client.send("GET", "/v1/manage/entries/" + id, null);
      assertEquals(200, r.statusCode(), r.body());
      String slug = new JsonObject(r.body()).getString("slug");
      assertTrue(
          Files.exists(herald.siteDir().resolve("en/note/" + slug + "/index.html")),
          "page of " + slug);
    }
  }

  /** Readiness answers at once (the client gives up after 1 s) with 503 naming {@code what}. */
  private void awaitDown(List<String> bases, String what) {
    for (String base : bases) {
      await()
          .atMost(WAIT)
          .ignoreExceptions()
          .until(
              () -> {
                HttpResponse<String> r = client.get(base + "/health/ready", Duration.ofSeconds(1));
                return r.statusCode() == 503
                    && new JsonObject(r.body()).getJsonArray("down").contains(what);
              });
    }
  }

  private void awaitReady(List<String> bases) {
    for (String base : bases) {
      await()
          .atMost(WAIT)
          .ignoreExceptions()
          .until(
              () -> client.get(base + "/health/ready", Duration.ofSeconds(10)).statusCode() == 200);
    }
  }

  /**
   * Lets the database take connections again, or refuses new ones and ends the open ones: to the
   * services it is gone, as after a crash, while the server itself (shared with other tests) runs.
   */
  private void database(boolean up) throws Exception {
    try (Connection c =
            DriverManager.getConnection(
                pg.withDatabase("postgres").jdbcUrl(), pg.user(), pg.password());
        Statement s = c.createStatement()) {
      s.execute("alter database \"" + pg.database() + "\" with allow_connections " + up);
      if (!up) {
        s.execute(
            "select pg_terminate_backend(pid) from pg_stat_activity where datname = '"
                + pg.database()
                + "'");
      }
    }
  }

  /** Creates and publishes notes until told to finish, keeping the ids the api acknowledged. */
  private final class Editor extends Thread {
    final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean finishing = new AtomicBoolean();

    Editor() {
      super("outages-editor");
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
          HttpResponse<String> created = client.send("POST", "/v1/manage/entries", body);
          if (created.statusCode() != 201) {
            continue;
          }
          String id = new JsonObject(created.body()).getString("id");
          if (client.send("POST", "/v1/manage/entries/" + id + "/publish", null).statusCode()
              == 200) {
            acknowledged.add(id);
          }
        } catch (AssertionError e) {
          // No answer: not acknowledged; PostgreSQL says whether it was published.
        }
      }
    }

    void finish() throws InterruptedException {
      finishing.set(true);
      join(WAIT.toMillis());
    }
  }

  private int searchTotal() throws Exception {
    HttpResponse<String> r =
        client.get(herald.apiUrl() + "/v1/search?q=" + TOKEN, Duration.ofSeconds(10));
    return r.statusCode() == 200 ? new JsonObject(r.body()).getInteger("total") : -1;
  }

  private Set<String> publishedIds() throws Exception {
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

  private long count(String sql) throws Exception {
    try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
