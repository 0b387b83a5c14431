package herald.publisher;

import static herald.publisher.PublisherHarness.WAIT;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import herald.events.ContentEventCodec;
import herald.events.DeliveryEventCodec;
import herald.events.DeliveryStatusEvent;
import herald.events.GoldenSamples;
import herald.publisher.channel.DeliveryContext;
import herald.publisher.delivery.Delivery;
import herald.publisher.delivery.DeliveryStatus;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real publisher against real PostgreSQL and Kafka with its website channel: each test gets its
 * own topics, consumer group and site directory; the class gets its own database.
 */
@DisplayName("The publisher")
class PublisherIT {

  static final UUID ENTRY = UUID.fromString("5b0f6c1e-2d1a-4a57-9b7e-0f6a3c9d2e11");
  static final String SLUG = "needle-and-syringe-programmes-nsp-for-people-who-inject-drugs";
  static final String PAGE_EN = "en/event/" + SLUG + "/index.html";
  static final String PAGE_SR = "sr-Cyrl/event/" + SLUG + "/index.html";
  static final String GOLDEN_EVENT_ID = "0f8e2f8a-6a43-4b8e-8a51-3d7c1b2a9e40";

  static PublisherHarness h;

  @TempDir Path dataDir;
  Path site;

  @BeforeAll
  static void infrastructure() {
    h = new PublisherHarness();
  }

  @AfterAll
  static void close() throws Exception {
    h.close();
  }

  @BeforeEach
  void deploy() throws Exception {
    h.fresh(dataDir);
    h.deploy();
    h.truncate();
    site = h.config().siteDir();
  }

  @AfterEach
  void undeploy() throws Exception {
    h.undeploy();
  }

  @Test
  @DisplayName(
      "publishing the golden webinar writes its pages, the index and the sitemap, records one sent"
          + " delivery and announces each of its states on the status topic")
  void publishWritesPagesAndAnnouncesStatus() throws Exception {
    try (KafkaConsumer<String, byte[]> status = h.statusConsumer()) {
      h.send(GoldenSamples.producerRecord(GoldenSamples.PUBLISHED, h.topic));

      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                List<Delivery> rows = h.deliveries(ENTRY, "website");
                assertEquals(1, rows.size());
                assertEquals(DeliveryStatus.SENT, rows.get(0).status());
              });
      Delivery d = h.deliveries(ENTRY, "website").get(0);
      assertEquals(3, d.version());
      assertEquals("website", d.channel());
      assertEquals("site", d.target());
      assertEquals(Delivery.PUBLISH, d.operation());
      assertEquals(1, d.attempts());
      assertEquals(GOLDEN_EVENT_ID, d.eventId());
      assertEquals(DeliveryContext.deliveryId(ENTRY, 3, "website", "site"), d.deliveryId());
      assertNotNull(d.sentAt());
      assertEquals("sent", h.attempts(d).get(0).outcome());

      assertTrue(Files.isRegularFile(site.resolve(PAGE_EN)));
      assertTrue(Files.isRegularFile(site.resolve(PAGE_SR)));
      assertTrue(Files.isRegularFile(site.resolve("en/event/" + SLUG + "/event.ics")));
      assertTrue(Files.readString(site.resolve("en/index.html")).contains(SLUG));
      assertTrue(
          Files.readString(site.resolve("sitemap.xml"))
              .contains("<loc>https://site.example/en/event/" + SLUG + "/</loc>"));

      // The golden webinar also chose the newsletter: look at the website's events only.
      List<ConsumerRecord<String, byte[]>> records =
          PublisherHarness.readStatus(
                  status,
                  events ->
                      events.stream()
                          .anyMatch(e -> e.state().equals("sent") && e.channel().equals("website")))
              .stream()
              .filter(r -> DeliveryEventCodec.statusFromRecord(r).channel().equals("website"))
              .toList();
      List<DeliveryStatusEvent> events =
          records.stream().map(DeliveryEventCodec::statusFromRecord).toList();
      assertEquals(
          List.of("pending", "sending", "sent"),
          events.stream().map(DeliveryStatusEvent::state).toList());
      assertEquals(
          List.of(1L, 2L, 3L), events.stream().map(DeliveryStatusEvent::sequence).toList());
      ConsumerRecord<String, byte[]> sent = records.get(2);
      assertEquals(ENTRY.toString(), sent.key());
      assertEquals(
          DeliveryStatusEvent.TYPE,
          ContentEventCodec.header(sent.headers(), ContentEventCodec.H_TYPE));
      assertEquals(
          "/herald/publisher",
          ContentEventCodec.header(sent.headers(), ContentEventCodec.H_SOURCE));
      DeliveryStatusEvent last = events.get(2);
      assertEquals(d.deliveryId(), last.deliveryId());
      assertEquals(3, last.version());
      assertEquals("website", last.channel());
      assertEquals(1, last.attempts());
      assertEquals(1, last.history().size());
      assertEquals("sent", last.history().get(0).outcome());
      assertNull(last.lastError());
      assertNotNull(last.sentAt());
    }
    await().atMost(WAIT).until(() -> h.count("SELECT count(*) FROM publisher.status_outbox") == 0);
    assertTrue(
        h.metric("herald_publisher_delivery_latency_seconds_count", "channel", "website") >= 1);
  }

  @Test
  @DisplayName("the same event twice gives one delivery, one attempt and one page")
  void sameEventTwiceHasOneEffect() throws Exception {
    h.send(GoldenSamples.producerRecord(GoldenSamples.PUBLISHED, h.topic));
    h.send(GoldenSamples.producerRecord(GoldenSamples.PUBLISHED, h.topic));

    await()
        .atMost(WAIT)
        .until(() -> h.metric("herald_publisher_events_total", "outcome", "stale") == 1);
    await()
        .atMost(WAIT)
        .until(() -> h.deliveries(ENTRY, "website").get(0).status() == DeliveryStatus.SENT);
    assertEquals(1, h.metric("herald_publisher_events_total", "outcome", "applied"));
    assertEquals(
        1,
        h.metric(
            "herald_publisher_delivery_attempts_total", "channel", "website", "outcome", "sent"));
    List<Delivery> rows = h.deliveries(ENTRY, "website");
    assertEquals(1, rows.size());
    assertEquals(1, rows.get(0).attempts());
    try (var files = Files.list(site.resolve(PAGE_EN).getParent())) {
      assertEquals(
          List.of("event.ics", "index.html"),
          files.map(f -> f.getFileName().toString()).sorted().toList());
    }
  }

  @Test
  @DisplayName("an older version arriving after a newer one changes nothing")
  void olderVersionIsIgnored() throws Exception {
    h.send(GoldenSamples.producerRecord(GoldenSamples.PUBLISHED, h.topic));
    h.send(
        GoldenSamples.producerRecord(
            GoldenSamples.PUBLISHED,
            h.topic,
            v -> {
              v.put("version", 2);
              ((ObjectNode) v.get("fields").get("title")).put("en", "An outdated title");
            }));

    await()
        .atMost(WAIT)
        .until(() -> h.metric("herald_publisher_events_total", "outcome", "stale") == 1);
    await().atMost(WAIT).until(() -> Files.isRegularFile(site.resolve(PAGE_EN)));
    String en = Files.readString(site.resolve(PAGE_EN));
    assertTrue(
        en.contains("<h1>Needle and Syringe Programmes (NSP) for People Who Inject Drugs</h1>"));
    assertFalse(en.contains("An outdated title"));
    List<Delivery> rows = h.deliveries(ENTRY, "website");
    assertEquals(1, rows.size());
    assertEquals(3, rows.get(0).version());
  }

  @Test
  @DisplayName("unpublishing takes the pages and the index offline and records its own delivery")
  void unpublishRemovesPages() throws Exception {
    h.send(GoldenSamples.producerRecord(GoldenSamples.PUBLISHED, h.topic));
    h.send(GoldenSamples.producerRecord(GoldenSamples.UNPUBLISHED, h.topic));

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              List<Delivery> rows = h.deliveries(ENTRY, "website");
              assertEquals(List.of(3L, 4L), rows.stream().map(Delivery::version).toList());
              assertEquals(Delivery.UNPUBLISH, rows.get(1).operation());
              assertEquals(DeliveryStatus.SENT, rows.get(1).status());
            });
    // Version 3 either went out first or was superseded before its first attempt.
    DeliveryStatus first = h.deliveries(ENTRY, "website").get(0).status();
    assertTrue(first == DeliveryStatus.SENT || first == DeliveryStatus.SUPERSEDED, first.name());
    assertFalse(Files.exists(site.resolve(PAGE_EN)));
    assertFalse(Files.exists(site.resolve(PAGE_SR)));
    assertFalse(Files.exists(site.resolve("en")), "the index and empty directories go too");
    assertFalse(Files.exists(site.resolve("sitemap.xml")));
    assertEquals(0, h.count("SELECT count(*) FROM publisher.website_page"));
    assertEquals(404, h.get("/site/" + PAGE_EN).statusCode());
  }

  @Test
  @DisplayName("a poison record is counted and skipped, and the consumer goes on")
  void poisonRecordDoesNotStopTheConsumer() throws Exception {
    h.send(
        new ProducerRecord<>(
            h.topic, ENTRY.toString(), "not an event".getBytes(StandardCharsets.UTF_8)));
    h.send(GoldenSamples.producerRecord(GoldenSamples.PUBLISHED, h.topic));

    await().atMost(WAIT).until(() -> Files.isRegularFile(site.resolve(PAGE_EN)));
    assertEquals(1, h.metric("herald_consumer_poison_total", "consumer", "publisher-content"));
    // Ready once the other checks (the command consumer joining its group) are too.
    await().atMost(WAIT).until(() -> h.get("/health/ready").statusCode() == 200);
    JsonObject ready = h.get("/health/ready").bodyAsJsonObject();
    assertEquals(
        "RUNNING",
        ready.getJsonObject("checks").getJsonObject("publisher-content").getString("status"));
  }

  @Test
  @DisplayName(
      "a draft is previewed as its website page over HTTP, with the internal token only, from a"
          + " fresh start, writing nothing")
  void websitePreview() throws Exception {
    h.undeploy();
    h.overrides.put("HERALD_INTERNAL_TOKEN", "preview-token");
    try {
      PublisherVerticle p = h.deploy();
      byte[] draft = GoldenSamples.producerRecord(GoldenSamples.PUBLISHED, h.topic).value();
      HttpResponse<Buffer> page =
          h.http
              .post(p.actualPort(), "127.0.0.1", "/v1/preview/website?locale=en")
              .putHeader(InternalGuard.HEADER, "preview-token")
              .sendBuffer(Buffer.buffer(draft))
              .await(30, java.util.concurrent.TimeUnit.SECONDS);
      assertEquals(200, page.statusCode(), page.bodyAsString());
      assertTrue(page.getHeader("content-type").startsWith("text/html"));
      assertTrue(page.getHeader("content-security-policy").contains("default-src 'none'"));
      assertTrue(page.bodyAsString().contains("<html lang=\"en\">"), page.bodyAsString());
      assertTrue(page.bodyAsString().contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
      assertFalse(Files.exists(site.resolve(PAGE_EN)), "a preview writes no page");

      HttpResponse<Buffer> anyone =
          h.http
              .post(p.actualPort(), "127.0.0.1", "/v1/preview/website?locale=en")
              .sendBuffer(Buffer.buffer(draft))
              .await(30, java.util.concurrent.TimeUnit.SECONDS);
      assertEquals(401, anyone.statusCode());
      HttpResponse<Buffer> bad =
          h.http
              .post(p.actualPort(), "127.0.0.1", "/v1/preview/website?locale=xx")
              .putHeader(InternalGuard.HEADER, "preview-token")
              .sendBuffer(Buffer.buffer(draft))
              .await(30, java.util.concurrent.TimeUnit.SECONDS);
      assertEquals(422, bad.statusCode());
      assertEquals("application/problem+json", bad.getHeader("content-type"));
    } finally {
      h.overrides.remove("HERALD_INTERNAL_TOKEN");
    }
  }

  @Test
  @DisplayName("the published page is served over HTTP, and a missing one is a 404 problem")
  void pageIsServed() throws Exception {
    h.send(GoldenSamples.producerRecord(GoldenSamples.PUBLISHED, h.topic));

    await().atMost(WAIT).until(() -> h.get("/site/" + PAGE_EN).statusCode() == 200);
    HttpResponse<Buffer> page = h.get("/site/en/event/" + SLUG + "/");
    assertEquals(200, page.statusCode());
    assertTrue(page.getHeader("content-type").startsWith("text/html"));
    assertTrue(page.bodyAsString().contains("<html lang=\"en\">"));
    assertTrue(page.bodyAsString().contains("&lt;script&gt;alert(1)&lt;/script&gt;"));

    HttpResponse<Buffer> missing = h.get("/site/en/event/no-such-entry/index.html");
    assertEquals(404, missing.statusCode());
    assertEquals("application/problem+json", missing.getHeader("content-type"));
    JsonObject problem = missing.bodyAsJsonObject();
    assertEquals(404, problem.getInteger("status"));
    // Normalised, the path leaves /site/: an internal path, which wants the token.
    HttpResponse<Buffer> escape = h.get("/site/../../../../etc/passwd");
    assertEquals(401, escape.statusCode());
    assertFalse(escape.bodyAsString().contains("root:"));
  }

  @Test
  @DisplayName("health and the delivery metrics per channel answer once the publisher runs")
  void healthAndMetrics() throws Exception {
    assertEquals(200, h.get("/health/live").statusCode());
    await().atMost(WAIT).until(() -> h.get("/health/ready").statusCode() == 200);
    JsonObject ready = h.get("/health/ready").bodyAsJsonObject();
    JsonObject checks = ready.getJsonObject("checks");
    for (String name : List.of("database", "kafka", "statusRelay")) {
      assertEquals("UP", checks.getJsonObject(name).getString("status"), name);
    }
    for (String name : List.of("publisher-content", "publisher-commands")) {
      assertEquals("RUNNING", checks.getJsonObject(name).getString("status"), name);
    }
    assertEquals(List.of(), ready.getJsonArray("down").getList());

    for (String outcome : List.of("sent", "failed", "timeout", "undeliverable")) {
      assertEquals(
          0,
          h.metric(
              "herald_publisher_delivery_attempts_total",
              "channel",
              "website",
              "outcome",
              outcome));
    }
    assertEquals(0, h.metric("herald_publisher_delivery_dead_total", "channel", "website"));
    assertEquals(0, h.metric("herald_publisher_delivery_backlog", "channel", "website"));
    assertEquals(
        0, h.metric("herald_publisher_delivery_latency_seconds_count", "channel", "website"));
  }

  @Test
  @DisplayName("a failing write is retried from the database until it succeeds")
  void retriableFailureIsRetried() throws Exception {
    // A file where the locale directory belongs makes every write fail until it is removed.
    Files.writeString(site.resolve("en"), "in the way");
    h.send(GoldenSamples.producerRecord(GoldenSamples.PUBLISHED, h.topic));

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              List<Delivery> ds = h.deliveries(ENTRY, "website");
              assertEquals(1, ds.size());
              Delivery d = ds.get(0);
              assertTrue(d.attempts() >= 1);
              assertNotNull(d.lastError());
              assertTrue(d.lastError().contains("en/event"), d.lastError());
            });
    Files.delete(site.resolve("en"));
    // The delivery may have used up its 3 attempts meanwhile: an editor's retry brings it back.
    h.db
        .query(
            "UPDATE publisher.delivery SET status = 'retry_scheduled', next_attempt_at = now(),"
                + " retry_base = attempts WHERE status = 'dead'")
        .execute()
        .await(30, TimeUnit.SECONDS);

    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertEquals(DeliveryStatus.SENT, h.deliveries(ENTRY, "website").get(0).status()));
    Delivery sent = h.deliveries(ENTRY, "website").get(0);
    assertTrue(sent.attempts() >= 2, "attempts: " + sent.attempts());
    assertNull(sent.lastError());
    assertTrue(Files.isRegularFile(site.resolve(PAGE_EN)));
    assertTrue(
        h.metric(
                "herald_publisher_delivery_attempts_total",
                "channel",
                "website",
                "outcome",
                "failed")
            >= 1);
  }

  @Test
  @DisplayName(
      "a failure no retry seems to fix holds the consumer and fails readiness, and it resumes once"
          + " fixed")
  void brokenDeploymentFailsReadinessUntilFixed() throws Exception {
    // A missing table is a broken deployment: the event waits (nothing is skipped) and readiness
    // names the consumer and why, until an operator puts the table back.
    h.db
        .query("ALTER TABLE publisher.delivery RENAME TO delivery_moved")
        .execute()
        .await(30, TimeUnit.SECONDS);
    try {
      h.send(GoldenSamples.producerRecord(GoldenSamples.PUBLISHED, h.topic));

      await()
          .atMost(WAIT)
          .until(
              () ->
                  "RETRYING"
                      .equals(
                          h.get("/health/ready")
                              .bodyAsJsonObject()
                              .getJsonObject("checks")
                              .getJsonObject("publisher-content")
                              .getString("status")));
      HttpResponse<Buffer> ready = h.get("/health/ready");
      assertEquals(503, ready.statusCode());
      JsonObject body = ready.bodyAsJsonObject();
      assertEquals("DOWN", body.getString("status"));
      assertTrue(body.getJsonArray("down").contains("publisher-content"), body.encode());
      String why =
          body.getJsonObject("checks").getJsonObject("publisher-content").getString("detail");
      assertTrue(why.contains("delivery"), why);
      assertFalse(Files.exists(site.resolve(PAGE_EN)), "nothing was published");
    } finally {
      h.db
          .query("ALTER TABLE publisher.delivery_moved RENAME TO delivery")
          .execute()
          .await(30, TimeUnit.SECONDS);
    }
    await().atMost(WAIT).until(() -> Files.isRegularFile(site.resolve(PAGE_EN)));
    await().atMost(WAIT).until(() -> h.get("/health/ready").statusCode() == 200);
  }
}
