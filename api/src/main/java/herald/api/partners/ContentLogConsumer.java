package herald.api.partners;

import herald.events.ConsumerLoop;
import herald.events.ContentEventCodec;
import herald.events.GroupConsumers;
import herald.events.MalformedEventException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands the api's own content topic, per partition and in offset order, to the sinks inside one
 * PostgreSQL transaction per batch that also advances the stored position of that partition.
 * Positions live in PostgreSQL, not in Kafka, so every record has exactly one effect: a record
 * below the stored position is skipped, one at it is applied with the move. Runs on the shared
 * {@link ConsumerLoop}, which seeks each new partition to its stored position (pausing it while the
 * database cannot say) and retries a batch whose transaction failed.
 */
public final class ContentLogConsumer implements ConsumerLoop.Handler, ConsumerLoop.Positions {

  /** What the consumer does with a batch, inside the transaction that moves the position. */
  public interface Sink {
    Future<Void> apply(SqlConnection conn, List<LoggedEvent> events);
  }

  private static final Logger LOG = LoggerFactory.getLogger(ContentLogConsumer.class);
  private static final long DB_TIMEOUT_MS = 30_000;
  private static final String ENSURE_POSITION =
      "insert into sync_positions (kafka_partition, next_offset) values ($1, 0)"
          + " on conflict do nothing";
  private static final String LOCK_POSITION =
      "select next_offset from sync_positions where kafka_partition = $1 for update";
  private static final String SET_POSITION =
      "update sync_positions set next_offset = $2 where kafka_partition = $1";
  private static final String POSITIONS = "select kafka_partition, next_offset from sync_positions";

  private final Pool pool;
  private final List<Sink> sinks;
  private final Consumer<List<LoggedEvent>> afterCommit;
  private final Counter applied;

  private ContentLogConsumer(
      Pool pool,
      List<Sink> sinks,
      Consumer<List<LoggedEvent>> afterCommit,
      MeterRegistry registry) {
    this.pool = pool;
    this.sinks = List.copyOf(sinks);
    this.afterCommit = afterCommit;
    this.applied =
        Counter.builder("herald.api.partners.events")
            .description("content events read by the partner consumer, by outcome")
            .tag("outcome", "applied")
            .register(registry);
  }

  /** The loop that appends the content topic to the partner log, in the api replicas' group. */
  public static ConsumerLoop loop(
      String bootstrapServers,
      String groupId,
      String topic,
      Pool pool,
      List<Sink> sinks,
      Consumer<List<LoggedEvent>> afterCommit,
      MeterRegistry registry) {
    ContentLogConsumer c = new ContentLogConsumer(pool, sinks, afterCommit, registry);
    // All api replicas share one group, so each partition is appended by one of them at a time.
    // Positions are kept in PostgreSQL with the effects; Kafka's committed offsets are not used.
    return ConsumerLoop.builder(
            "api-partners", GroupConsumers.properties(bootstrapServers, groupId, 500), topic)
        .metrics(registry)
        .positions(c)
        .handler(c)
        .pollTimeout(Duration.ofMillis(200))
        .build();
  }

  @Override
  public void seek(
      org.apache.kafka.clients.consumer.Consumer<String, byte[]> consumer,
      Collection<TopicPartition> partitions)
      throws Exception {
    Map<Integer, Long> stored = positions(pool).await(DB_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    for (TopicPartition tp : partitions) {
      Long next = stored.get(tp.partition());
      if (next == null) {
        consumer.seekToBeginning(List.of(tp));
      } else {
        consumer.seek(tp, next);
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

  /** Appends a batch of one partition and moves its position, in one transaction. */
  @Override
  public void handle(ConsumerLoop.Batch batch) throws Exception {
    int partition = batch.partition().partition();
    List<LoggedEvent> events = new ArrayList<>();
    for (ConsumerRecord<String, byte[]> r : batch.records()) {
      events.add(decode(batch, r));
    }
    long last = events.get(events.size() - 1).offset();
    List<LoggedEvent> fresh = new ArrayList<>();
    // The fresh events that decoded; poison records only move the position on.
    List<LoggedEvent> good = new ArrayList<>();
    pool.withTransaction(
            conn ->
                conn.preparedQuery(ENSURE_POSITION)
                    .execute(Tuple.of(partition))
                    .compose(x -> conn.preparedQuery(LOCK_POSITION).execute(Tuple.of(partition)))
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
                                      .execute(Tuple.of(partition, last + 1))
                                      .<Void>mapEmpty());
                        }))
        .await(DB_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    applied.increment(fresh.size());
    if (!good.isEmpty()) {
      try {
        afterCommit.accept(good);
      } catch (RuntimeException e) {
        LOG.warn("after-commit hook failed", e);
      }
    }
  }

  private static LoggedEvent decode(ConsumerLoop.Batch batch, ConsumerRecord<String, byte[]> r) {
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
      batch.poison(r, e);
      return new LoggedEvent(r.partition(), r.offset(), null, null, null);
    }
  }
}
