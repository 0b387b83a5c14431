package herald.indexer;

import static herald.indexer.GoldenEvents.ENTRY_ID;
import static herald.indexer.GoldenEvents.entry;
import static herald.indexer.GoldenEvents.field;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import herald.embedded.Infrastructure;
import herald.embedded.TestInfrastructure;
import herald.events.GoldenSamples;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The indexer service against real Kafka")
class IndexerIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir static Path dataDir;

  private static IndexerConfig config;
  private static Vertx vertx;
  private static WebClient http;
  private static KafkaProducer<String, byte[]> producer;
  private static IndexerVerticle verticle;
  private static String deploymentId;

  @BeforeAll
  static void start() throws Exception {
    Infrastructure infra = TestInfrastructure.shared();
    config =
        new IndexerConfig(
            0,
            infra.kafkaBootstrapServers(),
            TestInfrastructure.uniqueTopic("indexer-it"),
            "indexer-it-" + UUID.randomUUID(),
            dataDir,
            dataDir.resolve("index"));
    vertx = Vertx.vertx();
    http = WebClient.create(vertx);
    producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                infra.kafkaBootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                ByteArraySerializer.class));
    deploy();
  }

  @AfterAll
  static void stop() throws Exception {
    if (producer != null) {
      producer.close();
    }
    if (vertx != null) {
      vertx.close().await(60, TimeUnit.SECONDS);
    }
  }

  private static void deploy() throws Exception {
    verticle = new IndexerVerticle(config);
    deploymentId = vertx.deployVerticle(verticle).await(90, TimeUnit.SECONDS);
    await().atMost(WAIT).until(() -> get("/health/ready").statusCode() == 200);
  }

  @Test
  @DisplayName("publishing the golden sample makes it searchable in both locales")
  void publishedIsSearchable() throws Exception {
    send(GoldenSamples.producerRecord(GoldenSamples.PUBLISHED, config.contentTopic()));

    JsonObject en =
        await().atMost(WAIT).until(() -> hitOf(search("syringe", "en"), ENTRY_ID), h -> h != null);
    assertEquals("event", en.getString("type"));
    assertEquals(
        "Needle and Syringe Programmes (NSP) for People Who Inject Drugs", en.getString("title"));
    assertEquals(
        "needle-and-syringe-programmes-nsp-for-people-who-inject-drugs", en.getString("slug"));
    assertTrue(en.getString("snippet").contains("<mark>syringe</mark>"), en.encode());

    JsonObject sr = hitOf(search("шприцева", "sr-Cyrl"), ENTRY_ID);
    assertEquals("sr-Cyrl", sr.getString("locale"));
  }

  @Test
  @DisplayName("the same event twice leaves one document per locale")
  void sameEventTwice() throws Exception {
    String marker = marker();
    UUID id = UUID.randomUUID();
    double skippedBefore = counter("skipped");

    ProducerRecord<String, byte[]> record = published(id, marker, v -> {});
    send(record);
    send(record);

    await().atMost(WAIT).until(() -> counter("skipped") >= skippedBefore + 1);
    JsonObject all = search(marker, null);
    assertEquals(2, all.getLong("total"), all.encode());
    assertEquals(1, search(marker, "en").getLong("total"));
    assertEquals(1, search(marker, "sr-Cyrl").getLong("total"));
  }

  @Test
  @DisplayName("unpublishing removes the entry from search")
  void unpublishRemoves() throws Exception {
    String marker = marker();
    UUID id = UUID.randomUUID();
    send(published(id, marker, v -> {}));
    await().atMost(WAIT).until(() -> search(marker, null).getLong("total") == 2);

    send(GoldenSamples.producerRecord(GoldenSamples.UNPUBLISHED, config.contentTopic(), entry(id)));

    await().atMost(WAIT).until(() -> search(marker, null).getLong("total") == 0);
  }

  @Test
  @DisplayName("a poison record is skipped and the events after it are indexed")
  void poisonIsSkipped() throws Exception {
    double poisonBefore = counter("poison");
    UUID id = UUID.randomUUID();
    ProducerRecord<String, byte[]> golden =
        GoldenSamples.producerRecord(GoldenSamples.PUBLISHED, config.contentTopic());
    // Same partition as the good event that follows, so it really lies in between.
    send(
        new ProducerRecord<>(
            config.contentTopic(),
            0,
            id.toString(),
            "{not json".getBytes(StandardCharsets.UTF_8),
            golden.headers()));
    send(new ProducerRecord<>(config.contentTopic(), 0, id.toString(), new byte[] {1, 2, 3}));
    send(
        new ProducerRecord<>(
            config.contentTopic(), 0, id.toString(), null, new RecordHeaders(golden.headers())));

    String marker = marker();
    ProducerRecord<String, byte[]> good = published(id, marker, v -> {});
    send(new ProducerRecord<>(good.topic(), 0, good.key(), good.value(), good.headers()));

    await().atMost(WAIT).until(() -> search(marker, null).getLong("total") == 2);
    assertEquals(poisonBefore + 3, counter("poison"));
    assertEquals(200, get("/health/ready").statusCode());
  }

  @Test
  @DisplayName("a restarted indexer resumes where it committed, without duplicates or replay")
  void restartResumes() throws Exception {
    String before = marker();
    send(published(UUID.randomUUID(), before, v -> {}));
    await().atMost(WAIT).until(() -> search(before, null).getLong("total") == 2);

    vertx.undeploy(deploymentId).await(60, TimeUnit.SECONDS);
    deploy();

    String after = marker();
    send(published(UUID.randomUUID(), after, v -> {}));
    await().atMost(WAIT).until(() -> search(after, null).getLong("total") == 2);
    assertEquals(2, search(before, null).getLong("total"));
    // The new verticle counts from zero: only the new event was read, nothing was replayed.
    assertEquals(1.0, counter("applied"));
    assertEquals(0.0, counter("skipped"));
  }

  @Test
  @DisplayName("a bad limit is a 400 problem")
  void badLimit() throws Exception {
    for (String limit : new String[] {"0", "101", "ten"}) {
      HttpResponse<Buffer> r =
          request("/v1/search")
              .addQueryParam("q", "syringe")
              .addQueryParam("limit", limit)
              .send()
              .await(10, TimeUnit.SECONDS);
      assertProblem(r, 400);
      assertTrue(r.bodyAsJsonObject().getString("detail").contains("limit"));
    }
  }

  @Test
  @DisplayName("a missing, blank or overlong q is a problem")
  void missingQuery() throws Exception {
    assertProblem(get("/v1/search"), 400);
    assertProblem(get("/v1/search?q=%20%20"), 400);
    assertProblem(get("/v1/search?q=" + "x".repeat(1_000)), 400);
    // Past the server's request-line limit the HTTP decoder refuses it, still as a problem.
    assertProblem(get("/v1/search?q=" + "x".repeat(10_000)), 414);
  }

  @Test
  @DisplayName("query syntax in q is searched literally")
  void syntaxIsLiteral() throws Exception {
    for (String q : new String[] {"*a*", "a~", "title:x^1e9", "\"unbalanced", "[a TO", "\u0001"}) {
      HttpResponse<Buffer> r =
          request("/v1/search").addQueryParam("q", q).send().await(10, TimeUnit.SECONDS);
      assertEquals(200, r.statusCode(), q);
      assertEquals(0, r.bodyAsJsonObject().getLong("total"), q);
    }
  }

  @Test
  @DisplayName("an unknown path is a 404 problem")
  void unknownPath() throws Exception {
    assertProblem(get("/v1/nothing-here"), 404);
  }

  @Test
  @DisplayName("liveness, readiness and metrics are served")
  void operatorEndpoints() throws Exception {
    assertEquals(200, get("/health/live").statusCode());
    HttpResponse<Buffer> ready = get("/health/ready");
    assertEquals(200, ready.statusCode());
    assertEquals("UP", ready.bodyAsJsonObject().getString("status"));

    search("anything", null);
    String metrics = get("/metrics").bodyAsString();
    assertTrue(metrics.contains("herald_indexer_documents "), metrics);
    assertTrue(metrics.contains("herald_indexer_events_total{outcome=\"applied\"}"), metrics);
    assertTrue(metrics.contains("herald_indexer_consumer_lag "), metrics);
    assertTrue(metrics.contains("herald_indexer_search_seconds_count"), metrics);
  }

  private static ProducerRecord<String, byte[]> published(
      UUID id, String marker, Consumer<ObjectNode> edit) {
    return GoldenSamples.producerRecord(
        GoldenSamples.PUBLISHED,
        config.contentTopic(),
        entry(id)
            .andThen(field("title", "en", "Webinar " + marker))
            .andThen(field("title", "sr-Cyrl", "Вебинар " + marker))
            .andThen(edit));
  }

  private static void send(ProducerRecord<String, byte[]> record) throws Exception {
    producer.send(record).get(30, TimeUnit.SECONDS);
  }

  /** A word that only one test's entry has. */
  private static String marker() {
    return "m" + UUID.randomUUID().toString().replace("-", "");
  }

  private static HttpRequest<Buffer> request(String uri) {
    return http.get(verticle.actualPort(), "127.0.0.1", uri);
  }

  private static HttpResponse<Buffer> get(String uri) throws Exception {
    return request(uri).send().await(10, TimeUnit.SECONDS);
  }

  private static JsonObject search(String q, String locale) throws Exception {
    HttpRequest<Buffer> req =
        request("/v1/search").addQueryParam("q", q).addQueryParam("limit", "100");
    if (locale != null) {
      req.addQueryParam("locale", locale);
    }
    HttpResponse<Buffer> r = req.send().await(10, TimeUnit.SECONDS);
    assertEquals(200, r.statusCode(), r.bodyAsString());
    assertEquals("application/json", r.getHeader("Content-Type"));
    return r.bodyAsJsonObject();
  }

  private static JsonObject hitOf(JsonObject result, String id) {
    JsonArray hits = result.getJsonArray("hits");
    for (int i = 0; i < hits.size(); i++) {
      if (id.equals(hits.getJsonObject(i).getString("id"))) {
        return hits.getJsonObject(i);
      }
    }
    return null;
  }

  /** The value of {@code herald_indexer_events_total{outcome=…}} on /metrics. */
  private static double counter(String outcome) throws Exception {
    String prefix = "herald_indexer_events_total{outcome=\"" + outcome + "\"} ";
    return get("/metrics")
        .bodyAsString()
        .lines()
        .filter(l -> l.startsWith(prefix))
        .mapToDouble(l -> Double.parseDouble(l.substring(prefix.length()).trim()))
        .findFirst()
        .orElse(0);
  }

  private static void assertProblem(HttpResponse<Buffer> r, int status) {
    assertEquals(status, r.statusCode(), r.bodyAsString());
    assertEquals("application/problem+json", r.getHeader("Content-Type"));
    JsonObject body = r.bodyAsJsonObject();
    assertEquals(status, body.getInteger("status"));
    assertTrue(body.getString("type").startsWith("https://"), body.encode());
    assertTrue(body.containsKey("title") && body.containsKey("detail"), body.encode());
  }
}
