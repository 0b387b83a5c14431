package herald.indexer;

import static herald.indexer.GoldenEvents.entry;
import static herald.indexer.GoldenEvents.field;
import static herald.indexer.GoldenEvents.version;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import herald.embedded.Infrastructure;
import herald.embedded.PgSettings;
import herald.embedded.TestInfrastructure;
import herald.events.GoldenSamples;
import herald.events.Topics;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash consistency for real: the indexer runs in its own JVM and is killed with SIGKILL while it
 * holds applied but uncommitted work, in a stream of new entries, updates and unpublishes. Every
 * acknowledged event is recorded in PostgreSQL, the oracle; a new indexer on the same folder must
 * then hold exactly what PostgreSQL says is published, once each, so that an event lost or skipped
 * across the crash fails the test.
 */
@DisplayName("An indexer killed with kill -9")
class CrashIT {
  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final int EVENTS = 1_200;
  private static final String TOKEN = "crash-it-token";

  @TempDir Path dataDir;

  @Test
  @DisplayName(
      "while it holds uncommitted work restarts with exactly what PostgreSQL says is published")
  void killDashNine() throws Exception {
    Infrastructure infra = TestInfrastructure.shared();
    PgSettings pg = TestInfrastructure.freshDatabase();
    String topic = TestInfrastructure.uniqueTopic("indexer-crash");
    String group = "indexer-crash-" + UUID.randomUUID();
    Topics.ensure(infra.kafkaBootstrapServers(), topic, Topics.CONTENT_PARTITIONS);
    Path indexDir = dataDir.resolve("index");
    try (Connection db = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
        Statement s = db.createStatement()) {
      s.execute(
          "create table acknowledged (entry_id uuid primary key, version bigint not null,"
              + " published boolean not null)");
    }

    int port = freePort();
    Process child = startChild(infra.kafkaBootstrapServers(), topic, group, indexDir, port);
    Vertx vertx = Vertx.vertx();
    WebClient http = WebClient.create(vertx);
    Writer writer = new Writer(infra.kafkaBootstrapServers(), topic, pg);
    try {
      await().atMost(WAIT).ignoreExceptions().until(() -> childApplied(http, port) >= 0);
      writer.start();

      // The kill must land while the child has applied (and shown to searches) events that its
      // last Lucene commit does not hold yet: frozen with SIGSTOP, its commit on disk is compared
      // with what it had applied just before; if a commit slipped in, it runs on and we try again.
      long appliedBefore;
      long committed;
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (true) {
        await()
            .atMost(WAIT)
            .pollInterval(Duration.ofMillis(10))
            .ignoreExceptions()
            .until(() -> committedOffsets(indexDir) > 100);
        appliedBefore = childApplied(http, port);
        signal(child, "STOP");
        committed = committedOffsets(indexDir);
        if (appliedBefore > committed) {
          break;
        }
        signal(child, "CONT");
        assertTrue(System.nanoTime() < deadline, "never found the child with uncommitted work");
      }
      child.destroyForcibly();
      assertTrue(child.waitFor(30, TimeUnit.SECONDS));
      assertTrue(
          committedOffsets(indexDir) < appliedBefore,
          "killed with uncommitted work: committed " + committed + ", applied " + appliedBefore);
      assertTrue(writer.sent.get() < EVENTS, "the kill landed while events were still coming");
      writer.join(WAIT.toMillis());
      assertEquals(EVENTS, writer.sent.get(), "every event was acknowledged");
    } finally {
      child.destroyForcibly();
      writer.finish();
    }

    try {
      IndexerConfig config =
          new IndexerConfig(0, infra.kafkaBootstrapServers(), topic, group, dataDir, indexDir)
              .withInternalToken(TOKEN);
      IndexerVerticle verticle = new IndexerVerticle(config);
      vertx.deployVerticle(verticle).await(90, TimeUnit.SECONDS);
      int restarted = verticle.actualPort();

      Set<String> expected = expected(pg);
      assertTrue(expected.size() > 200, "the oracle holds many published entries");
      await().atMost(WAIT).until(() -> indexed(http, restarted).equals(expected));
      JsonObject status = admin(http, restarted);
      // The crash left a consistent commit: the index was reopened, not rebuilt.
      assertEquals("opened", status.getJsonObject("index").getString("startedFrom"));
      assertEquals(expected.size(), status.getJsonObject("index").getLong("documents"));
    } finally {
      vertx.close().await(60, TimeUnit.SECONDS);
    }
  }

  /**
   * Sends the stream: most events publish a new entry (so that any one event lost or skipped leaves
   * a document missing), the rest update or unpublish an earlier one. Each is recorded in
   * PostgreSQL once the broker acknowledged it.
   */
  private static final class Writer extends Thread {
    final AtomicInteger sent = new AtomicInteger();
    private final String bootstrap;
    private final String topic;
    private final PgSettings pg;
    private final AtomicBoolean finishing = new AtomicBoolean();

    Writer(String bootstrap, String topic, PgSettings pg) {
      super("crash-it-writer");
      this.bootstrap = bootstrap;
      this.topic = topic;
      this.pg = pg;
    }

    @Override
    public void run() {
      Random random = new Random(42);
      List<UUID> ids = new ArrayList<>();
      Map<UUID, Long> versions = new java.util.HashMap<>();
      try (KafkaProducer<String, byte[]> producer = producer(bootstrap);
          Connection db = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
          PreparedStatement record =
              db.prepareStatement(
                  "insert into acknowledged (entry_id, version, published) values (?, ?, ?)"
                      + " on conflict (entry_id) do update set version = excluded.version,"
                      + " published = excluded.published")) {
        for (int i = 0; i < EVENTS && !finishing.get(); i++) {
          UUID id;
          if (ids.isEmpty() || random.nextInt(3) > 0) {
            id = UUID.randomUUID();
            ids.add(id);
          } else {
            id = ids.get(random.nextInt(ids.size()));
          }
          long v = versions.merge(id, 1L, Long::sum);
          boolean unpublish = v > 1 && random.nextInt(4) == 0;
          ProducerRecord<String, byte[]> r =
              unpublish
                  ? GoldenSamples.producerRecord(
                      GoldenSamples.UNPUBLISHED, topic, entry(id).andThen(version(v)))
                  : GoldenSamples.producerRecord(
                      GoldenSamples.PUBLISHED,
                      topic,
                      entry(id)
                          .andThen(version(v))
                          .andThen(field("title", "en", "Crash " + id + " v" + v))
                          .andThen(field("title", "sr-Cyrl", "Крах " + id + " v" + v)));
          producer.send(r).get(30, TimeUnit.SECONDS);
          record.setObject(1, id);
          record.setLong(2, v);
          record.setBoolean(3, !unpublish);
          record.executeUpdate();
          sent.incrementAndGet();
        }
      } catch (Exception e) {
        throw new IllegalStateException("the writer failed after " + sent.get() + " events", e);
      }
    }

    void finish() throws InterruptedException {
      finishing.set(true);
      join(WAIT.toMillis());
    }
  }

  /** What PostgreSQL says the index must hold: (id, locale, title) of each published entry. */
  private static Set<String> expected(PgSettings pg) throws Exception {
    Set<String> out = new HashSet<>();
    try (Connection db = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
        Statement s = db.createStatement();
        ResultSet rs =
            s.executeQuery("select entry_id, version from acknowledged where published")) {
      while (rs.next()) {
        String id = rs.getString(1);
        long v = rs.getLong(2);
        out.add(id + "/en/Crash " + id + " v" + v);
        out.add(id + "/sr-Cyrl/Крах " + id + " v" + v);
      }
    }
    return out;
  }

  /** Every (id, locale, title) in the index, by paging through a browse of all events. */
  private static Set<String> indexed(WebClient http, int port) throws Exception {
    Set<String> out = new HashSet<>();
    List<String> seen = new ArrayList<>();
    String cursor = null;
    do {
      var req =
          http.get(port, "127.0.0.1", "/v1/search")
              .addQueryParam("type", "event")
              .addQueryParam("limit", "100");
      if (cursor != null) {
        req.addQueryParam("cursor", cursor);
      }
      HttpResponse<Buffer> r = req.send().await(10, TimeUnit.SECONDS);
      assertEquals(200, r.statusCode(), r.bodyAsString());
      JsonArray hits = r.bodyAsJsonObject().getJsonArray("hits");
      for (int i = 0; i < hits.size(); i++) {
        JsonObject h = hits.getJsonObject(i);
        String key = h.getString("id") + "/" + h.getString("locale") + "/" + h.getString("title");
        seen.add(key);
        out.add(key);
      }
      cursor = r.bodyAsJsonObject().getString("nextCursor");
    } while (cursor != null);
    assertEquals(seen.size(), out.size(), "no document twice");
    return out;
  }

  private static JsonObject admin(WebClient http, int port) throws Exception {
    HttpResponse<Buffer> r =
        http.get(port, "127.0.0.1", "/v1/admin/index")
            .putHeader("X-Herald-Internal-Token", TOKEN)
            .send()
            .await(10, TimeUnit.SECONDS);
    assertEquals(200, r.statusCode(), r.bodyAsString());
    return r.bodyAsJsonObject();
  }

  /** Events the child has applied since it started (each event of the stream applies). */
  private static long childApplied(WebClient http, int port) throws Exception {
    return admin(http, port).getJsonObject("index").getLong("eventsApplied");
  }

  /** The sum of the offsets in the child's last Lucene commit: the events it holds durably. */
  private static long committedOffsets(Path indexDir) {
    try {
      Path current = indexDir.resolve(Files.readString(indexDir.resolve("CURRENT")).strip());
      try (FSDirectory dir = FSDirectory.open(current)) {
        long sum = 0;
        for (Map.Entry<String, String> e :
            SegmentInfos.readLatestCommit(dir).getUserData().entrySet()) {
          if (e.getKey().startsWith("offset.")) {
            sum += Long.parseLong(e.getValue());
          }
        }
        return sum;
      }
    } catch (Exception e) {
      return 0;
    }
  }

  /** Sends a POSIX signal ({@code STOP}, {@code CONT}) to the child and waits until it is sent. */
  private static void signal(Process child, String signal) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(child.pid())).start();
    assertEquals(0, kill.waitFor(), "kill -" + signal);
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private Process startChild(String bootstrap, String topic, String group, Path indexDir, int port)
      throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx256m",
            "-cp",
            System.getProperty("java.class.path"),
            IndexerMain.class.getName());
    Map<String, String> env = pb.environment();
    env.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
    env.put("HERALD_CONTENT_TOPIC", topic);
    env.put("HERALD_INDEXER_GROUP", group);
    env.put("HERALD_DATA_DIR", dataDir.toString());
    env.put("HERALD_INDEX_DIR", indexDir.toString());
    env.put("HERALD_INDEXER_PORT", Integer.toString(port));
    env.put("HERALD_INTERNAL_TOKEN", TOKEN);
    pb.redirectErrorStream(true);
    pb.redirectOutput(dataDir.resolve("child.log").toFile());
    return pb.start();
  }

  private static KafkaProducer<String, byte[]> producer(String bootstrap) {
    return new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrap,
            ProducerConfig.ACKS_CONFIG,
            "all",
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
            StringSerializer.class,
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
            ByteArraySerializer.class));
  }
}
