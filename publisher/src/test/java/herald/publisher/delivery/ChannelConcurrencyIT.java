package herald.publisher.delivery;

import static herald.publisher.PublisherHarness.WAIT;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import herald.events.ContentPublished;
import herald.events.ContentUnpublished;
import herald.events.GoldenSamples;
import herald.publisher.PublisherHarness;
import herald.publisher.channel.Channel;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A channel that runs one delivery at a time (as the website does) must not hold the workers that
 * other channels' deliveries could use.
 */
@DisplayName("Delivery workers and a channel limited to one delivery at a time")
class ChannelConcurrencyIT {

  static PublisherHarness h;
  static final Recording serial = new Recording("serial", 1, 150);
  static final Recording quick = new Recording("quick", Integer.MAX_VALUE, 0);

  @TempDir Path dataDir;

  @BeforeAll
  static void start() {
    h = new PublisherHarness();
    h.extraChannels = pool -> List.of(serial, quick);
  }

  @AfterAll
  static void close() throws Exception {
    h.undeploy();
    h.close();
  }

  @Test
  @DisplayName("run one at a time, while the other channel's deliveries go out meanwhile")
  void limitedChannelDoesNotHoldWorkers() throws Exception {
    h.fresh(dataDir);
    h.overrides.put("HERALD_DELIVERY_WORKERS", "4");
    h.deploy();
    int entries = 8;
    for (int i = 0; i < entries; i++) {
      UUID entry = UUID.randomUUID();
      h.send(
          GoldenSamples.producerRecord(
              GoldenSamples.PUBLISHED,
              h.topic,
              v -> {
                v.put("entryId", entry.toString());
                v.putArray("channels").add("serial").add("quick");
              }));
    }
    await().atMost(WAIT).until(() -> serial.done.size() == entries);
    assertEquals(entries, quick.done.size());
    assertEquals(1, serial.most.get(), "never more than one serial delivery at a time");
    // 8 serial deliveries take at least 8 × 150 ms one after another; the quick ones must not
    // have waited behind them for workers.
    long lastQuick = quick.done.values().stream().mapToLong(Long::longValue).max().orElseThrow();
    long lastSerial = serial.done.values().stream().mapToLong(Long::longValue).max().orElseThrow();
    long firstSerial = serial.done.values().stream().mapToLong(Long::longValue).min().orElseThrow();
    assertTrue(lastSerial - firstSerial >= 7 * 150, "serial ones ran one after another");
    assertTrue(
        lastQuick < lastSerial - 3 * 150,
        "the quick deliveries finished "
            + (lastSerial - lastQuick)
            + " ms before the last serial one, not behind the serial queue");
  }

  /** A channel that records when each delivery finished and how many ran at once. */
  static final class Recording implements Channel {
    final String name;
    final int concurrency;
    final long millis;
    final AtomicInteger now = new AtomicInteger();
    final AtomicInteger most = new AtomicInteger();
    final Map<UUID, Long> done = new ConcurrentHashMap<>();

    Recording(String name, int concurrency, long millis) {
      this.name = name;
      this.concurrency = concurrency;
      this.millis = millis;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public int concurrency() {
      return concurrency;
    }

    @Override
    public void publish(ContentPublished event) {
      most.accumulateAndGet(now.incrementAndGet(), Math::max);
      try {
        Thread.sleep(millis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        now.decrementAndGet();
      }
      done.put(event.entryId(), System.currentTimeMillis());
    }

    @Override
    public void unpublish(ContentUnpublished event) {}
  }
}
