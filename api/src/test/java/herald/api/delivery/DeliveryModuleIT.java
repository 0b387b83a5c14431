package herald.api.delivery;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import herald.api.ApiTestDatabase;
import herald.api.auth.ApiKeyRepository;
import herald.api.auth.ApiKeys;
import herald.api.auth.Role;
import herald.api.http.ProblemHandler;
import herald.embedded.PgSettings;
import herald.embedded.TestInfrastructure;
import herald.events.ConsumerLoop;
import herald.events.ContentEventCodec;
import herald.events.DeliveryCommand;
import herald.events.DeliveryEventCodec;
import herald.events.DeliveryStatusEvent;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The delivery module on a real database (the api's migrations) and Kafka: status events as the
 * publisher sends them go in, the routes and the retry command come out.
 */
@DisplayName("The api's delivery status")
class DeliveryModuleIT {

  static final Duration WAIT = Duration.ofSeconds(60);
  static final String ADMIN = "delivery-it-admin";

  static Vertx vertx;
  static Pool pool;
  static DeliveryModule module;
  static HttpServer server;
  static WebClient http;
  static KafkaProducer<String, byte[]> producer;
  static String statusTopic;
  static String commandTopic;
  static String author;
  static String editor;

  @BeforeAll
  static void start() throws Exception {
    PgSettings pg = ApiTestDatabase.migrated();
    vertx = Vertx.vertx();
    pool = ApiTestDatabase.pool(vertx, pg, 4);
    String bootstrap = TestInfrastructure.shared().kafkaBootstrapServers();
    statusTopic = TestInfrastructure.uniqueTopic("delivery-status");
    commandTopic = statusTopic + "-commands";
    ApiKeys keys = new ApiKeys(pool, new ApiKeyRepository(), Optional.of(ADMIN));
    author =
        keys.create(pool, "Ana", Role.AUTHOR, null).await(30, TimeUnit.SECONDS).getString("secret");
    editor =
        keys.create(pool, "Edo", Role.EDITOR, null).await(30, TimeUnit.SECONDS).getString("secret");
    module =
        new DeliveryModule(
            vertx,
            pool,
            bootstrap,
            statusTopic,
            commandTopic,
            statusTopic + "-api",
            keys,
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    module.start().await(2, TimeUnit.MINUTES);
    Router router = Router.router(vertx);
    module.mount(router);
    ProblemHandler problems = new ProblemHandler(65536);
    router.route().failureHandler(problems);
    router.errorHandler(404, problems);
    server = vertx.createHttpServer().requestHandler(router).listen(0).await(30, TimeUnit.SECONDS);
    http = WebClient.create(vertx);
    producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName()));
  }

  @AfterAll
  static void stop() throws Exception {
    producer.close();
    module.stop().await(30, TimeUnit.SECONDS);
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  static DeliveryStatusEvent status(
      UUID delivery, UUID entry, String state, long sequence, int attempts, String error) {
    Instant t = Instant.parse("2026-11-27T10:00:00Z").plusSeconds(sequence);
    List<DeliveryStatusEvent.Attempt> history = new ArrayList<>();
    for (int i = 1; i <= attempts; i++) {
      history.add(
          new DeliveryStatusEvent.Attempt(
              i, t, t, i == attempts && state.equals("sent") ? "sent" : "failed", error));
    }
    return new DeliveryStatusEvent(
        delivery,
        entry,
        3,
        "social",
        "mastodon-main",
        "publish",
        state,
        sequence,
        attempts,
        error,
        state.equals("retry_scheduled") ? t.plusSeconds(30) : null,
        Instant.parse("2026-11-27T09:59:59Z"),
        Instant.parse("2026-11-27T10:00:00Z"),
        t,
        state.equals("sent") ? t : null,
        history);
  }

  static void send(DeliveryStatusEvent e) throws Exception {
    producer.send(DeliveryEventCodec.toRecord(statusTopic, e)).get(30, TimeUnit.SECONDS);
  }

  static HttpResponse<Buffer> call(String method, String path, String key) throws Exception {
    var req =
        http.request(
            io.vertx.core.http.HttpMethod.valueOf(method), server.actualPort(), "127.0.0.1", path);
    if (key != null) {
      req.putHeader("Authorization", "Bearer " + key);
    }
    return req.send().await(30, TimeUnit.SECONDS);
  }

  static JsonArray deliveriesOf(UUID entry) throws Exception {
    HttpResponse<Buffer> r = call("GET", "/v1/manage/entries/" + entry + "/deliveries", author);
    assertEquals(200, r.statusCode(), r.bodyAsString());
    return r.bodyAsJsonObject().getJsonArray("deliveries");
  }

  @Test
  @DisplayName(
      "status events fill the entry's deliveries; an older or repeated one changes nothing")
  void statusEventsAreUpsertedBySequence() throws Exception {
    UUID entry = UUID.randomUUID();
    UUID delivery = UUID.randomUUID();
    send(status(delivery, entry, "pending", 1, 0, null));
    send(status(delivery, entry, "retry_scheduled", 3, 1, "the target answered 500"));
    send(status(delivery, entry, "sending", 2, 1, null));
    send(status(delivery, entry, "retry_scheduled", 3, 1, "the target answered 500"));

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              JsonArray ds = deliveriesOf(entry);
              assertEquals(1, ds.size());
              assertEquals("retry_scheduled", ds.getJsonObject(0).getString("state"));
            });
    // The stale "sending" (sequence 2) came after sequence 3 and was ignored; wait for the last.
    await()
        .atMost(WAIT)
        .until(
            () ->
                pool.query("select count(*) from deliveries")
                        .execute()
                        .await(30, TimeUnit.SECONDS)
                        .iterator()
                        .next()
                        .getLong(0)
                    >= 1);
    JsonObject d = deliveriesOf(entry).getJsonObject(0);
    assertEquals(delivery.toString(), d.getString("id"));
    assertEquals(entry.toString(), d.getString("entryId"));
    assertEquals(3, d.getLong("version"));
    assertEquals("social", d.getString("channel"));
    assertEquals("mastodon-main", d.getString("target"));
    assertEquals(1, d.getInteger("attempts"));
    assertEquals("the target answered 500", d.getString("lastError"));
    assertEquals("2026-11-27T10:00:33Z", d.getString("nextAttemptAt"));
    assertEquals(1, d.getJsonArray("history").size());
    assertEquals("failed", d.getJsonArray("history").getJsonObject(0).getString("outcome"));

    send(status(delivery, entry, "sent", 5, 2, null));
    await()
        .atMost(WAIT)
        .until(() -> deliveriesOf(entry).getJsonObject(0).getString("state").equals("sent"));
    assertEquals(2, deliveriesOf(entry).getJsonObject(0).getJsonArray("history").size());
  }

  @Test
  @DisplayName("the deliveries need an author's key, and a retry an editor's")
  void rolesAreChecked() throws Exception {
    UUID entry = UUID.randomUUID();
    HttpResponse<Buffer> anonymous =
        call("GET", "/v1/manage/entries/" + entry + "/deliveries", null);
    assertEquals(401, anonymous.statusCode());
    assertEquals("application/problem+json", anonymous.getHeader("Content-Type"));
    HttpResponse<Buffer> byAuthor =
        call("POST", "/v1/manage/deliveries/" + UUID.randomUUID() + "/retry", author);
    assertEquals(403, byAuthor.statusCode());
    assertEquals(0, deliveriesOf(entry).size());
    HttpResponse<Buffer> unknown =
        call("POST", "/v1/manage/deliveries/" + UUID.randomUUID() + "/retry", editor);
    assertEquals(404, unknown.statusCode());
    assertEquals(404, unknown.bodyAsJsonObject().getInteger("status"));
  }

  @Test
  @DisplayName("retrying a dead delivery sends a retry command to the publisher; a sent one is 409")
  void retrySendsACommand() throws Exception {
    UUID entry = UUID.randomUUID();
    UUID dead = UUID.randomUUID();
    UUID sent = UUID.randomUUID();
    send(status(dead, entry, "dead", 4, 1, "the target answered 410"));
    send(status(sent, entry, "sent", 3, 1, null));
    await().atMost(WAIT).until(() -> deliveriesOf(entry).size() == 2);

    HttpResponse<Buffer> conflict =
        call("POST", "/v1/manage/deliveries/" + sent + "/retry", editor);
    assertEquals(409, conflict.statusCode());
    assertEquals("application/problem+json", conflict.getHeader("Content-Type"));

    try (KafkaConsumer<String, byte[]> commands = commandConsumer()) {
      HttpResponse<Buffer> accepted =
          call("POST", "/v1/manage/deliveries/" + dead + "/retry", editor);
      assertEquals(202, accepted.statusCode(), accepted.bodyAsString());
      JsonObject body = accepted.bodyAsJsonObject();
      assertEquals("dead", body.getString("state"));
      assertNotNull(body.getJsonObject("retry").getString("commandId"));

      List<ConsumerRecord<String, byte[]>> got = new ArrayList<>();
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (got.isEmpty() && System.nanoTime() < deadline) {
        commands.poll(Duration.ofMillis(200)).forEach(got::add);
      }
      assertEquals(1, got.size());
      ConsumerRecord<String, byte[]> r = got.get(0);
      assertEquals(entry.toString(), r.key());
      assertEquals(
          DeliveryCommand.RETRY, ContentEventCodec.header(r.headers(), ContentEventCodec.H_TYPE));
      DeliveryCommand c = DeliveryEventCodec.commandFromRecord(r);
      assertEquals(dead, c.deliveryId());
      assertEquals("Edo", c.requestedBy());
      assertEquals(body.getJsonObject("retry").getString("commandId"), c.commandId().toString());
    }
    assertNotNull(
        deliveriesOf(entry).stream()
            .map(o -> (JsonObject) o)
            .filter(o -> o.getString("id").equals(dead.toString()))
            .findFirst()
            .orElseThrow()
            .getString("retryRequestedAt"));
  }

  @Test
  @DisplayName("a poison record on the status topic is skipped and later events still apply")
  void poisonIsSkipped() throws Exception {
    UUID entry = UUID.randomUUID();
    producer
        .send(new ProducerRecord<>(statusTopic, entry.toString(), "nonsense".getBytes()))
        .get(30, TimeUnit.SECONDS);
    send(status(UUID.randomUUID(), entry, "sent", 3, 1, null));
    await().atMost(WAIT).until(() -> deliveriesOf(entry).size() == 1);
    assertEquals(ConsumerLoop.State.RUNNING, module.statusConsumer().status().state());
  }

  static KafkaConsumer<String, byte[]> commandConsumer() {
    Properties p = new Properties();
    p.put(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
        TestInfrastructure.shared().kafkaBootstrapServers());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    KafkaConsumer<String, byte[]> c =
        new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    c.subscribe(List.of(commandTopic));
    return c;
  }
}
