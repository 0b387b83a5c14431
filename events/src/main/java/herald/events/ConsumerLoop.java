package herald.events;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one Kafka poll loop of Herald: a {@link KafkaConsumer} on a thread of its own (the client is
 * not thread-safe) that hands the records of each partition, in offset order, to a {@link Handler},
 * at least once.
 *
 * <p>Failures are sorted as in apache/kafka's example consumer:
 *
 * <ul>
 *   <li><b>poison</b>: a record that can never be handled (a {@link MalformedEventException}, or
 *       one the handler reports with {@link Batch#poison}) is logged with its topic, partition and
 *       offset, counted, and passed over;
 *   <li><b>fatal</b>: what no retry and no restart can fix (authentication, authorization, an
 *       invalid topic name, a broker too old) stops the loop and leaves it {@link State#FAILED},
 *       which fails readiness;
 *   <li><b>retriable</b>: everything else. A failing batch puts its partition back at the first
 *       record not yet handled and pauses that partition alone for a back-off (doubling, capped),
 *       while the other partitions go on; a failing poll, commit or hook backs the whole loop off.
 *       The state is {@link State#RETRYING} meanwhile, naming where and why. A broker outage or an
 *       unreachable database is ridden out this way; a bug that fails one record every time keeps
 *       its partition waiting (never skipping it) and shows in readiness until it is fixed.
 * </ul>
 *
 * <p>Positions: by default the group's offsets in Kafka, committed after each poll's batches are
 * handled. With {@link ConsumerLoopBuilder#positions} they live with the effects instead
 * (PostgreSQL, the Lucene commit): newly assigned partitions are paused until the hook has sought
 * them, and the loop commits nothing to Kafka.
 */
public final class ConsumerLoop implements AutoCloseable {

  /** Where the loop is in its life. Only {@link #RUNNING} is ready. */
  public enum State {
    /** Started, not yet joined to its group (or given its partitions). */
    STARTING,
    /** Polling, and every partition it holds is handled. */
    RUNNING,
    /** Backing off after a retriable failure; it goes on by itself. */
    RETRYING,
    /** Stopped on a fatal failure; needs an operator. */
    FAILED,
    /** Closed. */
    STOPPED
  }

  /**
   * What readiness shows of a loop: its state, why (for {@link State#RETRYING} and {@link
   * State#FAILED}), since when, and how many records of its partitions are not read yet.
   */
  public record Status(State state, String detail, Instant since, long lag) {
    /** Whether the loop is doing its job. */
    public boolean ready() {
      return state == State.RUNNING;
    }
  }

  /**
   * Handles the records of one partition from one poll, in offset order; must be idempotent (a
   * record may come again after a failure or a rebalance). Returning normally means every record is
   * done; an exception retries from the first record not marked {@link Batch#done}.
   */
  @FunctionalInterface
  public interface Handler {
    void handle(Batch batch) throws Exception;
  }

  /** Handles one record; {@link MalformedEventException} makes it poison. */
  @FunctionalInterface
  public interface RecordHandler {
    void handle(ConsumerRecord<String, byte[]> record) throws Exception;
  }

  /** Seeks newly assigned partitions to where the service keeps their positions. */
  @FunctionalInterface
  public interface Positions {
    void seek(Consumer<String, byte[]> consumer, Collection<TopicPartition> partitions)
        throws Exception;
  }

  /** Work on the loop's thread with its client (which must not be used elsewhere). */
  @FunctionalInterface
  public interface Hook {
    void run(Consumer<String, byte[]> consumer) throws Exception;
  }

  /** A loop named {@code name} (thread, logs, metrics, readiness) over {@code topic}. */
  public static ConsumerLoopBuilder builder(String name, Properties properties, String topic) {
    return new ConsumerLoopBuilder(name, properties, topic);
  }

  private static final Logger LOG = LoggerFactory.getLogger(ConsumerLoop.class);

  private static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

  private final String name;
  private final Properties properties;
  private final String topic;
  private final Handler handler;
  private final Hook betweenPolls;
  private final Hook beforeClose;
  private final Duration pollTimeout;
  private final ConsumerMetrics metrics;
  private final AtomicLong lag = new AtomicLong();
  private final CountDownLatch stopRequested = new CountDownLatch(1);

  private volatile Status status;
  private volatile boolean lagKnown;
  private volatile KafkaConsumer<String, byte[]> client;
  private Thread thread;

  // Only the loop's thread touches these.
  private final Partitions partitions;
  private final Retries retries = new Retries();
  private final Map<TopicPartition, OffsetAndMetadata> uncommitted = new HashMap<>();
  private final Map<TopicPartition, Long> poisoned = new HashMap<>();

  ConsumerLoop(ConsumerLoopBuilder b) {
    this.name = b.name;
    this.properties = b.properties;
    this.topic = b.topic;
    this.handler = Objects.requireNonNull(b.handler, "handler");
    this.betweenPolls = b.betweenPolls;
    this.beforeClose = b.beforeClose;
    this.pollTimeout = b.pollTimeout;
    this.partitions = new Partitions(name, topic, b.assignAll, b.positions, this::release);
    this.status = new Status(State.STARTING, null, Instant.now(), 0);
    this.metrics = new ConsumerMetrics(b.registry, name, lag::get, () -> status.ready());
  }

  /** Starts the loop's thread (once). */
  public synchronized void start() {
    if (thread != null) {
      throw new IllegalStateException(name + " is already started");
    }
    thread = new Thread(this::run, "herald-" + name);
    thread.setDaemon(true);
    thread.start();
  }

  /** The name given to the builder. */
  public String name() {
    return name;
  }

  /** The loop's state, for readiness. */
  public Status status() {
    return status;
  }

  /** Records of the loop's partitions not read yet, as of the last poll. */
  public long lag() {
    return lag.get();
  }

  /** Whether the loop holds partitions and has read each to its end, as of the last poll. */
  public boolean caughtUp() {
    return partitions.joined() && lagKnown && lag.get() == 0;
  }

  /** Whether the loop's thread runs (started, and neither stopped nor failed). */
  public synchronized boolean isAlive() {
    return thread != null && thread.isAlive();
  }

  /**
   * Stops the loop: wakes a waiting poll or back-off, lets the handler finish its batch, commits
   * what was handled and closes the client. Waits at most {@code wait}; safe to call more than
   * once.
   */
  public void stop(Duration wait) throws InterruptedException {
    // NOTE: the latch is counted down before the wake-up, so the thread sees one or the other.
    stopRequested.countDown();
    KafkaConsumer<String, byte[]> c = client;
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

  /** Stops the loop, waiting as long as it takes, and removes its metrics. */
  @Override
  public void close() {
    try {
      stop(Duration.ofMillis(Long.MAX_VALUE / 2));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    metrics.remove();
  }

  private boolean stopping() {
    return stopRequested.getCount() == 0;
  }

  private void run() {
    KafkaConsumer<String, byte[]> c = null;
    try {
      c = new KafkaConsumer<>(properties);
      client = c;
      if (!stopping()) {
        partitions.start(c);
      }
      LOG.info("{}: consuming {}", name, topic);
      int attempt = 0;
      while (!stopping()) {
        try {
          round(c);
          attempt = 0;
        } catch (WakeupException e) {
          // stop() woke the client up; the loop condition sees why.
        } catch (Exception e) {
          if (Retries.isFatal(e)
              || e instanceof InterruptedException
              || e instanceof InterruptException) {
            throw e;
          }
          // A poll, a commit or a hook failed: the whole loop backs off.
          metrics.failure();
          long delay = Retries.delayMillis(attempt++);
          if (attempt == 1) {
            LOG.warn("{}: {}; retrying in {} ms", name, Retries.describe(e), delay, e);
          } else {
            LOG.warn("{}: {} again; retrying in {} ms", name, Retries.describe(e), delay);
          }
          setStatus(State.RETRYING, Retries.describe(e) + " (attempt " + attempt + ")");
          if (stopRequested.await(delay, TimeUnit.MILLISECONDS)) {
            break;
          }
        }
      }
    } catch (InterruptedException | InterruptException e) {
      Thread.currentThread().interrupt();
    } catch (Throwable t) {
      setStatus(State.FAILED, Retries.describe(t));
      LOG.error("{}: stopped on a fatal failure; readiness fails until it is fixed", name, t);
    } finally {
      closeClient(c);
      if (status.state() != State.FAILED) {
        setStatus(State.STOPPED, null);
      }
    }
  }

  /** One poll and its batches, then the work between polls. */
  private void round(KafkaConsumer<String, byte[]> c) throws Exception {
    partitions.prepare();
    List<TopicPartition> due = retries.dueToResume();
    if (!due.isEmpty()) {
      c.resume(due);
    }
    ConsumerRecords<String, byte[]> records;
    try {
      records = c.poll(Duration.ofNanos(retries.nanosUntilNext(pollTimeout.toNanos())));
    } catch (RecordDeserializationException e) {
      poison(e.topicPartition().topic(), e.topicPartition().partition(), e.offset(), e);
      c.seek(e.topicPartition(), e.offset() + 1);
      return;
    }
    for (TopicPartition tp : records.partitions()) {
      handle(c, tp, records.records(tp));
    }
    commit(c);
    updateLag(c);
    if (betweenPolls != null) {
      betweenPolls.run(c);
    }
    if (!partitions.joined()) {
      setStatus(State.STARTING, null);
    } else if (retries.isEmpty()) {
      setStatus(State.RUNNING, null);
    } else {
      setStatus(State.RETRYING, retries.detail());
    }
  }

  /** Hands one partition's records to the handler; on failure, that partition alone waits. */
  private void handle(
      KafkaConsumer<String, byte[]> c, TopicPartition tp, List<ConsumerRecord<String, byte[]>> rs)
      throws Exception {
    Batch batch = new Batch(tp, rs);
    try {
      handler.handle(batch);
    } catch (Exception e) {
      if (Retries.isFatal(e) || e instanceof InterruptedException) {
        throw e;
      }
      long resume = batch.next;
      if (resume > rs.get(0).offset()) {
        uncommitted.put(tp, new OffsetAndMetadata(resume));
      }
      // NOTE: the partition goes back to its first unhandled record and pauses; records of other
      // partitions in this poll are still handled, and they keep being polled meanwhile.
      c.seek(tp, resume);
      c.pause(List.of(tp));
      String where = tp.topic() + "-" + tp.partition() + "@" + resume;
      metrics.failure();
      boolean again = retries.failedBefore(tp);
      long delay = retries.failed(tp, where, e);
      if (again) {
        LOG.warn(
            "{}: {} failed again ({}); retrying in {} ms", name, where, Retries.describe(e), delay);
      } else {
        LOG.warn("{}: {} failed; retrying in {} ms", name, where, delay, e);
      }
      return;
    }
    retries.succeeded(tp);
    uncommitted.put(tp, new OffsetAndMetadata(rs.get(rs.size() - 1).offset() + 1));
  }

  /** Forgets partitions the loop no longer holds, committing first when it still may. */
  private void release(Collection<TopicPartition> parts, boolean handOver) {
    if (handOver) {
      try {
        commit(client);
      } catch (RuntimeException e) {
        LOG.info("{}: could not commit before a rebalance: {}", name, Retries.describe(e));
      }
    }
    retries.forget(parts);
    parts.forEach(uncommitted::remove);
  }

  /** Commits the handled positions to Kafka, unless they live elsewhere. */
  private void commit(Consumer<String, byte[]> c) {
    if (partitions.ownPositions()) {
      uncommitted.clear();
      return;
    }
    if (uncommitted.isEmpty()) {
      return;
    }
    try {
      c.commitSync(uncommitted, COMMIT_TIMEOUT);
      uncommitted.clear();
    } catch (CommitFailedException | RebalanceInProgressException e) {
      // The partitions moved to another member, which handles these records again: harmless, as
      // handlers are idempotent.
      LOG.info("{}: offset commit lost to a rebalance: {}", name, e.getMessage());
      uncommitted.clear();
    }
    // Anything else (a timeout while the broker is away) keeps the offsets for the next round.
  }

  private void updateLag(Consumer<String, byte[]> c) {
    long total = 0;
    boolean known = true;
    for (TopicPartition tp : c.assignment()) {
      OptionalLong l = c.currentLag(tp);
      known &= l.isPresent();
      total += l.orElse(0);
    }
    lag.set(total);
    lagKnown = known;
  }

  private void closeClient(KafkaConsumer<String, byte[]> c) {
    if (c == null) {
      return;
    }
    try {
      if (beforeClose != null) {
        beforeClose.run(c);
      }
      if (!partitions.ownPositions() && !uncommitted.isEmpty()) {
        c.commitSync(uncommitted, COMMIT_TIMEOUT);
      }
    } catch (Exception e) {
      LOG.warn("{}: last commit before closing failed: {}", name, Retries.describe(e));
    }
    try {
      c.close(CloseOptions.timeout(CLOSE_TIMEOUT));
    } catch (RuntimeException e) {
      LOG.warn("{}: closing the Kafka client failed", name, e);
    }
    LOG.info("{}: stopped", name);
  }

  private void poison(String topic, int partition, long offset, Exception why) {
    metrics.poison();
    LOG.error(
        "{}: skipping poison record topic={} partition={} offset={}: {}",
        name,
        topic,
        partition,
        offset,
        why.getMessage());
  }

  private void setStatus(State state, String detail) {
    Status s = status;
    if (s.state() == state && Objects.equals(s.detail(), detail) && s.lag() == lag.get()) {
      return;
    }
    Instant since = s.state() == state ? s.since() : Instant.now();
    status = new Status(state, detail, since, lag.get());
    if (s.state() != state) {
      LOG.info("{}: {} → {}", name, s.state(), state);
    }
  }

  /** The records of one partition from one poll, and how far handling got. */
  public final class Batch {
    private final TopicPartition partition;
    private final List<ConsumerRecord<String, byte[]>> records;
    private long next;

    private Batch(TopicPartition partition, List<ConsumerRecord<String, byte[]>> records) {
      this.partition = partition;
      this.records = records;
      this.next = records.get(0).offset();
    }

    /** The partition the records come from. */
    public TopicPartition partition() {
      return partition;
    }

    /** The records, in offset order (never empty). */
    public List<ConsumerRecord<String, byte[]>> records() {
      return records;
    }

    /** Marks the record and those before it handled: a failure after this retries later ones. */
    public void done(ConsumerRecord<String, byte[]> record) {
      next = record.offset() + 1;
    }

    /**
     * Logs and counts a record that can never be handled, which the handler passes over (once,
     * however often its batch is tried). It is not marked {@link #done}: a batch applied in one
     * transaction starts again at its first record when it fails.
     */
    public void poison(ConsumerRecord<String, byte[]> record, Exception why) {
      Long logged = poisoned.get(partition);
      if (logged == null || record.offset() > logged) {
        poisoned.put(partition, record.offset());
        ConsumerLoop.this.poison(record.topic(), record.partition(), record.offset(), why);
      }
    }
  }
}
