package herald.api.partners;

import herald.events.ContentEventCodec;
import herald.events.GroupConsumers;
import herald.events.MalformedEventException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the api's own content topic on a thread of its own and, per partition and in offset order,
 * hands each batch of records to the sinks inside one PostgreSQL transaction that also advances the
 * stored position of that partition. Positions live in PostgreSQL, not in Kafka, so every record
 * has exactly one effect: a record below the stored position is skipped, one at it is applied with
 * the move.
 */
public final class ContentLogConsumer {

  /** What the consumer does with a batch, inside the transaction that moves the position. */
  public interface Sink {
    Future<Void> apply(SqlConnection conn, List<LoggedEvent> events);
  }

  private static final Logger LOG = LoggerFactory.getLogger(ContentLogConsumer.class);
  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration RETRY_PAUSE = Duration.ofSeconds(1);
  private static final long DB_TIMEOUT_MS = 30_000;
  private static final String ENSURE_POSITION =
      "insert into sync_positions (kafka_partition, next_offset) values ($1, 0)"
          + " on conflict do nothing";
  private static final String LOCK_POSITION =
      "select next_offset from sync_positions where kafka_partition = $1 for update";
  private static final String SET_POSITION =
      "update sync_positions set next_offset = $2 where kafka_partition = $1";
  private static final String POSITIONS = "select kafka_partition, next_offset from sync_positions";

  private final Properties properties;
  private final String topic;
  private final Pool pool;
  private final List<Sink> sinks;
  private final Consumer<List<LoggedEvent>> afterCommit;
  private final Counter applied;
  private final Counter poison;
  private volatile boolean stopping;
  private volatile boolean running;
  private volatile KafkaConsumer<String, byte[]> consumer;
  private Thread thread;

  public ContentLogConsumer(
      String bootstrapServers,
      String groupId,
      String topic,
      Pool pool,
      List<Sink> sinks,
      Consumer<List<LoggedEvent>> afterCommit,
      MeterRegistry registry) {
    this.properties = properties(bootstrapServers, groupId);
    this.topic = topic;
    this.pool = pool;
    this.sinks = List.copyOf(sinks);
    this.afterCommit = afterCommit;
    this.applied = counter(registry, "applied");
    this.poison = counter(registry, "poison");
  }

  private static Counter counter(MeterRegistry registry, String outcome) {
    return Counter.builder("herald.api.partners.events")
        .description("content events read by the partner consumer, by outcome")
        .tag("outcome", outcome)
        .register(registry);
  }

  static Properties properties(String bootstrapServers, String groupId) {
    // All api replicas share one group, so each partition is appended by one of them at a time.
    // Positions are kept in PostgreSQL with the effects; Kafka's committed offsets are not used.
    // One transaction per partition batch.
    return GroupConsumers.properties(bootstrapServers, groupId, 500);
  }

  public void start() {
    stopping = false;
    thread = new Thread(this::run, "herald-api-partners-consumer");
    thread.setDaemon(true);
    thread.start();
  }

  /** Whether the consumer thread is polling. */
  public boolean isRunning() {
    return running;
  }

  public void stop(Duration wait) throws InterruptedException {
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
    // A failure that is not a stop (PostgreSQL unreachable while partitions are assigned, a broker
    // error) closes the client and starts over after a pause: positions are in PostgreSQL, so
    // nothing is lost or applied twice.
    while (!stopping) {
      try {
        consume();
      } catch (RuntimeException e) {
        LOG.error("partner consumer failed, restarting in {}", RETRY_PAUSE, e);
        try {
          Thread.sleep(RETRY_PAUSE.toMillis());
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private void consume() {
    KafkaConsumer<String, byte[]> c = null;
    try {
      c = new KafkaConsumer<>(properties);
      consumer = c;
      if (stopping) {
        return;
      }
      KafkaConsumer<String, byte[]> kc = c;
      c.subscribe(
          List.of(topic),
          new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
              seekToStored(kc, partitions);
            }
          });
      running = true;
      while (!stopping) {
        ConsumerRecords<String, byte[]> records = c.poll(POLL);
        for (TopicPartition tp : records.partitions()) {
          List<ConsumerRecord<String, byte[]>> batch = records.records(tp);
          if (!apply(tp.partition(), batch)) {
            // The partition starts again at the batch; its later records wait.
            c.seek(tp, batch.get(0).offset());
            Thread.sleep(RETRY_PAUSE.toMillis());
          }
        }
      }
    } catch (WakeupException e) {
      // stop() woke us up.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopping = true;
    } finally {
      running = false;
      if (c != null) {
        try {
          c.close(CloseOptions.timeout(Duration.ofSeconds(5)));
        } catch (RuntimeException e) {
          LOG.warn("closing the partner consumer failed", e);
        }
      }
    }
  }

  private void seekToStored(KafkaConsumer<String, byte[]> c, Collection<TopicPartition> parts) {
    Map<Integer, Long> stored;
    try {
      stored = positions(pool).await(DB_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("cannot read the partner consumer's positions", e);
    }
    for (TopicPartition tp : parts) {
      Long next = stored.get(tp.partition());
      if (next == null) {
        c.seekToBeginning(List.of(tp));
      } else {
        c.seek(tp, next);
      }
    }
  }

  /** The next offset to read of every partition the consumer has written to. */
  public static Future<Map<Integer, Long>> positions(io.vertx.sqlclient.SqlClient db) {
    return db.query(POSITIONS)
        .execute()
        .map(
            rs -> {
              Map<Integer, Long> out = new java.util.TreeMap<>();
              rs.forEach(r -> out.put(r.getInteger(0), r.getLong(1)));
              return out;
            });
  }

  /** Applies a batch of one partition; false when it should be tried again after a pause. */
  private boolean apply(int partition, List<ConsumerRecord<String, byte[]>> batch) {
    List<LoggedEvent> events = new ArrayList<>();
    for (ConsumerRecord<String, byte[]> r : batch) {
      events.add(decode(r));
    }
    long last = batch.get(batch.size() - 1).offset();
    List<LoggedEvent> fresh = new ArrayList<>();
    // The fresh events that decoded; poison records only move the position on.
    List<LoggedEvent> good = new ArrayList<>();
    try {
      pool.withTransaction(
              conn ->
                  conn.preparedQuery(ENSURE_POSITION)
                      .execute(io.vertx.sqlclient.Tuple.of(partition))
                      .compose(
                          x ->
                              conn.preparedQuery(LOCK_POSITION)
                                  .execute(io.vertx.sqlclient.Tuple.of(partition)))
                      .compose(
                          rs -> {
                            long next = rs.iterator().next().getLong(0);
                            fresh.clear();
                            good.clear();
                            for (LoggedEvent e : events) {
                              if (e.offset() >= next) {
                                fresh.add(e);
                                if (e.event() != null) {
                                  good.add(e);
                                }
                              }
                            }
                            if (fresh.isEmpty()) {
                              return Future.<Void>succeededFuture();
                            }
                            Future<Void> f = Future.succeededFuture();
                            if (!good.isEmpty()) {
                              for (Sink s : sinks) {
                                f = f.compose(v -> s.apply(conn, good));
                              }
                            }
                            return f.compose(
                                v ->
                                    conn.preparedQuery(SET_POSITION)
                                        .execute(io.vertx.sqlclient.Tuple.of(partition, last + 1))
                                        .<Void>mapEmpty());
                          }))
          .await(DB_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      LOG.warn(
          "could not append {} records of {}-{} at {}, retrying: {}",
          batch.size(),
          topic,
          partition,
          batch.get(0).offset(),
          e.toString());
      return false;
    }
    applied.increment(fresh.size());
    if (!good.isEmpty()) {
      try {
        afterCommit.accept(good);
      } catch (RuntimeException e) {
        LOG.warn("after-commit hook failed", e);
      }
    }
    return true;
  }

  private LoggedEvent decode(ConsumerRecord<String, byte[]> r) {
    try {
      var event = ContentEventCodec.fromRecord(r);
      JsonObject data = new JsonObject(new String(r.value(), StandardCharsets.UTF_8));
      String id = ContentEventCodec.header(r.headers(), ContentEventCodec.H_ID);
      return new LoggedEvent(
          r.partition(),
          r.offset(),
          id == null ? r.partition() + "-" + r.offset() : id,
          event,
          data);
    } catch (MalformedEventException | io.vertx.core.json.DecodeException e) {
      poison.increment();
      LOG.error(
          "skipping poison record {}-{}@{}: {}",
          r.topic(),
          r.partition(),
          r.offset(),
          e.getMessage());
      return new LoggedEvent(r.partition(), r.offset(), null, null, null);
    }
  }
}
