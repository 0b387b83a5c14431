package herald.indexer.consumer;

import herald.events.ConsumerLoop;
import herald.events.ContentEventCodec;
import herald.events.MalformedEventException;
import herald.indexer.index.ContentIndex;
import herald.indexer.index.LiveIndex;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies content events to the index on the shared {@link ConsumerLoop}, keeping the offsets in
 * the index's own commits so that documents and positions are always durable together: every
 * partition of the topic is read (each replica holds the whole index), each from the position in
 * the index in service, and the loop commits nothing to Kafka. Between polls it puts a rebuilt
 * index in service, refreshes searches and commits the index in the background.
 *
 * <p>Failures are the loop's: a poison record (or a document Lucene refuses) is logged, counted and
 * passed over, with the position moved past it; anything else holds its partition at the record and
 * retries, with readiness down meanwhile.
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

  /** Lag beyond which the consumer is catching up rather than following the log. */
  static final long CATCH_UP_LAG = 2_000;

  private final LiveIndex live;
  private final ConcurrentLinkedQueue<Swap> swaps = new ConcurrentLinkedQueue<>();
  private final ConsumerLoop loop;
  private final MeterRegistry registry;
  private final Counter applied;
  private final Counter skipped;
  private final AtomicBoolean closed = new AtomicBoolean();

  // The commit under way, if any: only the loop's thread starts and collects commits.
  private final ExecutorService committer =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "herald-indexer-commit");
            t.setDaemon(true);
            return t;
          });
  private CompletableFuture<Map<TopicPartition, OffsetAndMetadata>> pendingCommit;
  private long lastCommitNanos = System.nanoTime();
  private boolean polledRecords;

  public ContentConsumer(
      String bootstrapServers,
      String groupId,
      String topic,
      LiveIndex live,
      MeterRegistry registry) {
    this.live = live;
    this.registry = registry;
    this.applied = events(registry, "applied", "Events applied to the index");
    this.skipped =
        events(registry, "skipped", "Events skipped: the index had that version or newer");
    this.loop =
        ConsumerLoop.builder("indexer", properties(bootstrapServers, groupId), topic)
            .assignAllPartitions()
            .positions((c, parts) -> parts.forEach(tp -> seekToIndexPosition(c, tp)))
            .handler(this::handle)
            .betweenPolls(this::betweenPolls)
            .beforeClose(this::commitQuietly)
            .pollTimeout(POLL_TIMEOUT)
            .metrics(registry)
            .build();
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

  /** Starts polling on the loop's own thread (once; not after close). */
  public synchronized void start() {
    if (!closed.get() && !loop.isAlive()) {
      loop.start();
    }
  }

  /** Whether the consumer holds its partitions and is following the log without failing. */
  public boolean isReady() {
    return !closed.get() && loop.status().ready();
  }

  /** The loop's state, for readiness. */
  public ConsumerLoop.Status status() {
    return loop.status();
  }

  /** Records on the assigned partitions not yet read, as of the last poll. */
  public long lag() {
    return loop.lag();
  }

  /** Whether the consumer has read up to the end of every assigned partition (as of last poll). */
  public boolean caughtUp() {
    return loop.caughtUp();
  }

  /** Events applied to the index by this consumer since it started. */
  public long appliedCount() {
    return (long) applied.count();
  }

  /**
   * Puts {@code next} in service in place of the current index, on the loop's thread between two
   * polls, and resumes every assigned partition from {@code next}'s own positions. Completes with
   * the replaced index, which the caller closes.
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
    if (!loop.isAlive()) {
      // Not consuming (never started or stopped): nothing to reposition.
      runSwaps(null);
    }
    return swap;
  }

  /** Runs the waiting swaps; {@code c} is the loop's client, or null when the loop is not alive. */
  private synchronized void runSwaps(Consumer<String, byte[]> c) {
    for (Swap s = swaps.poll(); s != null; s = swaps.poll()) {
      if (!s.claim()) {
        // Cancelled (the rebuilder stopped waiting): that index is not ours to put in service.
        continue;
      }
      ContentIndex old;
      try {
        commitQuietly(c);
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
        if (c != null) {
          for (TopicPartition tp : c.assignment()) {
            seekToIndexPosition(c, tp);
          }
        }
      } finally {
        // In service whatever happens next: the old index is the caller's to close. A failed seek
        // goes on to the loop like any other failure between polls.
        s.complete(old);
      }
    }
  }

  private void seekToIndexPosition(Consumer<String, byte[]> c, TopicPartition tp) {
    OptionalLong position = live.current().position(tp.topic(), tp.partition());
    if (position.isPresent()) {
      c.seek(tp, position.getAsLong());
    } else {
      c.seekToBeginning(List.of(tp));
    }
  }

  /** Applies a partition's records to the index in service, each advancing its position. */
  private void handle(ConsumerLoop.Batch batch) throws IOException {
    ContentIndex index = live.current();
    polledRecords = true;
    for (ConsumerRecord<String, byte[]> r : batch.records()) {
      try {
        switch (index.apply(ContentEventCodec.fromRecord(r))) {
          case APPLIED -> applied.increment();
          case STALE -> skipped.increment();
        }
      } catch (MalformedEventException | IllegalArgumentException e) {
        // IllegalArgumentException: the document cannot be built (a publish time beyond epoch
        // milliseconds) or Lucene refuses it (an immense term); nothing was written.
        batch.poison(r, e);
      }
      index.advance(r.topic(), r.partition(), r.offset() + 1);
      batch.done(r);
    }
  }

  private void betweenPolls(Consumer<String, byte[]> c) throws IOException {
    if (!swaps.isEmpty()) {
      runSwaps(c);
    }
    ContentIndex index = live.current();
    boolean catchingUp = loop.lag() > CATCH_UP_LAG;
    long sinceRefresh = System.nanoTime() - index.lastRefreshNanos();
    if ((polledRecords && !catchingUp)
        || sinceRefresh >= TimeUnit.MILLISECONDS.toNanos(IDLE_REFRESH_MS)) {
      // Visible to searches now (after every batch); durable at the next commit.
      // NOTE: far behind the log (a start without an index), a refresh per second is enough and
      // much cheaper than one per batch.
      index.refresh();
    }
    polledRecords = false;
    if (System.nanoTime() - lastCommitNanos >= TimeUnit.MILLISECONDS.toNanos(COMMIT_INTERVAL_MS)) {
      commitInBackground(c);
    }
  }

  /** Starts a commit in the background, once the last one is done (its failure is retried). */
  private void commitInBackground(Consumer<String, byte[]> c) throws IOException {
    if (pendingCommit != null && !pendingCommit.isDone()) {
      return;
    }
    finishPendingCommit(c);
    ContentIndex index = live.current();
    Set<TopicPartition> assignment = Set.copyOf(c.assignment());
    lastCommitNanos = System.nanoTime();
    pendingCommit =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return index.commit() ? committedOffsets(index, assignment) : null;
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            },
            committer);
  }

  /** Waits for the commit under way, if any, and reports its offsets to Kafka. */
  private void finishPendingCommit(Consumer<String, byte[]> c) throws IOException {
    if (pendingCommit == null) {
      return;
    }
    CompletableFuture<Map<TopicPartition, OffsetAndMetadata>> done = pendingCommit;
    pendingCommit = null;
    try {
      reportOffsets(c, done.join());
    } catch (CompletionException e) {
      if (e.getCause() instanceof UncheckedIOException io) {
        throw io.getCause();
      }
      throw e;
    }
  }

  /** Commits now, on this thread, after the commit under way. */
  private void commit(Consumer<String, byte[]> c) throws IOException {
    finishPendingCommit(c);
    ContentIndex index = live.current();
    lastCommitNanos = System.nanoTime();
    if (index.commit() && c != null) {
      reportOffsets(c, committedOffsets(index, c.assignment()));
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
  private static void reportOffsets(
      Consumer<String, byte[]> c, Map<TopicPartition, OffsetAndMetadata> offsets) {
    if (c != null && offsets != null && !offsets.isEmpty()) {
      c.commitAsync(
          offsets,
          (done, e) -> {
            if (e != null) {
              LOG.debug("Kafka offset commit (for lag monitoring only) failed: {}", e.toString());
            }
          });
    }
  }

  private void commitQuietly(Consumer<String, byte[]> c) {
    try {
      if (live.current().isOpen()) {
        commit(c);
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("Index commit failed; the index replays from its last commit", e);
    }
  }

  /** Stops polling, commits what was applied and closes the Kafka client. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    loop.close();
    for (Swap s = swaps.poll(); s != null; s = swaps.poll()) {
      if (s.claim()) {
        s.completeExceptionally(new IllegalStateException("the consumer is closed"));
      }
    }
    committer.shutdown();
    registry.remove(applied);
    registry.remove(skipped);
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
}
