package herald.publisher.delivery;

import static herald.publisher.PublisherHarness.WAIT;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import herald.events.DeliveryCommand;
import herald.events.DeliveryEventCodec;
import herald.events.GoldenSamples;
import herald.publisher.PublisherHarness;
import herald.publisher.delivery.TargetServer.Behaviour;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deliveries to a failing target: a local HTTP server that answers as each test scripts it, reached
 * through a channel that maps HTTP answers the way the real adapters do. The publisher runs with 3
 * attempts, a 200 ms first backoff and a 2 s attempt timeout.
 */
@DisplayName("A delivery to a failing target")
class DeliveryFailureIT {

  static PublisherHarness h;
  static TargetServer target;

  @TempDir Path dataDir;

  @BeforeAll
  static void start() throws Exception {
    h = new PublisherHarness();
    target = new TargetServer();
    h.extraChannels = pool -> List.of(new HttpTestChannel(target.url()));
  }

  @AfterAll
  static void close() throws Exception {
    target.close();
    h.close();
  }

  @BeforeEach
  void deploy() throws Exception {
    h.fresh(dataDir);
    h.overrides.clear();
    target.reset();
  }

  @AfterEach
  void undeploy() throws Exception {
    h.undeploy();
  }

  /** A golden event variant for a new entry that goes to the test channel only. */
  static ProducerRecord<String, byte[]> publish(PublisherHarness h, UUID entry, long version) {
    return GoldenSamples.producerRecord(
        GoldenSamples.PUBLISHED,
        h.topic,
        v -> {
          v.put("entryId", entry.toString());
          v.put("version", version);
          v.putArray("channels").add(HttpTestChannel.NAME);
        });
  }

  /** The state of the entry's one delivery; null until there is exactly one. */
  DeliveryStatus state(UUID entry) throws Exception {
    List<Delivery> ds = h.deliveries(entry);
    return ds.size() == 1 ? ds.get(0).status() : null;
  }

  Delivery only(UUID entry) throws Exception {
    List<Delivery> ds = h.deliveries(entry);
    assertEquals(1, ds.size(), ds.toString());
    return ds.get(0);
  }

  @Test
  @DisplayName("a 500 is retried on the backoff schedule, then dead with the reason")
  void serverErrorIsRetriedThenDead() throws Exception {
    target.script(n -> Behaviour.status(500));
    h.deploy();
    UUID entry = UUID.randomUUID();
    h.send(publish(h, entry, 1));

    await().atMost(WAIT).until(() -> state(entry) == DeliveryStatus.DEAD);
    Delivery d = only(entry);
    assertEquals(3, d.attempts());
    assertTrue(d.lastError().startsWith("gave up after 3 attempts"), d.lastError());
    assertTrue(d.lastError().contains("500"), d.lastError());
    List<Attempt> attempts = h.attempts(d);
    assertEquals(
        List.of("failed", "failed", "failed"), attempts.stream().map(Attempt::outcome).toList());
    // Equal jitter: the n-th retry waits between half and all of 200 ms × 2^(n-1).
    assertTrue(gap(attempts, 0) >= 90, "first retry after " + gap(attempts, 0) + " ms");
    assertTrue(gap(attempts, 1) >= 190, "second retry after " + gap(attempts, 1) + " ms");
    assertEquals(3, target.requests.size());
    assertEquals(1, h.metric("herald_publisher_delivery_dead_total", "channel", "partner"));
    assertEquals(
        3,
        h.metric(
            "herald_publisher_delivery_attempts_total", "channel", "partner", "outcome", "failed"));
  }

  @Test
  @DisplayName("a 429 with Retry-After is honoured before the next attempt, which succeeds")
  void retryAfterIsHonoured() throws Exception {
    target.script(n -> n == 1 ? Behaviour.retryAfter(429, "2") : Behaviour.ok());
    h.deploy();
    UUID entry = UUID.randomUUID();
    h.send(publish(h, entry, 1));

    await().atMost(WAIT).until(() -> state(entry) == DeliveryStatus.SENT);
    Delivery d = only(entry);
    assertEquals(2, d.attempts());
    List<Attempt> attempts = h.attempts(d);
    assertEquals("failed", attempts.get(0).outcome());
    assertTrue(attempts.get(0).error().contains("429"), attempts.get(0).error());
    assertTrue(gap(attempts, 0) >= 2000, "retried after " + gap(attempts, 0) + " ms");
    assertEquals(2, target.requests.size());
    long between = target.requests.get(1).atMillis() - target.requests.get(0).atMillis();
    assertTrue(between >= 2000, "the target saw the retry after " + between + " ms");
  }

  @Test
  @DisplayName(
      "a 410 makes the delivery dead at once with the reason, and an editor's retry re-runs it")
  void goneIsDeadThenRetriedByCommand() throws Exception {
    target.script(n -> n == 1 ? Behaviour.status(410) : Behaviour.ok());
    h.deploy();
    UUID entry = UUID.randomUUID();
    h.send(publish(h, entry, 1));

    await().atMost(WAIT).until(() -> state(entry) == DeliveryStatus.DEAD);
    Delivery dead = only(entry);
    assertEquals(1, dead.attempts());
    assertTrue(dead.lastError().contains("410"), dead.lastError());
    assertEquals("undeliverable", h.attempts(dead).get(0).outcome());

    h.send(
        DeliveryEventCodec.toRecord(
            h.commandTopic, DeliveryCommand.retry(dead.deliveryId(), entry, "test editor")));

    await().atMost(WAIT).until(() -> state(entry) == DeliveryStatus.SENT);
    Delivery sent = only(entry);
    assertEquals(2, sent.attempts());
    assertEquals(1, sent.retryBase());
    assertEquals(1, target.distinctEffects());
  }

  @Test
  @DisplayName("a target that hangs times out, and the retry has no second effect there")
  void hangTimesOutAndRetries() throws Exception {
    target.script(n -> n == 1 ? Behaviour.applyThenHang() : Behaviour.ok());
    h.deploy();
    UUID entry = UUID.randomUUID();
    h.send(publish(h, entry, 1));

    await().atMost(WAIT).until(() -> state(entry) == DeliveryStatus.SENT);
    Delivery d = only(entry);
    List<Attempt> attempts = h.attempts(d);
    assertEquals(List.of("timeout", "sent"), attempts.stream().map(Attempt::outcome).toList());
    assertEquals(2, target.requests.size());
    assertEquals(target.requests.get(0).idempotencyKey(), target.requests.get(1).idempotencyKey());
    assertEquals(d.deliveryId().toString(), target.requests.get(0).idempotencyKey());
    assertEquals(1, target.distinctEffects());
    assertEquals(1, target.maxEffectsPerKey());
  }

  @Test
  @DisplayName("a newer version supersedes a waiting retry of an older one")
  void newerVersionSupersedes() throws Exception {
    target.script(n -> n == 1 ? Behaviour.retryAfter(503, "60") : Behaviour.ok());
    h.deploy();
    UUID entry = UUID.randomUUID();
    h.send(publish(h, entry, 1));
    await().atMost(WAIT).until(() -> state(entry) == DeliveryStatus.RETRY_SCHEDULED);

    h.send(publish(h, entry, 2));

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              List<Delivery> ds = h.deliveries(entry);
              assertEquals(2, ds.size());
              assertEquals(DeliveryStatus.SUPERSEDED, ds.get(0).status());
              assertEquals("superseded by version 2", ds.get(0).lastError());
              assertEquals(DeliveryStatus.SENT, ds.get(1).status());
            });
    assertEquals(2, target.requests.size());
    // Only the newest version's payload is kept.
    assertEquals(
        1,
        h.count("SELECT count(*) FROM publisher.content_version WHERE entry_id = '" + entry + "'"));
  }

  @Test
  @DisplayName(
      "a publisher stopped mid-delivery leaves nothing half done: a new one on the same database"
          + " ends every delivery sent, with one effect each at the target")
  void stoppedMidDeliveryResumes() throws Exception {
    // The first publisher's attempts reach the target, which answers only after 3 s; the
    // publisher stops without waiting for them (grace 0), as if killed.
    h.overrides.put("HERALD_DELIVERY_TIMEOUT_MS", "4000");
    h.overrides.put("HERALD_DELIVERY_STOP_GRACE_MS", "0");
    target.script(n -> Behaviour.applyThenDelay(3_000));
    h.deploy();
    List<UUID> entries = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      UUID entry = UUID.randomUUID();
      entries.add(entry);
      h.send(publish(h, entry, 1));
    }
    await().atMost(WAIT).until(() -> target.requests.size() >= 4);
    h.undeploy();
    long inFlight =
        h.count("SELECT count(*) FROM publisher.delivery WHERE status IN ('sending', 'pending')");
    assertTrue(inFlight >= 1, "some deliveries were cut off: " + inFlight);

    target.script(n -> Behaviour.ok());
    h.overrides.put("HERALD_DELIVERY_TIMEOUT_MS", "1000");
    h.deploy();

    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () ->
                h.count(
                        "SELECT count(*) FROM publisher.delivery"
                            + " WHERE status NOT IN ('sent', 'dead')")
                    == 0);
    for (UUID e : entries) {
      assertEquals(DeliveryStatus.SENT, only(e).status());
    }
    assertEquals(6, target.distinctEffects());
    assertEquals(1, target.maxEffectsPerKey());
    assertTrue(
        h.count("SELECT count(*) FROM publisher.delivery_attempt WHERE outcome = 'interrupted'")
            >= 1);
  }

  /** Milliseconds from the end of attempt i to the start of attempt i + 1. */
  static long gap(List<Attempt> attempts, int i) {
    return Duration.between(attempts.get(i).finishedAt(), attempts.get(i + 1).startedAt())
        .toMillis();
  }
}
