package herald.api.webhooks;

import static herald.api.sync.PartnerHarness.ADMIN_KEY;
import static herald.api.sync.PartnerHarness.json;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookVerificationException;
import herald.api.partners.PartnerModule;
import herald.api.sync.PartnerHarness;
import herald.embedded.TestInfrastructure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
import org.junit.jupiter.api.TestInstance;

/** Signed webhooks end to end: registration, SSRF checks, signatures, retries, the log. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebhookIT {
  /** The test's DNS: names to addresses; anything else goes to the JDK (literals, localhost). */
  static final Map<String, String> DNS =
      new ConcurrentHashMap<>(Map.of("receiver.test", "127.0.0.1"));

  /** Names whose resolution waits (in the dispatcher, before it sends) until their latch opens. */
  static final Map<String, CountDownLatch> HOLD = new ConcurrentHashMap<>();

  /** Names a held resolution is waiting for. */
  static final Set<String> HELD = ConcurrentHashMap.newKeySet();

  static InetAddress[] resolve(String host) throws UnknownHostException {
    CountDownLatch hold = HOLD.get(host);
    if (hold != null) {
      HELD.add(host);
      try {
        if (!hold.await(30, TimeUnit.SECONDS)) {
          throw new UnknownHostException(host + " was held too long");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new UnknownHostException(host + ": interrupted");
      }
    }
    String ip = DNS.get(host);
    return ip == null
        ? InetAddress.getAllByName(host)
        : new InetAddress[] {InetAddress.getByName(ip)};
  }

  static final AtomicInteger TYPES = new AtomicInteger();
  PartnerHarness h;
  Receiver receiver;

  @BeforeAll
  void start() {
    h =
        new PartnerHarness(
                Map.of(
                    "HERALD_WEBHOOK_ALLOW", "receiver.test,held.test",
                    "HERALD_WEBHOOK_PORTS", "80,443,1024-65535",
                    "HERALD_WEBHOOK_RETRY_SCHEDULE", "0s,300ms,600ms,1s,1s,2s,2s,3s",
                    "HERALD_WEBHOOK_TIMEOUT_MS", "1000",
                    "HERALD_WEBHOOK_POLL_MS", "100"))
            .start(
                a ->
                    new PartnerModule(
                        a.vertx(),
                        a.pool(),
                        a.config().kafka().bootstrapServers(),
                        a.config().kafka().contentTopic(),
                        a.config().content(),
                        a.partners(),
                        a.keys(),
                        a.tokenSecret(),
                        a.registry(),
                        WebhookIT::resolve));
    receiver = new Receiver(h.vertx).start(0);
  }

  @AfterAll
  void stop() {
    receiver.close();
    h.close();
  }

  /** A content type of the test's own, so that endpoints filtered to it see only its events. */
  String newType() {
    String id = "wh" + TYPES.incrementAndGet();
    HttpResponse<String> r =
        h.api(
            "POST",
            "/v1/manage/types",
            ADMIN_KEY,
            "{\"id\":\""
                + id
                + "\",\"name\":\"T\",\"fields\":[{\"id\":\"title\",\"type\":\"text\",\"required\":true,\"localized\":true}]}");
    assertEquals(201, r.statusCode(), r.body());
    return id;
  }

  JsonObject register(String url, String type, JsonObject extra) {
    JsonObject body = new JsonObject().put("url", url).put("types", new JsonArray().add(type));
    if (extra != null) {
      body.mergeIn(extra);
    }
    HttpResponse<String> r = h.partner("POST", "/v1/manage/webhooks", ADMIN_KEY, body);
    assertEquals(201, r.statusCode(), r.body());
    return json(r);
  }

  String url(String path) {
    return "http://receiver.test:" + receiver.port() + path;
  }

  String publishNew(String type, String title) {
    return h.publishNew(type, new JsonObject().put("title", new JsonObject().put("en", title)));
  }

  JsonArray deliveries(String endpoint) {
    HttpResponse<String> r =
        h.partner("GET", "/v1/manage/webhooks/" + endpoint + "/deliveries", ADMIN_KEY, null);
    assertEquals(200, r.statusCode(), r.body());
    return json(r).getJsonArray("items");
  }

  /** Waits until the endpoint's first delivery exists and has the status. */
  void awaitFirstDelivery(JsonObject endpoint, String status, int seconds) {
    // NOTE: on a loaded machine the list can still be empty at the first look.
    await()
        .atMost(Duration.ofSeconds(seconds))
        .until(
            () -> {
              JsonArray d = deliveries(endpoint.getString("id"));
              return !d.isEmpty() && d.getJsonObject(0).getString("status").equals(status);
            });
  }

  static void verify(String secret, Receiver.Received r) throws WebhookVerificationException {
    new Webhook(secret).verify(r.body(), r.headers());
  }

  @Test
  @DisplayName(
      "a published and an unpublished entry reach the endpoint, signed per Standard Webhooks")
  void deliversSignedEvents() throws Exception {
    String type = newType();
    JsonObject ep = register(url("/ok"), type, null);
    String secret = ep.getString("secret");
    assertTrue(secret.startsWith("whsec_"));
    assertFalse(
        json(h.partner("GET", "/v1/manage/webhooks/" + ep.getString("id"), ADMIN_KEY, null))
            .containsKey("secret"),
        "the secret is shown once");
    String id = publishNew(type, "Hello Niš");
    await().atMost(Duration.ofSeconds(20)).until(() -> receiver.at("/ok").size() == 1);
    Receiver.Received got = receiver.at("/ok").get(0);
    verify(secret, got);
    assertEquals("receiver.test:" + receiver.port(), got.header("host"));
    assertTrue(got.header("webhook-id").startsWith("msg_"));
    JsonObject payload = new JsonObject(got.body());
    assertEquals("entry.published", payload.getString("type"));
    assertEquals(id, payload.getJsonObject("data").getString("id"));
    assertEquals(
        "Hello Niš",
        payload
            .getJsonObject("data")
            .getJsonObject("fields")
            .getJsonObject("title")
            .getString("en"));
    assertThrows(
        WebhookVerificationException.class,
        () -> verify("whsec_" + java.util.Base64.getEncoder().encodeToString(new byte[32]), got));

    assertEquals(
        200,
        h.api("POST", "/v1/manage/entries/" + id + "/unpublish", ADMIN_KEY, null).statusCode());
    await().atMost(Duration.ofSeconds(20)).until(() -> receiver.at("/ok").size() == 2);
    Receiver.Received second = receiver.at("/ok").get(1);
    verify(secret, second);
    assertEquals("entry.unpublished", new JsonObject(second.body()).getString("type"));

    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                deliveries(ep.getString("id")).stream()
                    .allMatch(d -> "succeeded".equals(((JsonObject) d).getString("status"))));
    JsonObject d = deliveries(ep.getString("id")).getJsonObject(1);
    assertEquals(1, d.getInteger("attempts"));
    assertEquals(204, d.getJsonArray("history").getJsonObject(0).getInteger("status"));
    assertEquals(got.header("webhook-id"), d.getString("messageId"));
  }

  @Test
  @DisplayName("an endpoint gets only the events, types and locales it asked for")
  void filters() {
    String type = newType();
    JsonObject all = register(url("/all-" + type), type, null);
    register(
        url("/unpub-" + type),
        type,
        new JsonObject().put("events", new JsonArray().add("entry.unpublished")));
    register(url("/de-" + type), type, new JsonObject().put("locales", new JsonArray().add("de")));
    register(url("/other-" + type), "no-such-type", null);
    publishNew(type, "Filtered");
    await().atMost(Duration.ofSeconds(20)).until(() -> receiver.at("/all-" + type).size() == 1);
    awaitFirstDelivery(all, "succeeded", 5);
    assertEquals(0, receiver.at("/unpub-" + type).size());
    assertEquals(0, receiver.at("/de-" + type).size());
    assertEquals(0, receiver.at("/other-" + type).size());
  }

  @Test
  @DisplayName("500 and a hanging receiver are retried on the schedule; 429 waits for Retry-After")
  void retries() {
    String type = newType();
    receiver.script("/flaky", "500", "500");
    receiver.script("/limited", "429 2");
    receiver.script("/hang", "hang");
    JsonObject flaky = register(url("/flaky"), type, null);
    register(url("/limited"), type, null);
    JsonObject hang = register(url("/hang"), type, null);
    publishNew(type, "Retry me");
    await().atMost(Duration.ofSeconds(30)).until(() -> receiver.at("/flaky").size() == 3);
    List<Receiver.Received> f = receiver.at("/flaky");
    assertEquals(1, new HashSet<>(f.stream().map(r -> r.header("webhook-id")).toList()).size());
    assertTrue(f.get(1).atMillis() - f.get(0).atMillis() >= 230, "first retry after ~300 ms");
    assertTrue(f.get(2).atMillis() - f.get(1).atMillis() >= 470, "second retry after ~600 ms");
    awaitFirstDelivery(flaky, "succeeded", 10);
    JsonArray history = deliveries(flaky.getString("id")).getJsonObject(0).getJsonArray("history");
    assertEquals(
        List.of(500, 500, 204),
        history.stream().map(o -> ((JsonObject) o).getInteger("status")).toList());

    await().atMost(Duration.ofSeconds(30)).until(() -> receiver.at("/limited").size() == 2);
    List<Receiver.Received> l = receiver.at("/limited");
    assertTrue(l.get(1).atMillis() - l.get(0).atMillis() >= 1900, "Retry-After: 2 is honoured");

    await().atMost(Duration.ofSeconds(30)).until(() -> receiver.at("/hang").size() == 2);
    awaitFirstDelivery(hang, "succeeded", 10);
    JsonObject first =
        deliveries(hang.getString("id")).getJsonObject(0).getJsonArray("history").getJsonObject(0);
    assertNull(first.getInteger("status"));
    assertTrue(first.getInteger("durationMs") >= 900, first.encode());
  }

  @Test
  @DisplayName(
      "an endless answer is cut after a bounded read, a trickling one after the attempt's time;"
          + " never two attempts at once")
  void boundedAnswers() {
    String type = newType();
    receiver.script("/endless", "endless");
    receiver.script("/trickle", "trickle", "trickle", "trickle");
    JsonObject endless = register(url("/endless"), type, null);
    JsonObject trickle = register(url("/trickle"), type, null);
    publishNew(type, "Stream at me");
    // 200 and then bytes without end: the status is the answer, the rest is cut off.
    awaitFirstDelivery(endless, "succeeded", 20);
    JsonObject first =
        deliveries(endless.getString("id"))
            .getJsonObject(0)
            .getJsonArray("history")
            .getJsonObject(0);
    assertEquals(200, first.getInteger("status"), first.encode());
    await().atMost(Duration.ofSeconds(10)).until(() -> receiver.open.get("/endless").get() == 0);
    long written = receiver.streamed.get("/endless").get();
    assertTrue(written < 32L * 1024 * 1024, "the receiver could write only " + written + " bytes");
    // A body that trickles keeps every read alive: the attempt's own time ends it, and the next
    // attempt starts only after.
    await().atMost(Duration.ofSeconds(30)).until(() -> receiver.at("/trickle").size() >= 3);
    awaitFirstDelivery(trickle, "succeeded", 20);
    JsonArray history =
        deliveries(trickle.getString("id")).getJsonObject(0).getJsonArray("history");
    JsonObject cut = history.getJsonObject(0);
    assertNull(cut.getInteger("status"), cut.encode());
    assertTrue(cut.getString("error").contains("no complete answer within 1000 ms"), cut.encode());
    assertEquals(1, receiver.mostOpen.get("/trickle").get(), "one attempt at a time");
    assertEquals(204, history.getJsonObject(history.size() - 1).getInteger("status"));
  }

  @Test
  @DisplayName("a redirect is not followed, and a delivery fails once the schedule runs out")
  void redirectsAndGivingUp() {
    String type = newType();
    receiver.script("/moved", "302");
    receiver.script("/broken", "500", "500", "500", "500", "500", "500", "500", "500", "500");
    JsonObject moved = register(url("/moved"), type, null);
    JsonObject broken = register(url("/broken"), type, null);
    publishNew(type, "Give up");
    awaitFirstDelivery(moved, "succeeded", 20);
    assertEquals(
        "redirect not followed",
        deliveries(moved.getString("id"))
            .getJsonObject(0)
            .getJsonArray("history")
            .getJsonObject(0)
            .getString("error"));
    awaitFirstDelivery(broken, "failed", 40);
    assertEquals(8, receiver.at("/broken").size(), "one attempt per step of the schedule");
    assertEquals(8, deliveries(broken.getString("id")).getJsonObject(0).getInteger("attempts"));

    // Sent again by hand, the delivery gets the whole schedule again (the 9th 500 is retried) and
    // the log keeps the earlier attempts beside the new ones.
    String id = broken.getString("id");
    String delivery = deliveries(id).getJsonObject(0).getString("id");
    assertEquals(202, askRedelivery(id, delivery).statusCode());
    awaitFirstDelivery(broken, "succeeded", 20);
    assertEquals(10, receiver.at("/broken").size());
    JsonObject d = deliveries(id).getJsonObject(0);
    assertEquals(10, d.getInteger("attempts"));
    JsonArray history = d.getJsonArray("history");
    assertEquals(
        List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
        history.stream().map(o -> ((JsonObject) o).getInteger("attempt")).toList());
    assertEquals(
        List.of(500, 500, 500, 500, 500, 500, 500, 500, 500, 204),
        history.stream().map(o -> ((JsonObject) o).getInteger("status")).toList());
  }

  HttpResponse<String> askRedelivery(String endpoint, String delivery) {
    return h.partner(
        "POST",
        "/v1/manage/webhooks/" + endpoint + "/deliveries/" + delivery + "/redeliver",
        ADMIN_KEY,
        null);
  }

  @Test
  @DisplayName("410 Gone disables the endpoint; enabling it again resumes deliveries")
  void gone() {
    String type = newType();
    receiver.script("/gone", "410");
    JsonObject ep = register(url("/gone"), type, null);
    String id = ep.getString("id");
    publishNew(type, "Gone");
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                !json(h.partner("GET", "/v1/manage/webhooks/" + id, ADMIN_KEY, null))
                    .getBoolean("enabled"));
    JsonObject got = json(h.partner("GET", "/v1/manage/webhooks/" + id, ADMIN_KEY, null));
    assertTrue(got.getString("disabledReason").contains("410"));
    assertEquals("failed", deliveries(id).getJsonObject(0).getString("status"));
    String notSent = publishNew(type, "Not sent");
    // Deliveries are queued in the transaction that logs the event: once it is logged, any
    // delivery for it would exist.
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> h.count("select count(*) from sync_log where entry_id = '" + notSent + "'") == 1);
    assertEquals(1, receiver.at("/gone").size());
    assertEquals(1, deliveries(id).size());

    assertEquals(
        200,
        h.partner("POST", "/v1/manage/webhooks/" + id + "/enable", ADMIN_KEY, null).statusCode());
    publishNew(type, "Back");
    await().atMost(Duration.ofSeconds(20)).until(() -> receiver.at("/gone").size() == 2);
  }

  @Test
  @DisplayName("a receiver that is down for a while gets every event once it is back")
  void downReceiver() {
    String type = newType();
    Receiver down = new Receiver(h.vertx).start(0);
    int port = down.port();
    down.stop();
    JsonObject ep = register("http://receiver.test:" + port + "/later", type, null);
    Set<String> entries = new HashSet<>();
    for (int i = 0; i < 3; i++) {
      entries.add(publishNew(type, "While down " + i));
    }
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                deliveries(ep.getString("id")).size() == 3
                    && deliveries(ep.getString("id")).stream()
                        .allMatch(d -> ((JsonObject) d).getInteger("attempts") >= 2));
    try (Receiver back = new Receiver(h.vertx).start(port)) {
      await().atMost(Duration.ofSeconds(30)).until(() -> back.at("/later").size() >= 3);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  deliveries(ep.getString("id")).stream()
                      .allMatch(d -> "succeeded".equals(((JsonObject) d).getString("status"))));
      List<Receiver.Received> got = back.at("/later");
      assertEquals(3, got.size(), "each event once");
      Set<String> ids = new HashSet<>();
      for (Receiver.Received r : got) {
        ids.add(new JsonObject(r.body()).getJsonObject("data").getString("id"));
      }
      assertEquals(entries, ids);
    }
  }

  @Test
  @DisplayName("a rotated secret signs beside the old one during the overlap, alone after it")
  void rotation() throws Exception {
    String type = newType();
    JsonObject ep = register(url("/rotate"), type, null);
    String id = ep.getString("id");
    String old = ep.getString("secret");
    HttpResponse<String> r =
        h.partner(
            "POST",
            "/v1/manage/webhooks/" + id + "/rotate-secret",
            ADMIN_KEY,
            new JsonObject().put("overlapSeconds", 3600));
    assertEquals(200, r.statusCode(), r.body());
    String fresh = json(r).getString("secret");
    assertFalse(fresh.equals(old));
    publishNew(type, "Rotated");
    await().atMost(Duration.ofSeconds(20)).until(() -> receiver.at("/rotate").size() == 1);
    Receiver.Received got = receiver.at("/rotate").get(0);
    assertEquals(2, got.header("webhook-signature").split(" ").length);
    verify(fresh, got);
    verify(old, got);

    r =
        h.partner(
            "POST",
            "/v1/manage/webhooks/" + id + "/rotate-secret",
            ADMIN_KEY,
            new JsonObject().put("overlapSeconds", 0));
    String newest = json(r).getString("secret");
    publishNew(type, "Rotated again");
    await().atMost(Duration.ofSeconds(20)).until(() -> receiver.at("/rotate").size() == 2);
    Receiver.Received after = receiver.at("/rotate").get(1);
    assertEquals(1, after.header("webhook-signature").split(" ").length);
    verify(newest, after);
    assertThrows(WebhookVerificationException.class, () -> verify(fresh, after));
  }

  @Test
  @DisplayName("a delivery can be sent again by hand, with the same message id")
  void redeliver() {
    String type = newType();
    JsonObject ep = register(url("/again"), type, null);
    String id = ep.getString("id");
    publishNew(type, "Again");
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                deliveries(id).size() == 1
                    && deliveries(id).getJsonObject(0).getString("status").equals("succeeded"));
    String delivery = deliveries(id).getJsonObject(0).getString("id");
    HttpResponse<String> r =
        h.partner(
            "POST",
            "/v1/manage/webhooks/" + id + "/deliveries/" + delivery + "/redeliver",
            ADMIN_KEY,
            null);
    assertEquals(202, r.statusCode(), r.body());
    await().atMost(Duration.ofSeconds(20)).until(() -> receiver.at("/again").size() == 2);
    assertEquals(
        receiver.at("/again").get(0).header("webhook-id"),
        receiver.at("/again").get(1).header("webhook-id"));
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> deliveries(id).getJsonObject(0).getJsonArray("history").size() == 2);
    JsonObject again = deliveries(id).getJsonObject(0);
    assertEquals("succeeded", again.getString("status"));
    assertEquals(2, again.getInteger("attempts"));
    assertEquals(
        List.of(1, 2),
        again.getJsonArray("history").stream()
            .map(o -> ((JsonObject) o).getInteger("attempt"))
            .toList());
    assertEquals(
        404,
        h.partner(
                "POST",
                "/v1/manage/webhooks/"
                    + id
                    + "/deliveries/"
                    + java.util.UUID.randomUUID()
                    + "/redeliver",
                ADMIN_KEY,
                null)
            .statusCode());
  }

  @Test
  @DisplayName("a delivery whose attempt is being sent is not sent again beside it (409)")
  void redeliverInFlight() {
    String type = newType();
    DNS.put("held.test", "127.0.0.1");
    String id =
        register("http://held.test:" + receiver.port() + "/held", type, null).getString("id");
    CountDownLatch release = new CountDownLatch(1);
    HOLD.put("held.test", release);
    try {
      publishNew(type, "In flight");
      // The dispatcher has claimed the delivery and waits for the name before it sends.
      await().atMost(Duration.ofSeconds(20)).until(() -> HELD.contains("held.test"));
      JsonObject d = deliveries(id).getJsonObject(0);
      assertEquals("pending", d.getString("status"));
      assertEquals(1, d.getInteger("attempts"));
      HttpResponse<String> r = askRedelivery(id, d.getString("id"));
      assertEquals(409, r.statusCode(), r.body());
      assertEquals(409, json(r).getInteger("status"), r.body());
      assertTrue(
          PartnerHarness.header(r, "Content-Type")
              .orElse("")
              .startsWith("application/problem+json"),
          r.headers().toString());
    } finally {
      HOLD.remove("held.test");
      release.countDown();
    }
    awaitFirstDelivery(new JsonObject().put("id", id), "succeeded", 20);
    assertEquals(1, receiver.at("/held").size(), "sent once");
    assertEquals(1, deliveries(id).getJsonObject(0).getJsonArray("history").size());
  }

  /** Every refused form, as a URL host (the port is allowed). */
  static final List<String> REFUSED =
      List.of(
          "127.0.0.1",
          "127.9.9.9",
          "localhost",
          "[::1]",
          "0.0.0.0",
          "[::]",
          "10.0.0.1",
          "172.16.5.4",
          "192.168.1.1",
          "[fd12:3456::1]",
          "169.254.10.10",
          "[fe80::1]",
          "100.64.0.1",
          "224.0.0.1",
          "[ff02::1]",
          "255.255.255.255",
          "169.254.169.254",
          "[fd00:ec2::254]",
          "[::ffff:127.0.0.1]",
          "[::ffff:a00:1]",
          "[::127.0.0.1]",
          "[64:ff9b::a9fe:a9fe]",
          "[2002:a9fe:a9fe::]");

  @Test
  @DisplayName(
      "registration refuses every non-public address form, other schemes and ports, and stores nothing")
  void ssrfAtRegistration() {
    long before = h.count("select count(*) from webhook_endpoints");
    List<String> urls = new ArrayList<>();
    for (String host : REFUSED) {
      urls.add("http://" + host + ":8080/hook");
    }
    urls.addAll(
        List.of(
            "ftp://receiver.test/x",
            "http://receiver.test:22/",
            "http://u:p@receiver.test:8080/",
            "file:///etc/passwd"));
    for (String u : urls) {
      HttpResponse<String> r =
          h.partner("POST", "/v1/manage/webhooks", ADMIN_KEY, new JsonObject().put("url", u));
      assertEquals(422, r.statusCode(), u + " → " + r.body());
      assertEquals(
          "url", json(r).getJsonArray("errors").getJsonObject(0).getString("field"), r.body());
    }
    assertEquals(before, h.count("select count(*) from webhook_endpoints"));
  }

  @Test
  @DisplayName(
      "each delivery checks the address again: a name that now resolves to a refused address gets nothing")
  void ssrfAtDelivery() {
    String type = newType();
    List<String> endpoints = new ArrayList<>();
    for (int i = 0; i < REFUSED.size(); i++) {
      DNS.put("rebind" + i + ".test", "93.184.216.34");
      endpoints.add(register("http://rebind" + i + ".test/hook", type, null).getString("id"));
    }
    for (int i = 0; i < REFUSED.size(); i++) {
      String ip = REFUSED.get(i).replace("[", "").replace("]", "");
      DNS.put("rebind" + i + ".test", ip.equals("localhost") ? "127.0.0.1" : ip);
    }
    publishNew(type, "Rebound");
    for (int i = 0; i < endpoints.size(); i++) {
      String ep = endpoints.get(i);
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  deliveries(ep).size() == 1
                      && deliveries(ep).getJsonObject(0).getJsonArray("history").size() >= 1);
      JsonObject attempt = deliveries(ep).getJsonObject(0).getJsonArray("history").getJsonObject(0);
      assertTrue(
          attempt.getString("error").startsWith("refused: rebind" + i + ".test resolves to"),
          REFUSED.get(i) + ": " + attempt.encode());
      assertNull(attempt.getInteger("status"));
    }
  }

  @Test
  @DisplayName("the same event read twice from the topic is delivered once")
  void duplicateEvent() throws Exception {
    String type = newType();
    JsonObject ep = register(url("/dup"), type, null);
    String entry = publishNew(type, "Twice");
    await().atMost(Duration.ofSeconds(20)).until(() -> receiver.at("/dup").size() == 1);
    // Send the record again, as a relay retry after a lost acknowledgement would.
    Properties cp = new Properties();
    cp.put(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
        TestInfrastructure.shared().kafkaBootstrapServers());
    cp.put(ConsumerConfig.GROUP_ID_CONFIG, "dup-" + System.nanoTime());
    cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    ConsumerRecord<String, byte[]> original = null;
    try (KafkaConsumer<String, byte[]> c =
        new KafkaConsumer<>(cp, new StringDeserializer(), new ByteArrayDeserializer())) {
      c.subscribe(List.of(h.topic));
      long deadline = System.currentTimeMillis() + 20_000;
      while (original == null && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
          if (r.key().equals(entry)) {
            original = r;
          }
        }
      }
    }
    assertTrue(original != null);
    Properties pp = new Properties();
    pp.put(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
        TestInfrastructure.shared().kafkaBootstrapServers());
    try (KafkaProducer<String, byte[]> p =
        new KafkaProducer<>(pp, new StringSerializer(), new ByteArraySerializer())) {
      p.send(
              new ProducerRecord<>(
                  h.topic, null, original.key(), original.value(), original.headers()))
          .get();
    }
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> h.count("select count(*) from sync_log where entry_id = '" + entry + "'") == 2);
    String marker = publishNew(type, "After the duplicate");
    await().atMost(Duration.ofSeconds(20)).until(() -> receiver.at("/dup").size() == 2);
    assertEquals(2, deliveries(ep.getString("id")).size());
    assertTrue(receiver.at("/dup").get(1).body().contains(marker));
  }

  @Test
  @DisplayName("only admins manage endpoints; bad bodies are 422 and unknown ids 404")
  void management() {
    String partner = h.key("partner").getString("secret");
    assertEquals(403, h.partner("GET", "/v1/manage/webhooks", partner, null).statusCode());
    assertEquals(401, h.partner("GET", "/v1/manage/webhooks", null, null).statusCode());
    HttpResponse<String> bad =
        h.partner(
            "POST",
            "/v1/manage/webhooks",
            ADMIN_KEY,
            new JsonObject().put("url", url("/x")).put("locales", new JsonArray().add("xx")));
    assertEquals(422, bad.statusCode(), bad.body());
    assertEquals(
        400, h.partner("POST", "/v1/manage/webhooks", ADMIN_KEY, new JsonObject()).statusCode());
    assertEquals(
        400,
        h.partner(
                "POST",
                "/v1/manage/webhooks",
                ADMIN_KEY,
                new JsonObject().put("url", url("/x")).put("events", new JsonArray().add("nope")))
            .statusCode());
    String missing = java.util.UUID.randomUUID().toString();
    assertEquals(
        404, h.partner("GET", "/v1/manage/webhooks/" + missing, ADMIN_KEY, null).statusCode());
    assertEquals(
        404, h.partner("DELETE", "/v1/manage/webhooks/" + missing, ADMIN_KEY, null).statusCode());
    String id = register(url("/del"), newType(), null).getString("id");
    assertTrue(
        json(h.partner("GET", "/v1/manage/webhooks", ADMIN_KEY, null))
            .getJsonArray("items")
            .stream()
            .anyMatch(o -> ((JsonObject) o).getString("id").equals(id)));
    assertEquals(
        204, h.partner("DELETE", "/v1/manage/webhooks/" + id, ADMIN_KEY, null).statusCode());
    assertEquals(404, h.partner("GET", "/v1/manage/webhooks/" + id, ADMIN_KEY, null).statusCode());
  }
}
