package herald.events;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
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
 * handled. With {@link Builder#positions} they live with the effects instead (PostgreSQL, the
 * Lucene commit): newly assigned partitions are paused until the hook has sought them, and the loop
 * commits nothing to Kafka.
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

  /** A handler that handles record by record, each one done as soon as it returns. */
  public static Handler eachRecord(RecordHandler handler) {
    return batch -> {
      for (ConsumerRecord<String, byte[]> r : batch.records()) {
        try {
          handler.handle(r);
        } catch (MalformedEventException e) {
          batch.poison(r, e);
          continue;
        }
        batch.done(r);
      }
    };
  }

  /** A loop named {@code name} (thread, logs, metrics, readiness) over {@code topic}. */
  public static Builder builder(String name, Properties properties, String topic) {
    return new Builder(name, properties, topic);
  }

  private static final Logger LOG = LoggerFactory.getLogger(ConsumerLoop.class);

  static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
  static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
  private static final Duration DEFAULT_POLL = Duration.ofMillis(500);
  private static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration PARTITIONS_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
  private static final long PARTITION_CHECK_NANOS = TimeUnit.SECONDS.toNanos(60);

  private final String name;
  private final Properties properties;
  private final String topic;
  private final Handler handler;
  private final boolean assignAll;
  private final Positions positions;
  private final Hook betweenPolls;
  private final Hook beforeClose;
  private final Duration pollTimeout;
  private final MeterRegistry registry;
  private final Counter poisonCount;
  private final Counter failureCount;
  private final List<Meter> meters;
  private final AtomicLong lag = new AtomicLong();
  private final CountDownLatch stopRequested = new CountDownLatch(1);

  private volatile Status status;
  private volatile boolean lagKnown;
  private volatile KafkaConsumer<String, byte[]> client;
  private Thread thread;

  // Only the loop's thread touches these.
  private final Map<TopicPartition, Retry> retries = new HashMap<>();
  private final Set<TopicPartition> unpositioned = new HashSet<>();
  private final Map<TopicPartition, OffsetAndMetadata> uncommitted = new HashMap<>();
  private Retry positioning;
  private boolean joined;
  private long lastPartitionCheck;

  private ConsumerLoop(Builder b) {
    this.name = b.name;
    this.properties = b.properties;
    this.topic = b.topic;
    this.handler = Objects.requireNonNull(b.handler, "handler");
    this.assignAll = b.assignAll;
    this.positions = b.positions;
    this.betweenPolls = b.betweenPolls;
    this.beforeClose = b.beforeClose;
    this.pollTimeout = b.pollTimeout;
    this.registry = b.registry;
    this.status = new Status(State.STARTING, null, Instant.now(), 0);
    if (registry == null) {
      poisonCount = null;
      failureCount = null;
      meters = List.of();
    } else {
      poisonCount =
          Counter.builder("herald.consumer.poison")
              .description("Records passed over because they can never be handled")
              .tag("consumer", name)
              .register(registry);
      failureCount =
          Counter.builder("herald.consumer.failures")
              .description("Retriable failures the consumer backed off from")
              .tag("consumer", name)
              .register(registry);
      meters =
          List.of(
              poisonCount,
              failureCount,
              Gauge.builder("herald.consumer.lag", lag, AtomicLong::get)
                  .description("Records of the consumer's partitions not read yet")
                  .tag("consumer", name)
                  .register(registry),
              Gauge.builder("herald.consumer.ready", this, l -> l.status.ready() ? 1 : 0)
                  .description("1 while the consumer is running, else 0 (see /health/ready)")
                  .tag("consumer", name)
                  .register(registry));
    }
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
    return joined && lagKnown && lag.get() == 0;
  }

  /** Whether the loop's thread runs (started, and neither stopped nor failed). */
  public synchronized boolean isAlive() {
    return thread != null && thread.isAlive();
  }

  /** Whether the caller is the loop's own thread, where hooks run. */
  public synchronized boolean onLoopThread() {
    return Thread.currentThread() == thread;
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
    if (registry != null) {
      meters.forEach(registry::remove);
    }
  }

  private boolean stopping() {
    return stopRequested.getCount() == 0;
  }

  private void run() {
    KafkaConsumer<String, byte[]> c = null;
    try {
      c = new KafkaConsumer<>(properties);
      client = c;
      if (!stopping() && !assignAll) {
        c.subscribe(List.of(topic), new Rebalance(c));
      }
      LOG.info("{}: consuming {}", name, topic);
      long backoff = FIRST_BACKOFF.toMillis();
      while (!stopping()) {
        try {
          round(c);
          backoff = FIRST_BACKOFF.toMillis();
        } catch (WakeupException e) {
          // stop() woke the client up; the loop condition sees why.
        } catch (Exception e) {
          if (isFatal(e) || e instanceof InterruptedException || e instanceof InterruptException) {
            throw e;
          }
          failed();
          setStatus(State.RETRYING, describe(e) + " (retrying in " + backoff + " ms)");
          if (backoff == FIRST_BACKOFF.toMillis()) {
            LOG.warn("{}: {}; retrying in {} ms", name, describe(e), backoff, e);
          } else {
            LOG.warn("{}: {} again; retrying in {} ms", name, describe(e), backoff);
          }
          if (stopRequested.await(backoff, TimeUnit.MILLISECONDS)) {
            break;
          }
          backoff = Math.min(backoff * 2, MAX_BACKOFF.toMillis());
        }
      }
    } catch (InterruptedException | InterruptException e) {
      Thread.currentThread().interrupt();
    } catch (Throwable t) {
      setStatus(State.FAILED, describe(t));
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
    if (assignAll && (!joined || System.nanoTime() - lastPartitionCheck >= PARTITION_CHECK_NANOS)) {
      assignPartitions(c);
    }
    seekUnpositioned(c);
    resumeDue(c);
    ConsumerRecords<String, byte[]> records;
    try {
      records = c.poll(pollWait());
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
    if (!joined) {
      setStatus(State.STARTING, null);
    } else if (retries.isEmpty() && positioning == null) {
      setStatus(State.RUNNING, null);
    } else {
      setStatus(State.RETRYING, retryDetail());
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
      if (isFatal(e) || e instanceof InterruptedException) {
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
      Retry previous = retries.get(tp);
      int attempt = previous == null ? 0 : previous.attempt + 1;
      long delay = backoffMillis(attempt);
      String where = tp.topic() + "-" + tp.partition() + "@" + resume;
      Retry retry = new Retry(attempt, System.nanoTime() + delay * 1_000_000, where, e);
      retries.put(tp, retry);
      failed();
      if (previous == null) {
        LOG.warn("{}: handling {} failed; retrying in {} ms", name, where, delay, e);
      } else {
        LOG.warn(
            "{}: handling {} failed again ({}); retrying in {} ms",
            name,
            where,
            describe(e),
            delay);
      }
      return;
    }
    retries.remove(tp);
    uncommitted.put(tp, new OffsetAndMetadata(rs.get(rs.size() - 1).offset() + 1));
  }

  private void resumeDue(KafkaConsumer<String, byte[]> c) {
    long now = System.nanoTime();
    for (Map.Entry<TopicPartition, Retry> e : retries.entrySet()) {
      Retry r = e.getValue();
      if (r.paused && now - r.dueNanos >= 0) {
        r.paused = false;
        c.resume(List.of(e.getKey()));
      }
    }
  }

  /** The poll's wait: no longer than until the next paused partition is due again. */
  private Duration pollWait() {
    long wait = pollTimeout.toNanos();
    long now = System.nanoTime();
    for (Retry r : retries.values()) {
      if (r.paused) {
        wait = Math.min(wait, Math.max(0, r.dueNanos - now));
      }
    }
    if (positioning != null) {
      wait = Math.min(wait, Math.max(0, positioning.dueNanos - now));
    }
    return Duration.ofNanos(wait);
  }

  /** Lets the positions hook seek paused new partitions, then resumes them. */
  private void seekUnpositioned(KafkaConsumer<String, byte[]> c) throws Exception {
    if (unpositioned.isEmpty()
        || positioning != null && System.nanoTime() - positioning.dueNanos < 0) {
      return;
    }
    List<TopicPartition> parts = List.copyOf(unpositioned);
    try {
      positions.seek(c, parts);
    } catch (Exception e) {
      if (isFatal(e)) {
        throw e;
      }
      int attempt = positioning == null ? 0 : positioning.attempt + 1;
      long delay = backoffMillis(attempt);
      positioning =
          new Retry(attempt, System.nanoTime() + delay * 1_000_000, "positions of " + parts, e);
      failed();
      LOG.warn("{}: cannot find the positions of {}; retrying in {} ms", name, parts, delay, e);
      return;
    }
    positioning = null;
    unpositioned.clear();
    c.resume(parts);
  }

  /** Reads every partition of the topic (assign mode); partitions added later join too. */
  private void assignPartitions(KafkaConsumer<String, byte[]> c) {
    Set<TopicPartition> all = new HashSet<>();
    c.partitionsFor(topic, PARTITIONS_TIMEOUT)
        .forEach(p -> all.add(new TopicPartition(p.topic(), p.partition())));
    lastPartitionCheck = System.nanoTime();
    Set<TopicPartition> current = c.assignment();
    if (all.isEmpty()) {
      throw new org.apache.kafka.common.errors.UnknownTopicOrPartitionException(
          "topic " + topic + " has no partitions yet");
    }
    if (!current.containsAll(all)) {
      Set<TopicPartition> added = new HashSet<>(all);
      added.removeAll(current);
      c.assign(all);
      LOG.info("{}: assigned {}", name, all);
      assigned(c, added);
    }
    joined = true;
  }

  /** New partitions wait, paused, until the positions hook has sought them. */
  private void assigned(Consumer<String, byte[]> c, Collection<TopicPartition> parts) {
    if (positions != null && !parts.isEmpty()) {
      c.pause(parts);
      unpositioned.addAll(parts);
      positioning = null;
    }
  }

  private void forget(Collection<TopicPartition> parts) {
    parts.forEach(retries::remove);
    parts.forEach(uncommitted::remove);
    unpositioned.removeAll(parts);
    if (unpositioned.isEmpty()) {
      positioning = null;
    }
  }

  /** Commits the handled positions to Kafka, unless they live elsewhere. */
  private void commit(Consumer<String, byte[]> c) {
    if (positions != null) {
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
      if (positions == null && !uncommitted.isEmpty()) {
        c.commitSync(uncommitted, COMMIT_TIMEOUT);
      }
    } catch (Exception e) {
      LOG.warn("{}: last commit before closing failed: {}", name, describe(e));
    }
    try {
      c.close(CloseOptions.timeout(CLOSE_TIMEOUT));
    } catch (RuntimeException e) {
      LOG.warn("{}: closing the Kafka client failed", name, e);
    }
    LOG.info("{}: stopped", name);
  }

  private void poison(String topic, int partition, long offset, Exception why) {
    if (poisonCount != null) {
      poisonCount.increment();
    }
    LOG.error(
        "{}: skipping poison record topic={} partition={} offset={}: {}",
        name,
        topic,
        partition,
        offset,
        why.getMessage());
  }

  private void failed() {
    if (failureCount != null) {
      failureCount.increment();
    }
  }

  private String retryDetail() {
    Retry first = positioning;
    for (Retry r : retries.values()) {
      if (first == null || r.dueNanos < first.dueNanos) {
        first = r;
      }
    }
    return first.where + ": " + describe(first.cause) + " (attempt " + (first.attempt + 1) + ")";
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

  /** The back-off before attempt {@code attempt + 1}: doubling from 100 ms, at most 5 s. */
  static long backoffMillis(int attempt) {
    long ms = FIRST_BACKOFF.toMillis() << Math.min(attempt, 20);
    return Math.min(ms, MAX_BACKOFF.toMillis());
  }

  /**
   * Whether the failure is one that neither a retry nor a restart fixes, so that the loop stops and
   * readiness says so: the cluster refuses us, or the topic name is invalid.
   */
  static boolean isFatal(Throwable failure) {
    Set<Throwable> seen = new HashSet<>();
    for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
      if (t instanceof AuthenticationException
          || t instanceof AuthorizationException
          || t instanceof UnsupportedVersionException
          || t instanceof InvalidTopicException) {
        return true;
      }
    }
    return false;
  }

  private static String describe(Throwable t) {
    String m = t.getMessage();
    return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
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

    /** Logs and counts a record that can never be handled, and marks it done. */
    public void poison(ConsumerRecord<String, byte[]> record, Exception why) {
      ConsumerLoop.this.poison(record.topic(), record.partition(), record.offset(), why);
      done(record);
    }
  }

  /** A partition (or the positions hook) waiting to try again. */
  private static final class Retry {
    final int attempt;
    final long dueNanos;
    final String where;
    final Exception cause;
    boolean paused = true;

    Retry(int attempt, long dueNanos, String where, Exception cause) {
      this.attempt = attempt;
      this.dueNanos = dueNanos;
      this.where = where;
      this.cause = cause;
    }
  }

  /** Group membership changes, on the loop's thread inside {@code poll}. */
  private final class Rebalance implements ConsumerRebalanceListener {
    private final Consumer<String, byte[]> consumer;

    Rebalance(Consumer<String, byte[]> consumer) {
      this.consumer = consumer;
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> parts) {
      // Hand over what was handled, so that the next owner does not do it again.
      try {
        commit(consumer);
      } catch (RuntimeException e) {
        LOG.info("{}: could not commit before a rebalance: {}", name, describe(e));
      }
      forget(parts);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> parts) {
      // Already someone else's: nothing to commit.
      forget(parts);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> parts) {
      // Called after every rebalance, even with nothing new: the member is in the group.
      joined = true;
      assigned(consumer, parts);
    }
  }

  /** How to build a {@link ConsumerLoop}. */
  public static final class Builder {
    private final String name;
    private final Properties properties;
    private final String topic;
    private Handler handler;
    private boolean assignAll;
    private Positions positions;
    private Hook betweenPolls;
    private Hook beforeClose;
    private Duration pollTimeout = DEFAULT_POLL;
    private MeterRegistry registry;

    private Builder(String name, Properties properties, String topic) {
      this.name = name;
      this.properties = properties;
      this.topic = topic;
    }

    /** What to do with each partition's records. */
    public Builder handler(Handler handler) {
      this.handler = handler;
      return this;
    }

    /** What to do with each record, one at a time (see {@link #eachRecord}). */
    public Builder eachRecord(RecordHandler handler) {
      return handler(ConsumerLoop.eachRecord(handler));
    }

    /**
     * Reads every partition of the topic rather than sharing them in the group (each replica of the
     * indexer holds the whole index); partitions added later are picked up within a minute.
     */
    public Builder assignAllPartitions() {
      this.assignAll = true;
      return this;
    }

    /** Positions live with the effects: the hook seeks each newly assigned partition. */
    public Builder positions(Positions positions) {
      this.positions = positions;
      return this;
    }

    /** Work after each poll's batches, on the loop's thread (a failure backs the loop off). */
    public Builder betweenPolls(Hook hook) {
      this.betweenPolls = hook;
      return this;
    }

    /** Work before the client closes, on the loop's thread (a last commit). */
    public Builder beforeClose(Hook hook) {
      this.beforeClose = hook;
      return this;
    }

    /** How long a poll waits for records (default 500 ms); shorter for frequent between-polls. */
    public Builder pollTimeout(Duration timeout) {
      this.pollTimeout = timeout;
      return this;
    }

    /** Where the loop's metrics go: poison, failures, lag and ready, tagged with its name. */
    public Builder metrics(MeterRegistry registry) {
      this.registry = registry;
      return this;
    }

    public ConsumerLoop build() {
      return new ConsumerLoop(this);
    }
  }
}
