package herald.indexer.consumer;

import herald.events.ContentEvent;
import herald.events.ContentEventCodec;
import herald.events.MalformedEventException;
import herald.indexer.index.ContentIndex;
import herald.indexer.index.LiveIndex;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads content events on its own thread and applies them to the index, keeping the offsets in the
 * index's own commits so that documents and positions are always durable together.
 *
 * <p>Failures are sorted as in apache/kafka's examples: a poison record is logged, counted and
 * skipped; a retriable error backs off and polls again; anything else stops the consumer and makes
 * {@link #isReady()} false.
 */
public final class ContentConsumer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ContentConsumer.class);

  // Short, so that an idle consumer revisits its pending commit and a close is quick.
  private static final Duration POLL_TIMEOUT = Duration.ofMillis(100);

  /**
   * Lucene commits (fsync) at most this often, on a thread of their own: the consumer goes on
   * applying and refreshing meanwhile (a commit took 150–230 ms when other services wrote to the
   * same disk). Searches see changes at once regardless.
   */
  static final long COMMIT_INTERVAL_MS = 500;

  /**
   * An idle consumer still refreshes this often (a no-op when nothing changed), so that the refresh
   * age metric measures how far behind searches are, not how long nothing was published.
   */
  static final long IDLE_REFRESH_MS = 1_000;

  /** How often the topic's partition count is checked for new partitions. */
  private static final long PARTITION_CHECK_MS = 60_000;

  private static final Duration PARTITIONS_TIMEOUT = Duration.ofSeconds(30);

  /** Lag beyond which the consumer is catching up rather than following the log. */
  static final long CATCH_UP_LAG = 2_000;

  private static final long MIN_BACKOFF_MS = 100;
  private static final long MAX_BACKOFF_MS = 10_000;
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

  private final String topic;
  private final LiveIndex live;
  private final ConcurrentLinkedQueue<Swap> swaps = new ConcurrentLinkedQueue<>();
  private final KafkaConsumer<String, byte[]> consumer;
  private final Thread thread;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final CountDownLatch closing = new CountDownLatch(1);

  private final MeterRegistry registry;
  private final Counter applied;
  private final Counter skipped;
  private final Counter poison;
  private final Gauge lagGauge;
  private final AtomicLong lag = new AtomicLong();

  private volatile boolean assigned;
  private volatile boolean polling;
  private volatile boolean lagKnown;
  private volatile Throwable failure;
  private long lastCommitNanos = System.nanoTime();

  // The commit under way, if any: only the consumer's thread starts and collects commits.
  private final ExecutorService committer =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "herald-indexer-commit");
            t.setDaemon(true);
            return t;
          });
  private CompletableFuture<Map<TopicPartition, OffsetAndMetadata>> pendingCommit;
  private long lastPartitionCheckNanos;

  public ContentConsumer(
      String bootstrapServers,
      String groupId,
      String topic,
      LiveIndex live,
      MeterRegistry registry) {
    this.topic = topic;
    this.live = live;
    this.registry = registry;
    this.consumer = new KafkaConsumer<>(properties(bootstrapServers, groupId));
    this.thread = new Thread(this::run, "herald-indexer-consumer");
    this.applied = events(registry, "applied", "Events applied to the index");
    this.skipped =
        events(registry, "skipped", "Events skipped: the index had that version or newer");
    this.poison = events(registry, "poison", "Records that are not readable content events");
    this.lagGauge =
        Gauge.builder("herald.indexer.consumer.lag", lag, AtomicLong::get)
            .description("Records on the assigned partitions not yet read")
            .register(registry);
  }

  /** The client settings; offsets are managed by the index, not by Kafka. */
  static Properties properties(String bootstrapServers, String groupId) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    // Only for committing positions, so that Kafka tools show the lag; partitions are assigned by
    // hand (every replica reads all of them), so there is no rebalance to wait for on start.
    p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    // The true position is the one in the Lucene commit; Kafka's copy only feeds lag monitoring.
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    // An empty index must be rebuilt from the whole log, never from "now".
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // Never index what an aborted producer transaction wrote.
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    // The key is the entry id, a UUID string.
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    // The value is parsed by ContentEventCodec, which tells a poison record from an event.
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    // Shows up in broker logs and quotas as this service.
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "herald-indexer");
    // NOTE: fetch.min.bytes stays 1, so the broker answers a fetch as soon as one record is there;
    // fetch.max.wait.ms only bounds an idle fetch and adds no latency to a publish.
    p.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1);
    return p;
  }

  private static Counter events(MeterRegistry registry, String outcome, String description) {
    return Counter.builder("herald.indexer.events")
        .tag("outcome", outcome)
        .description(description)
        .register(registry);
  }

  /** Starts polling on the consumer's own thread (once; not after close). */
  public synchronized void start() {
    if (closing.getCount() > 0 && !thread.isAlive() && stopped.getCount() > 0) {
      thread.start();
    }
  }

  /** Whether the consumer has its partitions and is polling without a fatal error. */
  public boolean isReady() {
    return assigned && polling && failure == null && closing.getCount() > 0;
  }

  /** The error that stopped the consumer, if one did. */
  public Throwable failure() {
    return failure;
  }

  /** Records on the assigned partitions not yet read, as of the last poll. */
  public long lag() {
    return lag.get();
  }

  /** Whether the consumer has read up to the end of every assigned partition (as of last poll). */
  public boolean caughtUp() {
    return assigned && lagKnown && lag.get() == 0;
  }

  /** Events applied to the index by this consumer since it started. */
  public long appliedCount() {
    return (long) applied.count();
  }

  /**
   * Puts {@code next} in service in place of the current index, on the consumer's thread between
   * two polls, and resumes every assigned partition from {@code next}'s own positions. Completes
   * with the replaced index, which the caller closes.
   *
   * <p>Who owns {@code next}: the caller, until the consumer claims the swap; the service, once the
   * future completes normally. {@code cancel} succeeds only while the swap is unclaimed, and then
   * the consumer never runs it: the caller may close and delete {@code next}. Once claimed, {@code
   * cancel} returns false and the future always completes: normally as soon as {@code next} is in
   * service (even if repositioning the partitions fails afterwards), exceptionally only when it
   * never was (the caller may delete it then).
   */
  public CompletableFuture<ContentIndex> swapTo(ContentIndex next) {
    Swap swap = new Swap(next);
    swaps.add(swap);
    if (!thread.isAlive()) {
      // Not consuming (never started or stopped): nothing to reposition.
      runSwaps();
    }
    return swap;
  }

  private synchronized void runSwaps() {
    for (Swap s = swaps.poll(); s != null; s = swaps.poll()) {
      if (!s.claim()) {
        // Cancelled (the rebuilder stopped waiting): that index is not ours to put in service.
        continue;
      }
      ContentIndex old;
      try {
        commitQuietly();
        old = live.swap(s.next());
      } catch (RuntimeException | Error e) {
        // Not in service.
        s.completeExceptionally(e);
        if (e instanceof Error error) {
          throw error;
        }
        continue;
      }
      try {
        if (thread.isAlive() && Thread.currentThread() == thread) {
          for (TopicPartition tp : consumer.assignment()) {
            seekToIndexPosition(tp);
          }
        }
      } finally {
        // In service whatever happens next: the old index is the caller's to close. A failed seek
        // goes on to run() like any other error of a poll.
        s.complete(old);
      }
    }
  }

  private void seekToIndexPosition(TopicPartition tp) {
    OptionalLong position = live.current().position(tp.topic(), tp.partition());
    if (position.isPresent()) {
      consumer.seek(tp, position.getAsLong());
    } else {
      consumer.seekToBeginning(List.of(tp));
    }
  }

  private void run() {
    try {
      assignPartitions();
      long backoffMs = MIN_BACKOFF_MS;
      while (closing.getCount() > 0) {
        try {
          pollOnce();
          backoffMs = MIN_BACKOFF_MS;
        } catch (RetriableException | RetryableKafkaException e) {
          LOG.warn("Kafka error, retrying in {} ms: {}", backoffMs, e.toString());
          if (closing.await(backoffMs, TimeUnit.MILLISECONDS)) {
            break;
          }
          backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
        }
      }
    } catch (WakeupException e) {
      // close() woke the poll up: a normal stop.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      // Fatal: authentication, authorization, an unknown topic, I/O on the index, or a bug.
      failure = e;
      LOG.error("Indexer consumer stopped; the service is not ready until restarted", e);
    } finally {
      commitQuietly();
      consumer.close(CloseOptions.timeout(CLOSE_TIMEOUT));
      stopped.countDown();
    }
  }

  /**
   * Reads every partition of the topic (each indexer holds the whole index), each from where the
   * index's commit says to resume; partitions added to the topic later are picked up too.
   */
  private void assignPartitions() {
    List<TopicPartition> all =
        consumer.partitionsFor(topic, PARTITIONS_TIMEOUT).stream()
            .map(p -> new TopicPartition(p.topic(), p.partition()))
            .toList();
    lastPartitionCheckNanos = System.nanoTime();
    Set<TopicPartition> current = consumer.assignment();
    if (all.isEmpty() || current.containsAll(all)) {
      assigned = !current.isEmpty();
      return;
    }
    consumer.assign(all);
    for (TopicPartition tp : all) {
      if (!current.contains(tp)) {
        seekToIndexPosition(tp);
      }
    }
    LOG.info("Assigned {}", all);
    assigned = true;
  }

  private void pollOnce() throws IOException {
    if (!swaps.isEmpty()) {
      runSwaps();
    }
    if (!assigned
        || System.nanoTime() - lastPartitionCheckNanos
            >= TimeUnit.MILLISECONDS.toNanos(PARTITION_CHECK_MS)) {
      assignPartitions();
      if (!assigned) {
        throw new RetryableKafkaException(
            new KafkaException("topic " + topic + " has no partitions yet"));
      }
    }
    ContentIndex index = live.current();
    ConsumerRecords<String, byte[]> records;
    try {
      records = consumer.poll(POLL_TIMEOUT);
    } catch (RecordDeserializationException e) {
      skipPoison(index, e.topicPartition().topic(), e.topicPartition().partition(), e.offset(), e);
      consumer.seek(e.topicPartition(), e.offset() + 1);
      return;
    } catch (AuthenticationException
        | AuthorizationException
        | UnsupportedVersionException
        | InvalidTopicException
        | RetriableException
        | WakeupException e) {
      // Fatal, retriable and stop are sorted by run().
      throw e;
    } catch (KafkaException e) {
      // Other client errors are usually transient (the examples log them and go on).
      throw new RetryableKafkaException(e);
    }
    polling = true;
    for (ConsumerRecord<String, byte[]> r : records) {
      handle(index, r);
    }
    updateLag();
    boolean catchingUp = lag.get() > CATCH_UP_LAG;
    long sinceRefresh = System.nanoTime() - index.lastRefreshNanos();
    if ((!records.isEmpty() && !catchingUp)
        || sinceRefresh >= TimeUnit.MILLISECONDS.toNanos(IDLE_REFRESH_MS)) {
      // Visible to searches now (after every batch); durable at the next commit.
      // NOTE: far behind the log (a start without an index), a refresh per second is enough and
      // much cheaper than one per batch.
      index.refresh();
    }
    if (System.nanoTime() - lastCommitNanos >= TimeUnit.MILLISECONDS.toNanos(COMMIT_INTERVAL_MS)) {
      commitInBackground();
    }
  }

  private void handle(ContentIndex index, ConsumerRecord<String, byte[]> r) throws IOException {
    try {
      ContentEvent event = ContentEventCodec.fromRecord(r);
      switch (index.apply(event)) {
        case APPLIED -> applied.increment();
        case STALE -> skipped.increment();
      }
    } catch (MalformedEventException e) {
      skipPoison(index, r.topic(), r.partition(), r.offset(), e);
    } catch (IllegalArgumentException e) {
      // The document cannot be built (a publish time beyond epoch milliseconds) or Lucene refuses
      // it (for example an immense term): nothing was written, the writer is intact.
      skipPoison(index, r.topic(), r.partition(), r.offset(), e);
    }
    index.advance(r.topic(), r.partition(), r.offset() + 1);
  }

  private void skipPoison(
      ContentIndex index, String topic, int partition, long offset, Exception e) {
    poison.increment();
    LOG.error(
        "Skipping poison record topic={} partition={} offset={}: {}",
        topic,
        partition,
        offset,
        e.getMessage());
    index.advance(topic, partition, offset + 1);
  }

  private void updateLag() {
    long total = 0;
    boolean known = true;
    for (TopicPartition tp : consumer.assignment()) {
      OptionalLong l = consumer.currentLag(tp);
      known &= l.isPresent();
      total += l.orElse(0);
    }
    lag.set(total);
    lagKnown = known;
  }

  /** Starts a commit in the background, once the last one is done (whose failure is fatal). */
  private void commitInBackground() throws IOException {
    if (pendingCommit != null && !pendingCommit.isDone()) {
      return;
    }
    finishPendingCommit();
    ContentIndex index = live.current();
    Set<TopicPartition> assignment = Set.copyOf(consumer.assignment());
    lastCommitNanos = System.nanoTime();
    pendingCommit =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return index.commit() ? committedOffsets(index, assignment) : null;
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            },
            committer);
  }

  /** Waits for the commit under way, if any, and reports its offsets to Kafka. */
  private void finishPendingCommit() throws IOException {
    if (pendingCommit == null) {
      return;
    }
    CompletableFuture<Map<TopicPartition, OffsetAndMetadata>> done = pendingCommit;
    pendingCommit = null;
    try {
      reportOffsets(done.join());
    } catch (java.util.concurrent.CompletionException e) {
      if (e.getCause() instanceof java.io.UncheckedIOException io) {
        throw io.getCause();
      }
      throw e;
    }
  }

  /** Commits now, on this thread, after the commit under way. */
  private void commit() throws IOException {
    finishPendingCommit();
    ContentIndex index = live.current();
    lastCommitNanos = System.nanoTime();
    if (index.commit()) {
      reportOffsets(committedOffsets(index, consumer.assignment()));
    }
  }

  private static Map<TopicPartition, OffsetAndMetadata> committedOffsets(
      ContentIndex index, Set<TopicPartition> assignment) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (TopicPartition tp : assignment) {
      index
          .committedPosition(tp.topic(), tp.partition())
          .ifPresent(p -> offsets.put(tp, new OffsetAndMetadata(p)));
    }
    return offsets;
  }

  /** Copies the index's committed offsets to Kafka: only for lag monitoring. */
  private void reportOffsets(Map<TopicPartition, OffsetAndMetadata> offsets) {
    if (offsets != null && !offsets.isEmpty()) {
      consumer.commitAsync(
          offsets,
          (done, e) -> {
            if (e != null) {
              LOG.debug("Kafka offset commit (for lag monitoring only) failed: {}", e.toString());
            }
          });
    }
  }

  private void commitQuietly() {
    ContentIndex index = live.current();
    try {
      if (index.isOpen()) {
        commit();
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("Final index commit failed; the index replays from its last commit", e);
    }
  }

  /** Stops polling, commits what was applied and closes the Kafka client. */
  @Override
  public void close() {
    closing.countDown();
    consumer.wakeup();
    if (thread.isAlive()) {
      try {
        stopped.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    } else if (stopped.getCount() > 0) {
      // Never started: the thread did not close the client.
      consumer.close(CloseOptions.timeout(CLOSE_TIMEOUT));
      stopped.countDown();
    }
    for (Swap s = swaps.poll(); s != null; s = swaps.poll()) {
      if (s.claim()) {
        s.completeExceptionally(new IllegalStateException("the consumer is closed"));
      }
    }
    committer.shutdown();
    List<Meter> meters = List.of(applied, skipped, poison, lagGauge);
    meters.forEach(registry::remove);
  }

  /**
   * A swap waiting for the consumer's thread, and its outcome. Exactly one of the consumer (to run
   * it or to refuse it on close) and {@link #cancel} claims it, atomically.
   */
  private static final class Swap extends CompletableFuture<ContentIndex> {
    private final ContentIndex next;
    private final AtomicBoolean claimed = new AtomicBoolean();

    Swap(ContentIndex next) {
      this.next = next;
    }

    ContentIndex next() {
      return next;
    }

    /** Whether this call claimed the swap (false: it was cancelled or claimed before). */
    boolean claim() {
      return claimed.compareAndSet(false, true);
    }

    /** Succeeds only while the consumer has not claimed the swap; then it never runs. */
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      return claim() && super.cancel(mayInterruptIfRunning);
    }
  }

  /** A client error worth another poll after a back-off. */
  private static final class RetryableKafkaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RetryableKafkaException(KafkaException cause) {
      super(cause);
    }
  }
}
