package herald.publisher.delivery;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import herald.events.DeliveryEventCodec;
import herald.events.DeliveryStatusEvent;
import herald.events.GoldenSamples;
import herald.events.Topics;
import herald.publisher.PublisherHarness;
import herald.publisher.PublisherMain;
import herald.publisher.channel.social.FakeNetworks;
import herald.publisher.channel.social.FakeNetworks.Received;
import herald.publisher.channel.social.SocialChannel;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash consistency of deliveries for real: the publisher runs in a JVM of its own and is killed
 * with SIGKILL while it posts a stream of entries to a Mastodon account, a Bluesky account and a
 * webhook (local fakes that take 40 ms per request and stall just before the kill, so that calls
 * are under way); a second publisher on the same database must end every delivery, with one post
 * per delivery at each network, deduplicated the way each network does it.
 *
 * <p>The children's logs stay in {@code target/publisher-crash-it} for a look after a failure.
 */
@DisplayName("A publisher killed with kill -9")
class PublisherCrashIT {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int ENTRIES = 60;
  private static final List<String> ACCOUNTS = List.of("masto", "bsky", "hook");
  private static final int DELIVERIES = ENTRIES * ACCOUNTS.size();
  private static final Duration NETWORK_LATENCY = Duration.ofMillis(40);
  private static final Instant FIRST_PUBLISHED_AT = Instant.parse("2026-01-27T09:00:00Z");
  private static final Path LOGS = Path.of("target", "publisher-crash-it");

  @TempDir Path dataDir;

  @Test
  @DisplayName(
      "restarts on the same database and ends every delivery, with one post per delivery at each"
          + " network")
  void killDashNine() throws Exception {
    try (PublisherHarness h = new PublisherHarness();
        FakeNetworks networks = new FakeNetworks(h.vertx)) {
      h.fresh(dataDir);
      networks.slowDown(NETWORK_LATENCY);
      Topics.ensure(h.bootstrap, h.topic, Topics.CONTENT_PARTITIONS);
      Map<String, String> env = h.env();
      env.put("HERALD_SOCIAL_ACCOUNTS", accounts(networks.url()).encode());
      env.put("HERALD_DELIVERY_WORKERS", "4");
      Files.createDirectories(LOGS);
      List<UUID> entries = new ArrayList<>();
      for (int i = 0; i < ENTRIES; i++) {
        entries.add(UUID.randomUUID());
      }

      env.put("HERALD_PUBLISHER_PORT", Integer.toString(freePort()));
      Process first = startChild(env, LOGS.resolve("first.log"));
      Process second = null;
      try {
        await().atMost(WAIT).until(() -> alive(first, "first.log") && ready(h, env));
        // A first entry, so that the stream starts once the child delivers.
        h.send(publish(h.topic, entries.get(0), 0));
        await()
            .atMost(WAIT)
            .until(() -> alive(first, "first.log") && deliveries(h, "status = 'sent'") > 0);

        AtomicReference<Throwable> writerFailure = new AtomicReference<>();
        Thread writer =
            new Thread(
                () -> {
                  try {
                    for (int i = 1; i < ENTRIES; i++) {
                      h.producer.send(publish(h.topic, entries.get(i), i));
                      h.producer.flush();
                      // Paces the stream so that it is still coming at the kill; not a wait.
                      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(15));
                    }
                  } catch (RuntimeException e) {
                    writerFailure.set(e);
                  }
                },
                "publisher-crash-it-producer");
        writer.start();

        // Once a third is sent, the networks stall with calls under way, and the kill comes.
        await()
            .atMost(WAIT)
            .pollInterval(Duration.ofMillis(10))
            .until(
                () ->
                    alive(first, "first.log")
                        && deliveries(h, "status = 'sent'") >= DELIVERIES / 3);
        networks.hold();
        await().atMost(WAIT).until(() -> alive(first, "first.log") && networks.held() >= 2);
        first.destroyForcibly();
        assertTrue(first.waitFor(30, TimeUnit.SECONDS), "the first publisher is gone");
        // The calls that were under way take effect now, their answers lost.
        int cutOff = networks.held();
        networks.release();
        long sentAtKill = deliveries(h, "status = 'sent'");
        long sendingAtKill = deliveries(h, "status = 'sending'");
        assertTrue(sentAtKill < DELIVERIES, "the kill landed mid-way: " + sentAtKill + " sent");
        assertTrue(
            sendingAtKill >= cutOff,
            sendingAtKill + " deliveries cut off, " + cutOff + " mid-call");
        writer.join(WAIT.toMillis());
        assertNull(writerFailure.get(), "the stream was produced");

        // Kafka would keep the killed publisher in its group, holding its partitions, until its
        // session timeout (10 s, GroupConsumers) ran out; the test removes it rather than wait. The
        // new publisher
        // resumes from the group's committed offsets: what the first one consumed and did not
        // commit comes again.
        try (Admin admin =
            Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, h.bootstrap))) {
          admin
              .removeMembersFromConsumerGroup(
                  env.get("HERALD_PUBLISHER_GROUP"), new RemoveMembersFromConsumerGroupOptions())
              .all()
              .get(30, TimeUnit.SECONDS);
        }
        Map<String, String> restarted = new HashMap<>(env);
        restarted.put("HERALD_PUBLISHER_PORT", Integer.toString(freePort()));
        Process next = startChild(restarted, LOGS.resolve("second.log"));
        second = next;
        await().atMost(WAIT).until(() -> alive(next, "second.log") && ready(h, restarted));
        await()
            .atMost(WAIT)
            .pollInterval(Duration.ofMillis(200))
            .until(
                () ->
                    alive(next, "second.log")
                        && deliveries(h, "true") == DELIVERIES
                        && deliveries(h, "status NOT IN ('sent', 'dead')") == 0);

        // No delivery is missing, and each ended sent, or dead with the reason.
        for (UUID entry : entries) {
          List<Delivery> ds = h.deliveries(entry);
          assertEquals(
              Set.copyOf(ACCOUNTS), ds.stream().map(Delivery::target).collect(Collectors.toSet()));
          for (Delivery d : ds) {
            assertEquals(1, d.version());
            assertTrue(
                d.status() == DeliveryStatus.SENT
                    || (d.status() == DeliveryStatus.DEAD
                        && d.lastError() != null
                        && !d.lastError().isBlank()),
                d.toString());
          }
        }
        // Every attempt the kill cut off was closed as such when its delivery was taken up again.
        assertEquals(
            sendingAtKill,
            h.count(
                "SELECT count(*) FROM publisher.delivery_attempt WHERE outcome = 'interrupted'"));
        assertEquals(
            0, h.count("SELECT count(*) FROM publisher.social_post WHERE status <> 'posted'"));

        // One effect per delivery at the networks, each for its own entry.
        Map<String, JsonObject> statuses = networks.mastodonStatusesByKey();
        Map<String, JsonObject> events = networks.webhookEvents();
        Map<String, JsonObject> records = networks.blueskyRecords();
        for (int i = 0; i < ENTRIES; i++) {
          UUID entry = entries.get(i);
          JsonObject status = statuses.get(key(entry, "masto"));
          assertNotNull(status, "entry " + i + " is on Mastodon");
          assertTrue(status.getString("content").contains(url(i)), status.encode());
          JsonObject event = events.get(key(entry, "hook"));
          assertNotNull(event, "entry " + i + " reached the webhook");
          assertEquals("social.post.created", event.getString("type"));
          assertEquals(entry.toString(), event.getJsonObject("data").getString("entryId"));
          String url = url(i);
          assertEquals(
              1,
              records.values().stream().filter(r -> r.getString("text").contains(url)).count(),
              "entry " + i + " is on Bluesky once");
        }
        assertEquals(ENTRIES, statuses.size(), "Mastodon statuses, one per delivery");
        assertEquals(ENTRIES, events.size(), "webhook events, one per delivery");
        assertEquals(ENTRIES, records.size(), "Bluesky records, one per delivery");
        assertEquals(DELIVERIES, statuses.size() + events.size() + records.size());

        // The restart repeated calls that the kill had cut off, with the same keys; the networks
        // took each once (above).
        long repeated =
            repeatedKeys(
                    networks.requests("POST", "/api/v1/statuses"),
                    r -> r.headers().get("Idempotency-Key"))
                + repeatedKeys(
                    networks.requests("POST", "/hook"), r -> r.headers().get("webhook-id"))
                + repeatedKeys(
                    networks.requests("POST", "/xrpc/com.atproto.repo.createRecord"),
                    r -> r.json().getString("rkey"));
        assertTrue(
            repeated >= cutOff, "the calls cut off were repeated after the restart: " + repeated);

        // The api hears how each delivery ended: the last status event of each is its row's.
        Map<UUID, DeliveryStatusEvent> last;
        try (KafkaConsumer<String, byte[]> status = h.statusConsumer()) {
          last =
              latest(
                  PublisherHarness.readStatus(status, read -> ended(latest(read))).stream()
                      .map(DeliveryEventCodec::statusFromRecord)
                      .toList());
        }
        for (UUID entry : entries) {
          for (Delivery d : h.deliveries(entry)) {
            DeliveryStatusEvent e = last.get(d.deliveryId());
            assertNotNull(e, "a status event for " + d);
            assertEquals(d.status().dbValue(), e.state(), d.toString());
            assertEquals(d.seq(), e.sequence(), d.toString());
          }
        }
      } finally {
        first.destroyForcibly();
        if (second != null) {
          second.destroyForcibly();
          second.waitFor(30, TimeUnit.SECONDS);
        }
      }
    }
  }

  /** The entry point of the child JVM: the publisher, ended when the test JVM is gone. */
  public static final class Child {
    private Child() {}

    public static void main(String[] args) {
      Thread watcher =
          new Thread(
              () -> {
                try {
                  while (System.in.read() != -1) {
                    // Nothing is ever sent; keep reading until end of stream.
                  }
                } catch (IOException e) {
                  // A broken pipe means the same as end of stream.
                }
                // The test JVM is gone: leave no publisher behind on the shared database.
                Runtime.getRuntime().halt(1);
              },
              "parent-watcher");
      watcher.setDaemon(true);
      watcher.start();
      PublisherMain.main(args);
    }
  }

  private static Process startChild(Map<String, String> env, Path log) throws IOException {
    ProcessBuilder pb =
        new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx256m",
            "-XX:+UseSerialGC",
            "-cp",
            System.getProperty("java.class.path"),
            Child.class.getName());
    // Only the test's settings: none that the test run itself was started with.
    pb.environment()
        .keySet()
        .removeIf(k -> k.startsWith("HERALD_") || k.startsWith("PG_") || k.startsWith("KAFKA_"));
    pb.environment().putAll(env);
    pb.redirectErrorStream(true);
    pb.redirectOutput(log.toFile());
    // stdin stays a pipe that nothing is written to: the child exits when it closes, which the OS
    // does when this JVM dies, however it dies.
    pb.redirectInput(Redirect.PIPE);
    return pb.start();
  }

  /** True while the child runs; a child that stopped fails the test with the end of its log. */
  private static boolean alive(Process child, String log) throws IOException {
    if (child.isAlive()) {
      return true;
    }
    List<String> lines = Files.readAllLines(LOGS.resolve(log), StandardCharsets.UTF_8);
    throw new IllegalStateException(
        "the publisher exited with "
            + child.exitValue()
            + ":\n"
            + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size())));
  }

  /** True once the child's readiness check passes (schema migrated, consuming). */
  private static boolean ready(PublisherHarness h, Map<String, String> env) {
    int port = Integer.parseInt(env.get("HERALD_PUBLISHER_PORT"));
    try {
      return h.http
              .get(port, "127.0.0.1", "/health/ready")
              .send()
              .await(5, TimeUnit.SECONDS)
              .statusCode()
          == 200;
    } catch (Exception e) {
      return false; // not listening yet
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static long deliveries(PublisherHarness h, String condition) throws Exception {
    return h.count("SELECT count(*) FROM publisher.delivery WHERE " + condition);
  }

  /** The golden event for the i-th entry of the stream, to the social channel only. */
  private static ProducerRecord<String, byte[]> publish(String topic, UUID entry, int i) {
    return GoldenSamples.producerRecord(
        GoldenSamples.PUBLISHED,
        topic,
        v -> {
          v.put("entryId", entry.toString());
          v.put("version", 1);
          v.put("slug", slug(i));
          // Published one by one, at different times, as the api stamps them (to the microsecond):
          // the Bluesky record key derives from it.
          v.put("publishedAt", FIRST_PUBLISHED_AT.plusSeconds(i).toString());
          v.putArray("channels").add(SocialChannel.NAME);
        });
  }

  private static String slug(int i) {
    return "crash-" + i;
  }

  /** The entry's English URL, which every post of it carries. */
  private static String url(int i) {
    return "https://site.example/en/event/" + slug(i) + "/";
  }

  private static String key(UUID entry, String account) {
    return SocialChannel.idempotencyKey(entry, 1, SocialChannel.NAME, account);
  }

  private static JsonArray accounts(String networks) {
    return new JsonArray()
        .add(
            new JsonObject()
                .put("id", "masto")
                .put("network", "mastodon")
                .put("url", networks)
                .put("token", FakeNetworks.TOKEN))
        .add(
            new JsonObject()
                .put("id", "bsky")
                .put("network", "bluesky")
                .put("url", networks)
                .put("handle", FakeNetworks.HANDLE)
                .put("password", FakeNetworks.APP_PASSWORD))
        .add(
            new JsonObject()
                .put("id", "hook")
                .put("network", "webhook")
                .put("url", networks + "/hook")
                .put("secret", "crash-test-secret"));
  }

  /** The last event of each delivery (the highest sequence, as the api keeps). */
  private static Map<UUID, DeliveryStatusEvent> latest(List<DeliveryStatusEvent> events) {
    Map<UUID, DeliveryStatusEvent> out = new HashMap<>();
    for (DeliveryStatusEvent e : events) {
      out.merge(e.deliveryId(), e, (a, b) -> b.sequence() > a.sequence() ? b : a);
    }
    return out;
  }

  /** Whether every delivery's last event says it ended. */
  private static boolean ended(Map<UUID, DeliveryStatusEvent> last) {
    return last.size() == DELIVERIES
        && last.values().stream()
            .allMatch(e -> e.state().equals("sent") || e.state().equals("dead"));
  }

  /** How many keys were sent more than once. */
  private static long repeatedKeys(List<Received> requests, Function<Received, String> key) {
    return requests.stream()
        .collect(Collectors.groupingBy(key, Collectors.counting()))
        .values()
        .stream()
        .filter(n -> n > 1)
        .count();
  }
}
