package herald.indexer;

import static herald.indexer.GoldenEvents.entry;
import static herald.indexer.GoldenEvents.field;
import static herald.indexer.GoldenEvents.version;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import herald.embedded.Infrastructure;
import herald.embedded.TestInfrastructure;
import herald.events.GoldenSamples;
import herald.events.Topics;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
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
 * indexes a stream of publishes, unpublishes and republishes; a new indexer on the same folder must
 * then hold exactly the published set, once each.
 */
@DisplayName("An indexer killed with kill -9")
class CrashIT {
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final int ENTRIES = 40;
  private static final int EVENTS = 1_200;

  @TempDir Path dataDir;

  @Test
  @DisplayName("restarts with exactly the published documents, without duplicates")
  void killDashNine() throws Exception {
    Infrastructure infra = TestInfrastructure.shared();
    String topic = TestInfrastructure.uniqueTopic("indexer-crash");
    String group = "indexer-crash-" + UUID.randomUUID();
    Topics.ensure(infra.kafkaBootstrapServers(), topic, Topics.CONTENT_PARTITIONS);
    Path indexDir = dataDir.resolve("index");

    Process child = startChild(infra.kafkaBootstrapServers(), topic, group, indexDir);
    Map<UUID, Long> lastPublished = new HashMap<>();
    Set<UUID> unpublished = new HashSet<>();
    AtomicInteger sent = new AtomicInteger();
    try (KafkaProducer<String, byte[]> producer = producer(infra.kafkaBootstrapServers())) {
      await().atMost(WAIT).until(() -> Files.exists(indexDir.resolve("CURRENT")));
      List<UUID> ids = new ArrayList<>();
      for (int i = 0; i < ENTRIES; i++) {
        ids.add(UUID.randomUUID());
      }
      Map<UUID, Long> versions = new HashMap<>();
      // A first event, so that the kill comes only once the child is consuming.
      UUID first = ids.get(0);
      versions.put(first, 1L);
      lastPublished.put(first, 1L);
      producer
          .send(
              GoldenSamples.producerRecord(
                  GoldenSamples.PUBLISHED,
                  topic,
                  entry(first)
                      .andThen(version(1))
                      .andThen(field("title", "en", "Crash " + first + " v1"))
                      .andThen(field("title", "sr-Cyrl", "Крах " + first + " v1"))))
          .get(30, TimeUnit.SECONDS);
      await().atMost(WAIT).until(() -> committedOffsets(indexDir) > 0);
      Random random = new Random(42);
      Thread writer =
          new Thread(
              () -> {
                for (int i = 0; i < EVENTS; i++) {
                  UUID id = ids.get(random.nextInt(ids.size()));
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
                  synchronized (lastPublished) {
                    if (unpublish) {
                      unpublished.add(id);
                      lastPublished.remove(id);
                    } else {
                      unpublished.remove(id);
                      lastPublished.put(id, v);
                    }
                  }
                  producer.send(r);
                  sent.incrementAndGet();
                  if (i % 5 == 0) {
                    producer.flush();
                    sleepQuietly(5);
                  }
                }
                producer.flush();
              },
              "crash-it-producer");
      writer.start();

      // Kill once the child has committed some of the stream, while the rest keeps coming.
      await()
          .atMost(WAIT)
          .pollInterval(Duration.ofMillis(20))
          .until(() -> committedOffsets(indexDir) > 100);
      child.destroyForcibly();
      assertTrue(child.waitFor(30, TimeUnit.SECONDS));
      assertTrue(sent.get() < EVENTS, "the kill landed while events were still coming");
      writer.join(TimeUnit.SECONDS.toMillis(60));
    } finally {
      child.destroyForcibly();
    }

    Vertx vertx = Vertx.vertx();
    try {
      IndexerConfig config =
          new IndexerConfig(0, infra.kafkaBootstrapServers(), topic, group, dataDir, indexDir)
              .withInternalToken(TOKEN);
      IndexerVerticle verticle = new IndexerVerticle(config);
      vertx.deployVerticle(verticle).await(90, TimeUnit.SECONDS);
      WebClient http = WebClient.create(vertx);
      int port = verticle.actualPort();

      Set<String> expected = new HashSet<>();
      synchronized (lastPublished) {
        lastPublished.forEach(
            (id, v) -> {
              expected.add(id + "/en/Crash " + id + " v" + v);
              expected.add(id + "/sr-Cyrl/Крах " + id + " v" + v);
            });
      }
      await().atMost(WAIT).until(() -> indexed(http, port).equals(expected));
      JsonObject status = admin(http, port);
      // The crash left a consistent commit: the index was reopened, not rebuilt.
      assertEquals("opened", status.getJsonObject("index").getString("startedFrom"));
      assertEquals(expected.size(), status.getJsonObject("index").getLong("documents"));
      for (UUID id : unpublished) {
        assertTrue(indexed(http, port).stream().noneMatch(k -> k.startsWith(id.toString())));
      }
    } finally {
      vertx.close().await(60, TimeUnit.SECONDS);
    }
  }

  private static final String TOKEN = "crash-it-token";

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
    return http.get(port, "127.0.0.1", "/v1/admin/index")
        .putHeader("X-Herald-Internal-Token", TOKEN)
        .send()
        .await(10, TimeUnit.SECONDS)
        .bodyAsJsonObject();
  }

  /** The sum of the offsets in the child's last Lucene commit. */
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

  private Process startChild(String bootstrap, String topic, String group, Path indexDir)
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
    env.put("HERALD_INDEXER_PORT", "0");
    env.remove("HERALD_INTERNAL_TOKEN");
    pb.redirectErrorStream(true);
    pb.redirectOutput(dataDir.resolve("child.log").toFile());
    return pb.start();
  }

  private static KafkaProducer<String, byte[]> producer(String bootstrap) {
    return new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrap,
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
            StringSerializer.class,
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
            ByteArraySerializer.class));
  }

  private static void sleepQuietly(long ms) {
    // Paces the producer so that the kill lands mid-stream; not a wait for a condition.
    java.util.concurrent.locks.LockSupport.parkNanos(ms * 1_000_000L);
  }
}
