package herald.api.outbox;

import herald.events.ContentEventCodec;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends outbox rows to Kafka in sequence order and marks them sent.
 *
 * <p>Exactly one relay is active among all api instances: the one holding a PostgreSQL advisory
 * lock on its own connection (the lock goes with the connection, so a dead instance frees it). That
 * connection also LISTENs for the commit-time NOTIFY of new rows; a timer polls as a fallback and
 * retries after failures. Rows are selected as "not yet sent", never past a high-water mark, so a
 * transaction that commits after a later sequence number is still sent. A crash between the send
 * and the mark sends a row again: consumers are idempotent by entry version.
 */
public final class OutboxRelay {
  private static final Logger LOG = LoggerFactory.getLogger(OutboxRelay.class);

  /** Advisory lock key shared by all api instances: "herald-outbox" folded into a long. */
  static final long LOCK_KEY = 0x6865726f6c64L;

  private static final int BATCH = 500;
  private static final String CHANNEL = "herald_outbox";

  private final Vertx vertx;
  private final Pool pool;
  private final PgConnectOptions connectOptions;
  private final Producer<String, byte[]> producer;
  private final String topic;
  private final String source;
  private final Duration pollInterval;
  private final OutboxRepository repo;
  private final Counter sent;
  private final AtomicLong backlog = new AtomicLong();

  private PgConnection listener;
  private long timer = -1;
  private volatile boolean leader;
  private boolean connecting;
  private boolean draining;
  private boolean again;
  private boolean stopped;
  private volatile Throwable lastFailure;
  private Consumer<Long[]> afterAck = acknowledged -> {};

  public OutboxRelay(
      Vertx vertx,
      Pool pool,
      PgConnectOptions connectOptions,
      Producer<String, byte[]> producer,
      String topic,
      String source,
      Duration pollInterval,
      OutboxRepository repo,
      MeterRegistry registry) {
    this.vertx = vertx;
    this.pool = pool;
    this.connectOptions = connectOptions;
    this.producer = producer;
    this.topic = topic;
    this.source = source;
    this.pollInterval = pollInterval;
    this.repo = repo;
    this.sent =
        Counter.builder("herald.outbox.sent")
            .description("Events sent to Kafka")
            .register(registry);
    registry.gauge("herald.outbox.backlog", backlog);
  }

  /**
   * A test seam ({@link RelayHoldSeam}): {@code hook} runs on the sending thread with the sequence
   * numbers of a batch the broker acknowledged, before the rows are marked sent. Call before {@link
   * #start}.
   */
  public void afterAck(Consumer<Long[]> hook) {
    this.afterAck = hook;
  }

  /** Starts listening and relaying; completes once the first leadership attempt is made. */
  public Future<Void> start() {
    timer = vertx.setPeriodic(pollInterval.toMillis(), id -> tick());
    return connect()
        .recover(
            t -> {
              LOG.warn("outbox relay could not connect yet, will retry: {}", t.getMessage());
              return Future.succeededFuture();
            });
  }

  public Future<Void> stop() {
    stopped = true;
    leader = false;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    return listener == null ? Future.succeededFuture() : listener.close();
  }

  /** Whether this instance holds the relay lock. */
  public boolean isLeader() {
    return leader;
  }

  /** Whether the relay can do its job: connected, and its last attempt to send did not fail. */
  public boolean isHealthy() {
    return listener != null && lastFailure == null;
  }

  private void tick() {
    if (stopped) {
      return;
    }
    if (listener == null) {
      if (!connecting) {
        connect();
      }
    } else if (!leader) {
      tryLead();
    } else {
      drain();
      repo.countUnsent(pool).onSuccess(backlog::set);
    }
  }

  private Future<Void> connect() {
    connecting = true;
    return PgConnection.connect(vertx, connectOptions)
        .onComplete(ar -> connecting = false)
        .compose(
            conn -> {
              if (stopped) {
                return conn.close();
              }
              listener = conn;
              conn.closeHandler(
                  v -> {
                    if (!stopped) {
                      LOG.warn("outbox relay lost its database connection; will reconnect");
                    }
                    listener = null;
                    leader = false;
                  });
              conn.notificationHandler(n -> drain());
              return conn.query("LISTEN " + CHANNEL).execute().compose(rs -> tryLead());
            });
  }

  private Future<Void> tryLead() {
    PgConnection conn = listener;
    if (conn == null) {
      return Future.succeededFuture();
    }
    return conn.preparedQuery("select pg_try_advisory_lock($1)")
        .execute(Tuple.of(LOCK_KEY))
        .map(
            rs -> {
              boolean got = rs.iterator().next().getBoolean(0);
              if (got && !leader) {
                LOG.info("this api instance now relays the outbox");
              }
              leader = got;
              if (got) {
                drain();
              }
              return null;
            });
  }

  /** Sends all unsent rows, batch by batch; at most one drain runs at a time. */
  void drain() {
    if (!leader || stopped) {
      return;
    }
    if (draining) {
      again = true;
      return;
    }
    draining = true;
    again = false;
    repo.unsent(pool, BATCH)
        .compose(
            rows -> {
              if (rows.isEmpty()) {
                backlog.set(0);
                return Future.succeededFuture(0);
              }
              return vertx
                  .executeBlocking(() -> send(rows))
                  .compose(seqs -> repo.markSent(pool, seqs))
                  .map(n -> rows.size());
            })
        .onComplete(
            ar -> {
              draining = false;
              if (ar.failed()) {
                lastFailure = ar.cause();
                LOG.warn("outbox relay could not send, will retry: {}", ar.cause().toString());
                return; // the timer retries
              }
              lastFailure = null;
              sent.increment(ar.result());
              if (ar.result() == BATCH || again) {
                drain();
              }
            });
  }

  /** Sends rows and waits for the broker's acks; blocking, so it runs on a worker thread. */
  private Long[] send(List<OutboxRepository.Pending> rows) throws Exception {
    List<java.util.concurrent.Future<RecordMetadata>> acks = new ArrayList<>(rows.size());
    for (OutboxRepository.Pending r : rows) {
      acks.add(
          producer.send(
              ContentEventCodec.toRecord(
                  topic,
                  r.eventId().toString(),
                  source,
                  r.eventType(),
                  r.entryId(),
                  r.entryVersion(),
                  r.occurredAt().toInstant(),
                  r.data())));
    }
    Long[] seqs = new Long[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      acks.get(i).get();
      seqs[i] = rows.get(i).seq();
    }
    afterAck.accept(seqs);
    return seqs;
  }
}
