package herald.publisher.consumer;

import herald.events.ContentEvent;
import herald.events.ContentEventCodec;
import herald.events.GroupConsumers;
import herald.events.MalformedEventException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
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
 * Reads content events from Kafka on a thread of its own (a {@link KafkaConsumer} is not
 * thread-safe) and hands each one to a handler, at least once and in order per entry.
 *
 * <p>Failures are sorted as in apache/kafka's example consumer: a poison record is logged, counted
 * and skipped; a retriable failure pauses and retries the same record; anything else stops the
 * consumer and turns its {@link #state()} to {@link State#FAILED}, which fails readiness.
 */
public final class ContentConsumer {

  /** Life cycle of the consumer thread. */
  public enum State {
    STARTING,
    RUNNING,
    FAILED,
    STOPPED
  }

  private static final Logger LOG = LoggerFactory.getLogger(ContentConsumer.class);

  private static final Duration POLL_TIMEOUT = Duration.ofMillis(500);
  private static final Duration FIRST_BACKOFF = Duration.ofMillis(200);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

  private final Properties properties;
  private final String topic;
  private final ContentEventHandler handler;
  private final Counter poison;
  private final CountDownLatch stopRequested = new CountDownLatch(1);

  private volatile State state = State.STARTING;
  private volatile boolean stopping;
  private volatile KafkaConsumer<String, byte[]> consumer;
  private volatile Throwable failure;
  private Thread thread;
  private Duration backoff = FIRST_BACKOFF;

  /** A consumer of the topic in the given group; call {@link #start()} to begin. */
  public ContentConsumer(
      String bootstrapServers,
      String groupId,
      String topic,
      ContentEventHandler handler,
      MeterRegistry registry) {
    this.properties = properties(bootstrapServers, groupId);
    this.topic = topic;
    this.handler = handler;
    this.poison =
        Counter.builder("herald.publisher.poison.events")
            .description("Records on the content topic that are not readable content events")
            .tag("topic", topic)
            .register(registry);
  }

  static Properties properties(String bootstrapServers, String groupId) {
    // Offsets are committed by hand after the batch is processed; small batches keep synchronous
    // processing well inside max.poll.interval.ms.
    return GroupConsumers.properties(bootstrapServers, groupId, 100);
  }

  /** Starts the consumer thread. */
  public synchronized void start() {
    if (thread != null) {
      throw new IllegalStateException("already started");
    }
    thread = new Thread(this::run, "herald-publisher-consumer");
    thread.start();
  }

  /** Asks the consumer to stop and waits for it to close; safe to call more than once. */
  public void stop(Duration wait) throws InterruptedException {
    // NOTE: the flag is set before the wake-up so that the thread sees one or the other.
    stopping = true;
    stopRequested.countDown();
    KafkaConsumer<String, byte[]> c = consumer;
    if (c != null) {
      c.wakeup();
    }
    Thread t;
    synchronized (this) {
      t = thread;
    }
    if (t != null) {
      t.join(wait.toMillis());
    }
  }

  /** Where the consumer is in its life cycle. */
  public State state() {
    return state;
  }

  /** The failure that stopped the consumer, if it stopped on one. */
  public Throwable failure() {
    return failure;
  }

  private void run() {
    KafkaConsumer<String, byte[]> c = null;
    try {
      c = new KafkaConsumer<>(properties);
      consumer = c;
      c.subscribe(List.of(topic));
      state = State.RUNNING;
      LOG.info("consuming {} as group {}", topic, properties.get(ConsumerConfig.GROUP_ID_CONFIG));
      while (!stopping) {
        pollOnce(c);
      }
    } catch (WakeupException e) {
      // stop() woke us up: leave the loop.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Throwable t) {
      failure = t;
      state = State.FAILED;
      LOG.error("content consumer stopped on a fatal error; readiness now fails", t);
    } finally {
      if (c != null) {
        try {
          c.close(CloseOptions.timeout(CLOSE_TIMEOUT));
        } catch (RuntimeException e) {
          LOG.warn("closing the Kafka consumer failed", e);
        }
      }
      if (state != State.FAILED) {
        state = State.STOPPED;
      }
    }
  }

  private void pollOnce(KafkaConsumer<String, byte[]> c) throws InterruptedException {
    ConsumerRecords<String, byte[]> records = c.poll(POLL_TIMEOUT);
    Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
    boolean retry = false;
    for (TopicPartition tp : records.partitions()) {
      for (ConsumerRecord<String, byte[]> r : records.records(tp)) {
        try {
          handle(r);
        } catch (Exception e) {
          if (!Failures.isRetriable(e)) {
            throw new IllegalStateException("fatal failure handling " + where(r), e);
          }
          LOG.warn("retriable failure handling {}; retrying in {}", where(r), backoff, e);
          // The partition restarts at this record; later ones wait so that order is kept.
          c.seek(tp, r.offset());
          retry = true;
          break;
        }
        done.put(tp, new OffsetAndMetadata(r.offset() + 1));
      }
    }
    commit(c, done);
    if (retry) {
      // Waits for the backoff, or less if stop() is called meanwhile.
      if (stopRequested.await(backoff.toMillis(), TimeUnit.MILLISECONDS)) {
        return;
      }
      Duration next = backoff.multipliedBy(2);
      backoff = next.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : next;
    } else {
      backoff = FIRST_BACKOFF;
    }
  }

  private void handle(ConsumerRecord<String, byte[]> r) throws Exception {
    ContentEvent event;
    try {
      event = ContentEventCodec.fromRecord(r);
    } catch (MalformedEventException e) {
      // NOTE: no dead-letter topic yet; the record stays in the log for inspection at its offset.
      poison.increment();
      LOG.error("skipping poison record {}: {}", where(r), e.getMessage());
      return;
    }
    handler.handle(event, ContentEventCodec.header(r.headers(), ContentEventCodec.H_ID));
  }

  private static void commit(
      KafkaConsumer<String, byte[]> c, Map<TopicPartition, OffsetAndMetadata> offsets) {
    if (offsets.isEmpty()) {
      return;
    }
    try {
      c.commitSync(offsets);
    } catch (CommitFailedException | RebalanceInProgressException e) {
      // The partitions moved to another member, which will process these records again; that is
      // harmless because handling is idempotent.
      LOG.info("offset commit lost to a rebalance: {}", e.getMessage());
    }
  }

  private static String where(ConsumerRecord<?, ?> r) {
    return r.topic() + "-" + r.partition() + "@" + r.offset();
  }
}
