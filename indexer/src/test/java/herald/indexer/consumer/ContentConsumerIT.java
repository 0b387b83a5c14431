package herald.indexer.consumer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import herald.embedded.Infrastructure;
import herald.embedded.TestInfrastructure;
import herald.events.Topics;
import herald.indexer.index.ContentIndex;
import herald.indexer.index.LiveIndex;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Swapping the index in service against real Kafka")
class ContentConsumerIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dir;

  @Test
  @DisplayName("a swap cancelled before the consumer ran it never runs; a later one does")
  void cancelledSwapIsSkipped() throws Exception {
    Infrastructure infra = TestInfrastructure.shared();
    String topic = TestInfrastructure.uniqueTopic("indexer-swap");
    Topics.ensure(infra.kafkaBootstrapServers(), topic, 1);
    try (ContentIndex first = ContentIndex.open(dir.resolve("first"));
        ContentIndex abandoned = ContentIndex.open(dir.resolve("abandoned"));
        ContentIndex next = ContentIndex.open(dir.resolve("next"))) {
      LiveIndex live = new LiveIndex(first);
      ContentConsumer consumer =
          new ContentConsumer(
              infra.kafkaBootstrapServers(),
              "indexer-swap-" + UUID.randomUUID(),
              topic,
              live,
              new SimpleMeterRegistry());
      try {
        consumer.start();
        await().atMost(WAIT).until(consumer::isReady);

        CompletableFuture<ContentIndex> timedOut;
        // The consumer runs swaps holding its own lock: holding it here keeps the swap queued
        // until it is cancelled, as a rebuilder that stopped waiting does.
        synchronized (consumer) {
          timedOut = consumer.swapTo(abandoned);
          assertTrue(timedOut.cancel(false));
        }
        CompletableFuture<ContentIndex> swap = consumer.swapTo(next);

        assertSame(first, swap.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        assertSame(next, live.current());
        assertTrue(timedOut.isCancelled());
        assertTrue(abandoned.isOpen(), "the consumer never touched the cancelled swap's index");
        // Run (claimed) swaps cannot be cancelled: the index is in service, not the caller's.
        assertFalse(swap.cancel(false));
        assertTrue(consumer.isReady());
      } finally {
        consumer.close();
      }
    }
  }
}
