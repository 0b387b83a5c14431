package herald.publisher.delivery;

import herald.events.DeliveryEventCodec;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the status outbox to Kafka in a loop on a virtual thread of {@link DeliveryVerticle}'s
 * context: takes the oldest rows (locked, so that another publisher takes others), sends them and
 * waits for the broker's acks, then deletes them in the same transaction. A crash between the send
 * and the commit sends them again, which readers ignore by the per-delivery sequence.
 */
public final class StatusRelay {

  private static final Logger LOG = LoggerFactory.getLogger(StatusRelay.class);
  private static final int BATCH = 200;
  private static final Duration POLL = Duration.ofMillis(500);
  private static final Duration ERROR_PAUSE = Duration.ofSeconds(1);

  private final Vertx vertx;
  private final Pool pool;
  private final StatusOutbox outbox;
  private final Producer<String, byte[]> producer;
  private final String topic;
  private final Duration timeout;
  private final Counter sent;
  private final Wakeups wakeups;
  private final Promise<Void> done = Promise.promise();
  private volatile boolean stopping;
  private volatile boolean healthy = true;

  public StatusRelay(
      Vertx vertx,
      Pool pool,
      StatusOutbox outbox,
      String bootstrapServers,
      String topic,
      MeterRegistry registry,
      Duration timeout) {
    this.vertx = vertx;
    this.pool = pool;
    this.outbox = outbox;
    this.producer = new KafkaProducer<>(properties(bootstrapServers));
    this.topic = topic;
    this.timeout = timeout;
    this.wakeups = new Wakeups(vertx);
    this.sent =
        Counter.builder("herald.publisher.status.events")
            .description("delivery.status events sent to Kafka")
            .register(registry);
  }

  static Properties properties(String bootstrapServers) {
    Properties p = new Properties();
    // Where the cluster is; the rest of it is discovered from there.
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    // An event counts as sent only once every in-sync replica has it: the outbox row goes then.
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    // No duplicates or reordering from the producer's own retries within a partition.
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    // Status changes are small and should reach editors fast; batching within 5 ms is enough.
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    // The key is the entry id as text, the value the event's JSON.
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    // A broker that is away fails the send within this time; the rows stay and are sent later.
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
    return p;
  }

  /** Starts the relay's loop on the current context, which must be a virtual-thread one. */
  public void start() {
    Context context = Vertx.currentContext();
    if (context == null || context.threadingModel() != ThreadingModel.VIRTUAL_THREAD) {
      throw new IllegalStateException("the status relay runs on a virtual-thread context");
    }
    // A virtual thread of the context's, outside its ordered tasks (see DeliveryWorker).
    context
        .executeBlocking(
            () -> {
              run();
              return null;
            },
            false)
        .onComplete(ar -> done.tryComplete());
  }

  /** Makes the relay send now rather than at its next poll. */
  public void wake() {
    wakeups.wake();
  }

  /** Whether the last send worked. */
  public boolean isHealthy() {
    return healthy;
  }

  /** Stops after the batch under way and closes the producer. */
  public Future<Void> stop(Duration wait) {
    stopping = true;
    wakeups.close();
    return done.future()
        .timeout(wait.toMillis(), TimeUnit.MILLISECONDS)
        .recover(
            e -> {
              LOG.warn(
                  "the status relay did not stop within {}; unsent rows stay in the outbox", wait);
              return Future.succeededFuture();
            })
        .compose(
            v ->
                vertx.executeBlocking(
                    () -> {
                      producer.close(Duration.ofSeconds(5));
                      return null;
                    },
                    false));
  }

  private void run() {
    while (!stopping) {
      try {
        int n = drainOnce();
        healthy = true;
        if (n < BATCH) {
          wakeups.sleep(POLL);
        }
      } catch (Exception e) {
        // NOTE: an interrupted await (the context closing) ends the loop as a stop does.
        if (stopping || e instanceof InterruptedException) {
          return;
        }
        healthy = false;
        LOG.warn(
            "could not relay status events, trying again in {}: {}", ERROR_PAUSE, e.toString());
        vertx.timer(ERROR_PAUSE.toMillis(), TimeUnit.MILLISECONDS).await();
      }
    }
  }

  /** Sends one batch; returns how many events it sent. */
  int drainOnce() throws Exception {
    long ms = timeout.toMillis();
    SqlConnection conn = pool.getConnection().timeout(ms, TimeUnit.MILLISECONDS).await();
    Transaction tx = null;
    try {
      tx = conn.begin().timeout(ms, TimeUnit.MILLISECONDS).await();
      List<StatusOutbox.Pending> rows =
          outbox.nextBatch(conn, BATCH).timeout(ms, TimeUnit.MILLISECONDS).await();
      if (rows.isEmpty()) {
        tx.rollback().timeout(ms, TimeUnit.MILLISECONDS).await();
        return 0;
      }
      // NOTE: KafkaProducer.send blocks while it fetches metadata (up to max.block.ms when the
      // broker is away), so the sends and the wait for their acks run on a thread of their own.
      vertx.executeBlocking(() -> sendAll(rows), false).timeout(ms, TimeUnit.MILLISECONDS).await();
      List<Long> seqs = rows.stream().map(StatusOutbox.Pending::seq).toList();
      outbox.delete(conn, seqs).timeout(ms, TimeUnit.MILLISECONDS).await();
      tx.commit().timeout(ms, TimeUnit.MILLISECONDS).await();
      sent.increment(rows.size());
      return rows.size();
    } catch (Exception e) {
      if (tx != null) {
        // The rows stay in the outbox for the next try.
        tx.rollback();
      }
      throw e;
    } finally {
      conn.close();
    }
  }

  /** Sends the rows and waits for every ack; a failed one fails the batch. */
  private Void sendAll(List<StatusOutbox.Pending> rows) throws Exception {
    List<java.util.concurrent.Future<RecordMetadata>> acks = new ArrayList<>(rows.size());
    for (StatusOutbox.Pending r : rows) {
      acks.add(
          producer.send(
              DeliveryEventCodec.statusRecord(
                  topic,
                  r.deliveryId(),
                  r.entryId(),
                  r.sequence(),
                  r.occurredAt().toInstant(),
                  r.data())));
    }
    for (java.util.concurrent.Future<RecordMetadata> ack : acks) {
      ack.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
    return null;
  }
}
