package herald.api.delivery;

import herald.events.DeliveryEventCodec;
import herald.events.DeliveryStatusEvent;
import herald.events.GroupConsumers;
import herald.events.MalformedEventException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads {@code delivery.status} events on a thread of its own and upserts the {@code deliveries}
 * read table, at least once; the upsert ignores duplicates and older states, so that is one effect.
 * A poison record is logged, counted and skipped; a database failure pauses and retries the same
 * record.
 */
final class DeliveryStatusConsumer {

  private static final Logger LOG = LoggerFactory.getLogger(DeliveryStatusConsumer.class);
  private static final Duration POLL = Duration.ofMillis(500);
  private static final Duration RETRY_PAUSE = Duration.ofSeconds(1);
  private static final long DB_TIMEOUT_MS = 30_000;

  private final Properties properties;
  private final String topic;
  private final Pool pool;
  private final DeliveryReadRepository repository;
  private final Counter applied;
  private final Counter stale;
  private final Counter poison;
  private volatile boolean stopping;
  private volatile boolean running;
  private volatile KafkaConsumer<String, byte[]> consumer;
  private Thread thread;

  DeliveryStatusConsumer(
      String bootstrapServers,
      String groupId,
      String topic,
      Pool pool,
      DeliveryReadRepository repository,
      MeterRegistry registry) {
    this.properties = properties(bootstrapServers, groupId);
    this.topic = topic;
    this.pool = pool;
    this.repository = repository;
    this.applied = counter(registry, "applied");
    this.stale = counter(registry, "stale");
    this.poison = counter(registry, "poison");
  }

  private static Counter counter(MeterRegistry registry, String outcome) {
    return Counter.builder("herald.api.delivery.status.events")
        .description("delivery.status events read, by outcome")
        .tag("outcome", outcome)
        .register(registry);
  }

  static Properties properties(String bootstrapServers, String groupId) {
    // All api replicas share one group: each event is applied once to the shared table. Offsets
    // are committed after the upsert; a new group (a new database) rebuilds the read table from
    // the whole topic.
    return GroupConsumers.properties(bootstrapServers, groupId, 200);
  }

  void start() {
    thread = new Thread(this::run, "herald-api-delivery-status");
    thread.setDaemon(true);
    thread.start();
  }

  /** Whether the consumer thread is polling. */
  boolean isRunning() {
    return running;
  }

  void stop(Duration wait) throws InterruptedException {
    stopping = true;
    KafkaConsumer<String, byte[]> c = consumer;
    if (c != null) {
      c.wakeup();
    }
    if (thread != null) {
      thread.join(wait.toMillis());
    }
  }

  private void run() {
    KafkaConsumer<String, byte[]> c = null;
    try {
      c = new KafkaConsumer<>(properties);
      consumer = c;
      c.subscribe(List.of(topic));
      running = true;
      while (!stopping) {
        ConsumerRecords<String, byte[]> records = c.poll(POLL);
        Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
        boolean retry = false;
        for (TopicPartition tp : records.partitions()) {
          List<ConsumerRecord<String, byte[]>> batch = records.records(tp);
          if (!apply(batch)) {
            // This partition starts again at the batch; its later records wait.
            c.seek(tp, batch.get(0).offset());
            retry = true;
            continue;
          }
          done.put(tp, new OffsetAndMetadata(batch.get(batch.size() - 1).offset() + 1));
        }
        commit(c, done);
        if (retry) {
          Thread.sleep(RETRY_PAUSE.toMillis());
        }
      }
    } catch (WakeupException e) {
      // stop() woke us up.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.error("delivery status consumer stopped", e);
    } finally {
      running = false;
      if (c != null) {
        try {
          c.close(CloseOptions.timeout(Duration.ofSeconds(5)));
        } catch (RuntimeException e) {
          LOG.warn("closing the delivery status consumer failed", e);
        }
      }
    }
  }

  /**
   * Applies one partition's records of a poll in one transaction (poison records skipped); false
   * when they should be tried again after a pause.
   */
  private boolean apply(List<ConsumerRecord<String, byte[]>> records) {
    List<DeliveryStatusEvent> events = new ArrayList<>(records.size());
    for (ConsumerRecord<String, byte[]> r : records) {
      try {
        events.add(DeliveryEventCodec.statusFromRecord(r));
      } catch (MalformedEventException e) {
        poison.increment();
        LOG.error(
            "skipping poison record {}-{}@{}: {}",
            r.topic(),
            r.partition(),
            r.offset(),
            e.getMessage());
      }
    }
    try {
      int changed =
          pool.withTransaction(conn -> repository.upsertAll(conn, events))
              .await(DB_TIMEOUT_MS, TimeUnit.MILLISECONDS);
      applied.increment(changed);
      stale.increment(events.size() - changed);
      return true;
    } catch (Exception e) {
      LOG.warn(
          "could not apply {} delivery status events, retrying: {}", events.size(), e.toString());
      return false;
    }
  }

  private static void commit(
      KafkaConsumer<String, byte[]> c, Map<TopicPartition, OffsetAndMetadata> offsets) {
    if (offsets.isEmpty()) {
      return;
    }
    try {
      c.commitSync(offsets);
    } catch (CommitFailedException | RebalanceInProgressException e) {
      LOG.info("offset commit lost to a rebalance: {}", e.getMessage());
    }
  }
}
