package herald.indexer.admin;

import herald.events.ContentEvent;
import herald.events.ContentEventCodec;
import herald.events.MalformedEventException;
import herald.indexer.consumer.ContentConsumer;
import herald.indexer.index.ContentIndex;
import herald.indexer.index.IndexStore;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a fresh index from the Kafka log alone, in a new folder, while the index in service keeps
 * serving and following the log; when the new one has read up to the end of the log it is
 * committed, handed to the {@link ContentConsumer} (which swaps it in between two polls and follows
 * the log from the new index's own positions), and named current. One rebuild at a time.
 */
public final class IndexRebuilder implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(IndexRebuilder.class);
  private static final Duration POLL_TIMEOUT = Duration.ofMillis(200);
  private static final long SWAP_TIMEOUT_SECONDS = 60;

  /** Analysis threads of a rebuild: one per core. */
  private static final int THREADS = Math.max(1, Runtime.getRuntime().availableProcessors());

  /** Close enough to the end of the log to swap: the live consumer reads the rest in one poll. */
  private static final long SWAP_LAG = 500;

  /** Where a rebuild is. */
  public enum State {
    RUNNING,
    /** Read up to the end of the log; its segments are merged into one before the swap. */
    MERGING,
    SWAPPING,
    DONE,
    FAILED,
    CANCELLED
  }

  /**
   * Progress of the last rebuild.
   *
   * @param eventsRead records read from the log
   * @param applied events applied to the new index (not stale, not poison); shown as {@code
   *     documentsIndexed} by {@code GET /v1/admin/index}
   * @param lag records left to read, -1 before it is known
   */
  public record Status(
      State state,
      Instant startedAt,
      Optional<Instant> finishedAt,
      long eventsRead,
      long applied,
      long lag,
      String directory,
      Optional<String> error) {}

  private final String bootstrapServers;
  private final String topic;
  private final IndexStore store;
  private final ContentConsumer live;
  private final AtomicReference<Status> status = new AtomicReference<>();
  private volatile Thread thread;
  private volatile boolean closing;
  private volatile KafkaConsumer<String, byte[]> reader;
  private volatile ExecutorService workers;
  private volatile Runnable after = () -> {};

  public IndexRebuilder(
      String bootstrapServers, String topic, IndexStore store, ContentConsumer live) {
    this.bootstrapServers = bootstrapServers;
    this.topic = topic;
    this.store = store;
    this.live = live;
  }

  /** The last rebuild's progress, if one was started. */
  public Optional<Status> status() {
    return Optional.ofNullable(status.get());
  }

  /** Whether a rebuild is under way. */
  public boolean isRunning() {
    Status s = status.get();
    return s != null
        && (s.state() == State.RUNNING
            || s.state() == State.MERGING
            || s.state() == State.SWAPPING);
  }

  /**
   * Starts a rebuild on its own thread.
   *
   * @return its first status, or empty when one is already running
   */
  public synchronized Optional<Status> start() {
    return start(() -> {});
  }

  /**
   * Starts a rebuild that runs {@code after} once it is over, swapped or not (on start without an
   * index, the live consumer starts then).
   */
  public synchronized Optional<Status> start(Runnable after) {
    if (isRunning() || closing) {
      return Optional.empty();
    }
    this.after = after;
    Status first =
        new Status(State.RUNNING, Instant.now(), Optional.empty(), 0, 0, -1, "", Optional.empty());
    status.set(first);
    thread = new Thread(this::run, "herald-indexer-rebuild");
    thread.start();
    return Optional.of(first);
  }

  private void run() {
    Instant started = status.get().startedAt();
    Path dir = null;
    ContentIndex next = null;
    long read = 0;
    long applied = 0;
    long lag = -1;
    ExecutorService workers =
        Executors.newFixedThreadPool(
            THREADS,
            r -> {
              Thread t = new Thread(r, "herald-indexer-rebuild-worker");
              t.setDaemon(true);
              return t;
            });
    this.workers = workers;
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(properties())) {
      reader = consumer;
      dir = store.newGeneration();
      next = ContentIndex.create(dir);
      List<TopicPartition> partitions = partitions(consumer);
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> target = consumer.endOffsets(partitions);
      LOG.info("Rebuilding the index into {} from {} up to {}", dir, partitions, target);
      boolean retargeted = false;
      while (!closing) {
        ConsumerRecords<String, byte[]> records;
        try {
          records = consumer.poll(POLL_TIMEOUT);
        } catch (RecordDeserializationException e) {
          // Cannot happen with byte[] values; skip the record like the live consumer does.
          next.advance(e.topicPartition().topic(), e.topicPartition().partition(), e.offset() + 1);
          consumer.seek(e.topicPartition(), e.offset() + 1);
          continue;
        }
        applied += applyInParallel(next, records);
        for (ConsumerRecord<String, byte[]> r : records) {
          read++;
          next.advance(r.topic(), r.partition(), r.offset() + 1);
        }
        lag = lag(consumer, target);
        publish(State.RUNNING, started, read, applied, lag, dir, null);
        if (lag == 0) {
          // Where the log ends now; once close to it, the live consumer can take over.
          target = consumer.endOffsets(partitions);
          lag = lag(consumer, target);
          if (lag <= SWAP_LAG || retargeted) {
            break;
          }
          retargeted = true;
        }
      }
      if (closing) {
        throw new InterruptedException("the indexer is stopping");
      }
      // The last segment of the load is flushed as the others were (not packed into a compound
      // file), all are merged into one, then live settings apply.
      publish(State.MERGING, started, read, applied, lag, dir, null);
      next.refresh();
      next.finishBulkLoad();
      if (closing) {
        throw new InterruptedException("the indexer is stopping");
      }
      next.commit();
      publish(State.SWAPPING, started, read, applied, lag, dir, null);
      // Ownership of `next` (see ContentConsumer.swapTo): ours while the swap is unclaimed or
      // failed, the service's once it succeeded. Below, the failure path closes and deletes `next`
      // unless it is set to null first.
      CompletableFuture<ContentIndex> swap = live.swapTo(next);
      ContentIndex old;
      try {
        old = swap.get(SWAP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      } catch (TimeoutException | InterruptedException e) {
        if (swap.cancel(false)) {
          // The consumer never ran it and never will: ours to close and delete.
          throw e;
        }
        // The consumer claimed the swap meanwhile: its answer comes shortly.
        try {
          old = swap.get(SWAP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException | InterruptedException stillUnknown) {
          // It may be in service by now: neither closed nor deleted here (a later rebuild or
          // start cleans up a folder that is not current).
          next = null;
          throw stillUnknown;
        }
      }
      ContentIndex swapped = next;
      next = null;
      store.makeCurrent(dir);
      IndexStore.closeQuietly(old);
      store.deleteAllBut(dir);
      LOG.info(
          "Index rebuilt: {} events read, {} applied, {} documents, in {} ms; now serving {}",
          read,
          applied,
          swapped.documentCount(),
          Duration.between(started, Instant.now()).toMillis(),
          dir);
      publish(State.DONE, started, read, applied, 0, dir, null);
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      boolean cancelled = closing || e instanceof WakeupException;
      if (!cancelled) {
        LOG.error("Index rebuild failed; the index in service is unchanged", e);
      }
      IndexStore.closeQuietly(next);
      if (next != null && dir != null) {
        IndexStore.deleteTree(dir);
      }
      publish(
          cancelled ? State.CANCELLED : State.FAILED,
          started,
          read,
          applied,
          lag,
          dir,
          e.toString());
    } finally {
      reader = null;
      workers.shutdownNow();
      try {
        if (!closing) {
          after.run();
        }
      } catch (RuntimeException e) {
        LOG.error("After the rebuild", e);
      }
    }
  }

  /**
   * Applies a batch on all cores: records are sharded by key (entry id), so each entry's events
   * stay in log order on one thread, and different entries are analyzed side by side.
   */
  private long applyInParallel(ContentIndex index, ConsumerRecords<String, byte[]> records)
      throws Exception {
    if (records.isEmpty()) {
      return 0;
    }
    List<List<ConsumerRecord<String, byte[]>>> shards = new ArrayList<>();
    for (int i = 0; i < THREADS; i++) {
      shards.add(new ArrayList<>());
    }
    for (ConsumerRecord<String, byte[]> r : records) {
      int shard = r.key() == null ? 0 : Math.floorMod(r.key().hashCode(), THREADS);
      shards.get(shard).add(r);
    }
    List<Future<Long>> done = new ArrayList<>();
    for (List<ConsumerRecord<String, byte[]>> shard : shards) {
      done.add(
          workers.submit(
              () -> {
                long n = 0;
                for (ConsumerRecord<String, byte[]> r : shard) {
                  if (apply(index, r)) {
                    n++;
                  }
                }
                return n;
              }));
    }
    long applied = 0;
    for (Future<Long> f : done) {
      try {
        applied += f.get();
      } catch (ExecutionException e) {
        throw e.getCause() instanceof Exception cause ? cause : e;
      }
    }
    return applied;
  }

  private boolean apply(ContentIndex index, ConsumerRecord<String, byte[]> r) throws IOException {
    try {
      ContentEvent event = ContentEventCodec.fromRecord(r);
      return index.applyConcurrently(event) == ContentIndex.Outcome.APPLIED;
    } catch (MalformedEventException | IllegalArgumentException e) {
      // The live consumer logged and counted it already when it met it.
      LOG.debug("Rebuild skips poison record {}-{}@{}", r.topic(), r.partition(), r.offset());
      return false;
    }
  }

  private void publish(
      State state, Instant started, long read, long applied, long lag, Path dir, String error) {
    status.set(
        new Status(
            state,
            started,
            state == State.RUNNING || state == State.MERGING || state == State.SWAPPING
                ? Optional.empty()
                : Optional.of(Instant.now()),
            read,
            applied,
            lag,
            dir == null ? "" : dir.getFileName().toString(),
            Optional.ofNullable(error)));
  }

  private List<TopicPartition> partitions(KafkaConsumer<String, byte[]> consumer) {
    List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
    if (infos == null || infos.isEmpty()) {
      throw new IllegalStateException("topic " + topic + " has no partitions");
    }
    return infos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
  }

  private static long lag(KafkaConsumer<String, byte[]> consumer, Map<TopicPartition, Long> end) {
    long total = 0;
    Map<TopicPartition, Long> positions = new HashMap<>();
    for (TopicPartition tp : end.keySet()) {
      positions.put(tp, consumer.position(tp));
    }
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      total += Math.max(0, e.getValue() - positions.get(e.getKey()));
    }
    return total;
  }

  private Properties properties() {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    // No group: partitions are assigned by hand, and the live consumer's group is left alone.
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    // Never index what an aborted producer transaction wrote.
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    // Throughput over latency: big batches, big fetches.
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 * 1024 * 1024);
    p.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 64 * 1024);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "herald-indexer-rebuild");
    return p;
  }

  /** Stops a running rebuild and waits for it; the index in service is unchanged. */
  @Override
  public void close() {
    closing = true;
    KafkaConsumer<String, byte[]> r = reader;
    if (r != null) {
      r.wakeup();
    }
    Thread t = thread;
    if (t != null) {
      try {
        // A swap may be waited for twice (see run()).
        t.join(TimeUnit.SECONDS.toMillis(2 * SWAP_TIMEOUT_SECONDS + 10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
