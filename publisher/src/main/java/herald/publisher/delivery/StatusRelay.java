package herald.publisher.delivery;

import herald.events.DeliveryEventCodec;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Semaphore;
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
 * Sends the status outbox to Kafka on a thread of its own: takes the oldest rows (locked, so that
 * another publisher takes others), sends them and waits for the broker's acks, then deletes them in
 * the same transaction. A crash between the send and the commit sends them again, which readers
 * ignore by the per-delivery sequence.
 */
public final class StatusRelay {

  private static final Logger LOG = LoggerFactory.getLogger(StatusRelay.class);
  private static final int BATCH = 200;
  private static final Duration POLL = Duration.ofMillis(500);
  private static final Duration ERROR_PAUSE = Duration.ofSeconds(1);

  private final Pool pool;
  private final StatusOutbox outbox;
  private final Producer<String, byte[]> producer;
  private final String topic;
  private final Duration timeout;
  private final Counter sent;
  private final Semaphore wakeups = new Semaphore(0);
  private volatile boolean stopping;
  private volatile boolean healthy = true;
  private Thread thread;

  public StatusRelay(
      Pool pool,
      StatusOutbox outbox,
      String bootstrapServers,
      String topic,
      MeterRegistry registry,
      Duration timeout) {
    this.pool = pool;
    this.outbox = outbox;
    this.producer = new KafkaProducer<>(properties(bootstrapServers));
    this.topic = topic;
    this.timeout = timeout;
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

  /** Starts the relay thread. */
  public synchronized void start() {
    thread = new Thread(this::run, "herald-status-relay");
    thread.setDaemon(true);
    thread.start();
  }

  /** Makes the relay send now rather than at its next poll. */
  public void wake() {
    if (wakeups.availablePermits() == 0) {
      wakeups.release();
    }
  }

  /** Whether the last send worked. */
  public boolean isHealthy() {
    return healthy;
  }

  /** Stops after the batch under way and closes the producer. */
  public void stop(Duration wait) throws InterruptedException {
    stopping = true;
    wake();
    Thread t;
    synchronized (this) {
      t = thread;
    }
    if (t != null) {
      t.join(wait.toMillis());
    }
    producer.close(Duration.ofSeconds(5));
  }

  private void run() {
    while (!stopping) {
      try {
        int n = drainOnce();
        healthy = true;
        if (n == BATCH) {
          continue;
        }
        if (wakeups.tryAcquire(POLL.toMillis(), TimeUnit.MILLISECONDS)) {
          wakeups.drainPermits();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Exception e) {
        if (stopping) {
          return;
        }
        healthy = false;
        LOG.warn(
            "could not relay status events, trying again in {}: {}", ERROR_PAUSE, e.toString());
        try {
          Thread.sleep(ERROR_PAUSE.toMillis());
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** Sends one batch; returns how many events it sent. */
  int drainOnce() throws Exception {
    long ms = timeout.toMillis();
    SqlConnection conn = pool.getConnection().await(ms, TimeUnit.MILLISECONDS);
    Transaction tx = null;
    try {
      tx = conn.begin().await(ms, TimeUnit.MILLISECONDS);
      List<StatusOutbox.Pending> rows =
          outbox.nextBatch(conn, BATCH).await(ms, TimeUnit.MILLISECONDS);
      if (rows.isEmpty()) {
        tx.rollback().await(ms, TimeUnit.MILLISECONDS);
        return 0;
      }
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
      List<Long> seqs = new ArrayList<>(rows.size());
      for (int i = 0; i < rows.size(); i++) {
        acks.get(i).get(ms, TimeUnit.MILLISECONDS);
        seqs.add(rows.get(i).seq());
      }
      outbox.delete(conn, seqs).await(ms, TimeUnit.MILLISECONDS);
      tx.commit().await(ms, TimeUnit.MILLISECONDS);
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
}
