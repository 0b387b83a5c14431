package herald.publisher;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import herald.embedded.PgSettings;
import herald.embedded.TestInfrastructure;
import herald.events.GoldenSamples;
import herald.publisher.delivery.Delivery;
import herald.publisher.delivery.DeliveryRepository;
import herald.publisher.delivery.DeliveryStatus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real publisher against real PostgreSQL and Kafka: each test gets its own topic, consumer
 * group and site directory; the class gets its own database.
 */
@DisplayName("The publisher")
class PublisherIT {

  static final UUID ENTRY = UUID.fromString("5b0f6c1e-2d1a-4a57-9b7e-0f6a3c9d2e11");
  static final String SLUG = "needle-and-syringe-programmes-nsp-for-people-who-inject-drugs";
  static final String PAGE_EN = "en/event/" + SLUG + "/index.html";
  static final String PAGE_SR = "sr-Cyrl/event/" + SLUG + "/index.html";
  static final String GOLDEN_EVENT_ID = "0f8e2f8a-6a43-4b8e-8a51-3d7c1b2a9e40";
  static final Duration WAIT = Duration.ofSeconds(60);

  static PgSettings pg;
  static String bootstrap;
  static KafkaProducer<String, byte[]> producer;

  @TempDir Path dataDir;
  Vertx vertx;
  Pool db;
  WebClient http;
  PublisherVerticle publisher;
  String topic;
  Path site;

  @BeforeAll
  static void infrastructure() {
    bootstrap = TestInfrastructure.shared().kafkaBootstrapServers();
    pg = TestInfrastructure.freshDatabase();
    producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                ByteArraySerializer.class.getName()));
  }

  @AfterAll
  static void closeProducer() {
    producer.close();
  }

  @BeforeEach
  void deploy() throws Exception {
    topic = TestInfrastructure.uniqueTopic("publisher-it");
    // Each test starts with no applied versions: the golden entry is new to it.
    PublisherConfig config =
        PublisherConfig.fromEnv(
            Map.ofEntries(
                Map.entry("HERALD_PUBLISHER_PORT", "0"),
                Map.entry("KAFKA_BOOTSTRAP_SERVERS", bootstrap),
                Map.entry("HERALD_CONTENT_TOPIC", topic),
                Map.entry("HERALD_PUBLISHER_GROUP", topic + "-publisher"),
                Map.entry("PG_HOST", pg.host()),
                Map.entry("PG_PORT", Integer.toString(pg.port())),
                Map.entry("PG_DATABASE", pg.database()),
                Map.entry("PG_USER", pg.user()),
                Map.entry("PG_PASSWORD", pg.password()),
                Map.entry("HERALD_DATA_DIR", dataDir.toString())));
    site = config.siteDir();
    vertx = Vertx.vertx();
    publisher = new PublisherVerticle(config);
    vertx.deployVerticle(publisher).await(2, TimeUnit.MINUTES);
    db =
        PgBuilder.pool()
            .connectingTo(
                new PgConnectOptions()
                    .setHost(pg.host())
                    .setPort(pg.port())
                    .setDatabase(pg.database())
                    .setUser(pg.user())
                    .setPassword(pg.password()))
            .using(vertx)
            .build();
    db.query("TRUNCATE publisher.delivery, publisher.applied_version")
        .execute()
        .await(30, TimeUnit.SECONDS);
    http = WebClient.create(vertx);
  }

  @AfterEach
  void undeploy() throws Exception {
    if (vertx != null) {
      vertx.close().await(1, TimeUnit.MINUTES);
    }
  }

  @Test
  @DisplayName("publishing the golden webinar writes both pages and records one sent delivery")
  void publishWritesPagesAndRecordsDelivery() throws Exception {
    send(GoldenSamples.producerRecord(GoldenSamples.PUBLISHED, topic));

    await()
        .atMost(WAIT)
        .until(
            () ->
                Files.isRegularFile(site.resolve(PAGE_EN))
                    && Files.isRegularFile(site.resolve(PAGE_SR)));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              List<Delivery> rows = deliveries();
              assertEquals(1, rows.size());
              Delivery d = rows.get(0);
              assertEquals(3, d.version());
              assertEquals("website", d.channel());
              assertEquals(DeliveryStatus.SENT, d.status());
              assertEquals(1, d.attempts());
              assertEquals(GOLDEN_EVENT_ID, d.eventId());
            });
    String en = Files.readString(site.resolve(PAGE_EN));
    assertTrue(en.contains("<html lang=\"en\">"));
    assertFalse(en.contains("<script>"));
  }

  @Test
  @DisplayName("the same event twice gives one delivery, one page and one rendering")
  void sameEventTwiceHasOneEffect() throws Exception {
    send(GoldenSamples.producerRecord(GoldenSamples.PUBLISHED, topic));
    send(GoldenSamples.producerRecord(GoldenSamples.PUBLISHED, topic));

    await()
        .atMost(WAIT)
        .until(() -> metric("herald_publisher_events_total", "outcome", "stale") == 1);
    assertEquals(1, metric("herald_publisher_events_total", "outcome", "applied"));
    assertEquals(
        1, metric("herald_publisher_deliveries_total", "channel", "website", "outcome", "sent"));
    List<Delivery> rows = deliveries();
    assertEquals(1, rows.size());
    assertEquals(1, rows.get(0).attempts());
    assertEquals(DeliveryStatus.SENT, rows.get(0).status());
    try (var files = Files.list(site.resolve(PAGE_EN).getParent())) {
      assertEquals(List.of("index.html"), files.map(f -> f.getFileName().toString()).toList());
    }
  }

  @Test
  @DisplayName("an older version arriving after a newer one changes nothing")
  void olderVersionIsIgnored() throws Exception {
    send(GoldenSamples.producerRecord(GoldenSamples.PUBLISHED, topic));
    send(
        GoldenSamples.producerRecord(
            GoldenSamples.PUBLISHED,
            topic,
            v -> {
              v.put("version", 2);
              ((ObjectNode) v.get("fields").get("title")).put("en", "An outdated title");
            }));

    await()
        .atMost(WAIT)
        .until(() -> metric("herald_publisher_events_total", "outcome", "stale") == 1);
    String en = Files.readString(site.resolve(PAGE_EN));
    assertTrue(
        en.contains("<h1>Needle and Syringe Programmes (NSP) for People Who Inject Drugs</h1>"));
    assertFalse(en.contains("An outdated title"));
    List<Delivery> rows = deliveries();
    assertEquals(1, rows.size());
    assertEquals(3, rows.get(0).version());
  }

  @Test
  @DisplayName("unpublishing takes the pages offline and records its own delivery")
  void unpublishRemovesPages() throws Exception {
    send(GoldenSamples.producerRecord(GoldenSamples.PUBLISHED, topic));
    send(GoldenSamples.producerRecord(GoldenSamples.UNPUBLISHED, topic));

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              List<Delivery> rows = deliveries();
              assertEquals(List.of(3L, 4L), rows.stream().map(Delivery::version).toList());
              assertTrue(rows.stream().allMatch(d -> d.status() == DeliveryStatus.SENT));
            });
    assertFalse(Files.exists(site.resolve(PAGE_EN)));
    assertFalse(Files.exists(site.resolve(PAGE_SR)));
    assertFalse(Files.exists(site.resolve("en")), "empty directories are removed too");
    assertEquals(404, get("/site/" + PAGE_EN).statusCode());
  }

  @Test
  @DisplayName("a poison record is counted and skipped, and the consumer goes on")
  void poisonRecordDoesNotStopTheConsumer() throws Exception {
    send(
        new ProducerRecord<>(
            topic, ENTRY.toString(), "not an event".getBytes(StandardCharsets.UTF_8)));
    send(GoldenSamples.producerRecord(GoldenSamples.PUBLISHED, topic));

    await().atMost(WAIT).until(() -> Files.isRegularFile(site.resolve(PAGE_EN)));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> assertEquals(1, metric("herald_publisher_poison_events_total", "topic", topic)));
    HttpResponse<Buffer> ready = get("/health/ready");
    assertEquals(200, ready.statusCode());
    assertEquals("UP", ready.bodyAsJsonObject().getString("status"));
  }

  @Test
  @DisplayName("the published page is served over HTTP")
  void pageIsServed() throws Exception {
    send(GoldenSamples.producerRecord(GoldenSamples.PUBLISHED, topic));

    await().atMost(WAIT).until(() -> get("/site/" + PAGE_EN).statusCode() == 200);
    HttpResponse<Buffer> page = get("/site/" + PAGE_EN);
    assertTrue(
        page.getHeader("content-type").startsWith("text/html"), page.getHeader("content-type"));
    assertTrue(page.bodyAsString().contains("<html lang=\"en\">"));
    assertTrue(page.bodyAsString().contains("&lt;script&gt;alert(1)&lt;/script&gt;"));

    HttpResponse<Buffer> dir = get("/site/en/event/" + SLUG + "/");
    assertEquals(200, dir.statusCode());
    assertEquals(page.bodyAsString(), dir.bodyAsString());
  }

  @Test
  @DisplayName("a missing page is a 404 problem, and no path escapes the site")
  void missingPageIsAProblem() throws Exception {
    HttpResponse<Buffer> missing = get("/site/en/event/no-such-entry/index.html");
    assertEquals(404, missing.statusCode());
    assertEquals("application/problem+json", missing.getHeader("content-type"));
    JsonObject problem = missing.bodyAsJsonObject();
    assertEquals(404, problem.getInteger("status"));
    assertEquals("Not Found", problem.getString("title"));

    HttpResponse<Buffer> escape = get("/site/../../../../etc/passwd");
    assertEquals(404, escape.statusCode());
    assertFalse(escape.bodyAsString().contains("root:"));
  }

  @Test
  @DisplayName("health and metrics answer once the publisher runs")
  void healthAndMetrics() throws Exception {
    HttpResponse<Buffer> live = get("/health/live");
    assertEquals(200, live.statusCode());
    assertEquals(new JsonObject().put("status", "UP"), live.bodyAsJsonObject());

    await().atMost(WAIT).until(() -> get("/health/ready").statusCode() == 200);
    JsonObject ready = get("/health/ready").bodyAsJsonObject();
    assertEquals("UP", ready.getString("status"));
    assertEquals("RUNNING", ready.getJsonObject("checks").getString("consumer"));

    HttpResponse<Buffer> metrics = get("/metrics");
    assertEquals(200, metrics.statusCode());
    assertEquals(
        0, metric("herald_publisher_deliveries_total", "channel", "website", "outcome", "sent"));
    assertEquals(0, metric("herald_publisher_poison_events_total", "topic", topic));
  }

  @Test
  @DisplayName("a failing write is retried until it succeeds, and the event is not skipped")
  void retriableFailureIsRetried() throws Exception {
    // A file where the locale directory belongs makes every write fail until it is removed.
    Files.writeString(site.resolve("en"), "in the way");
    send(GoldenSamples.producerRecord(GoldenSamples.PUBLISHED, topic));

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              List<Delivery> rows = deliveries();
              assertEquals(1, rows.size());
              assertEquals(DeliveryStatus.FAILED, rows.get(0).status());
              assertTrue(rows.get(0).lastError().contains("en/event"), rows.get(0).lastError());
            });
    Files.delete(site.resolve("en"));

    await()
        .atMost(WAIT)
        .untilAsserted(() -> assertEquals(DeliveryStatus.SENT, deliveries().get(0).status()));
    Delivery sent = deliveries().get(0);
    assertTrue(sent.attempts() >= 2, "attempts: " + sent.attempts());
    assertEquals(null, sent.lastError());
    assertTrue(Files.isRegularFile(site.resolve(PAGE_EN)));
    assertTrue(
        metric("herald_publisher_deliveries_total", "channel", "website", "outcome", "failed")
            >= 1);
  }

  @Test
  @DisplayName("a fatal failure stops the consumer and fails readiness")
  void fatalFailureFailsReadiness() throws Exception {
    // A missing table is a broken deployment, not something that goes away by waiting.
    db.query("ALTER TABLE publisher.delivery RENAME TO delivery_moved")
        .execute()
        .await(30, TimeUnit.SECONDS);
    try {
      send(GoldenSamples.producerRecord(GoldenSamples.PUBLISHED, topic));

      await().atMost(WAIT).until(() -> get("/health/ready").statusCode() == 503);
      JsonObject ready = get("/health/ready").bodyAsJsonObject();
      assertEquals("DOWN", ready.getString("status"));
      assertEquals("UP", ready.getJsonObject("checks").getString("database"));
      assertEquals("FAILED", ready.getJsonObject("checks").getString("consumer"));
      assertFalse(Files.exists(site.resolve(PAGE_EN)), "nothing was published");
      assertEquals(200, get("/health/live").statusCode());
    } finally {
      db.query("ALTER TABLE publisher.delivery_moved RENAME TO delivery")
          .execute()
          .await(30, TimeUnit.SECONDS);
    }
  }

  private void send(ProducerRecord<String, byte[]> record) throws Exception {
    producer.send(record).get(30, TimeUnit.SECONDS);
  }

  private List<Delivery> deliveries() throws Exception {
    return new DeliveryRepository().findByEntry(db, ENTRY).await(30, TimeUnit.SECONDS);
  }

  private HttpResponse<Buffer> get(String path) throws Exception {
    Future<HttpResponse<Buffer>> response =
        http.get(publisher.actualPort(), "127.0.0.1", path).send();
    return response.await(30, TimeUnit.SECONDS);
  }

  /** The value of a counter on /metrics, -1 when it is not there. */
  private double metric(String name, String... labels) throws Exception {
    String text = get("/metrics").bodyAsString();
    Pattern line =
        Pattern.compile("^" + Pattern.quote(name) + "\\{([^}]*)\\} (\\S+)$", Pattern.MULTILINE);
    Matcher m = line.matcher(text);
    while (m.find()) {
      boolean all = true;
      for (int i = 0; i < labels.length; i += 2) {
        all &= m.group(1).contains(labels[i] + "=\"" + labels[i + 1] + "\"");
      }
      if (all) {
        return Double.parseDouble(m.group(2));
      }
    }
    return -1;
  }
}
