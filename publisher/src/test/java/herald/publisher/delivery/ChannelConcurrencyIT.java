package herald.publisher.delivery;

import static herald.publisher.PublisherHarness.WAIT;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import herald.events.ContentPublished;
import herald.events.ContentUnpublished;
import herald.events.GoldenSamples;
import herald.publisher.PublisherHarness;
import herald.publisher.channel.Channel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
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
  static final Recording serial = new Recording("serial", 1);
  static final Recording quick = new Recording("quick", Integer.MAX_VALUE);

  @TempDir Path dataDir;

  @BeforeAll
  static void start() {
    h = new PublisherHarness();
    h.extraChannels = pool -> List.of(serial, quick);
  }

  @AfterAll
  static void close() throws Exception {
    serial.gate.release(1_000);
    h.undeploy();
    h.close();
  }

  @Test
  @DisplayName("run one at a time, while the other channel's deliveries go out meanwhile")
  void limitedChannelDoesNotHoldWorkers() throws Exception {
    h.fresh(dataDir);
    h.overrides.put("HERALD_DELIVERY_WORKERS", "4");
    // The serial deliveries wait at the gate for as long as the test holds it: no timeout then.
    h.overrides.put("HERALD_DELIVERY_TIMEOUT_MS", "60000");
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
    // The serial channel's deliveries are held at its gate: one of them is in its channel, and
    // every quick delivery goes out on the other workers meanwhile.
    await().atMost(WAIT).until(() -> quick.done.size() == entries && serial.now.get() == 1);
    assertEquals(0, serial.done.size(), "the serial deliveries are still held");
    assertEquals(1, serial.most.get(), "never more than one serial delivery at a time");

    serial.gate.release(entries);
    await().atMost(WAIT).until(() -> serial.done.size() == entries);
    assertEquals(1, serial.most.get(), "never more than one serial delivery at a time");
  }

  /**
   * A channel that records how many of its deliveries ran at once; with a limit, each delivery
   * waits at a gate the test opens.
   */
  static final class Recording implements Channel {
    final String name;
    final int concurrency;
    final Semaphore gate = new Semaphore(0);
    final AtomicInteger now = new AtomicInteger();
    final AtomicInteger most = new AtomicInteger();
    final Set<UUID> done = ConcurrentHashMap.newKeySet();

    Recording(String name, int concurrency) {
      this.name = name;
      this.concurrency = concurrency;
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
    public void publish(ContentPublished event) throws IOException {
      most.accumulateAndGet(now.incrementAndGet(), Math::max);
      try {
        if (concurrency != Integer.MAX_VALUE) {
          gate.acquire();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted at the gate", e);
      } finally {
        now.decrementAndGet();
      }
      done.add(event.entryId());
    }

    @Override
    public void unpublish(ContentUnpublished event) {}
  }
}
