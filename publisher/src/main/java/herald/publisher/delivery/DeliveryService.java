package herald.publisher.delivery;

import herald.events.ContentEvent;
import herald.events.ContentEventCodec;
import herald.events.ContentUnpublished;
import herald.events.DeliveryStatusEvent;
import herald.publisher.channel.Channel;
import herald.publisher.channel.DeliveryContext;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery log's transactions. Every change of a delivery is one PostgreSQL transaction that
 * also appends its {@code delivery.status} event to the status outbox, so the api hears of every
 * change and nothing is lost if the publisher dies.
 *
 * <p>Blocking: call it from the consumer or worker threads, never from a Vert.x thread.
 */
public final class DeliveryService {

  /** Outcome of a content event. */
  public enum Outcome {
    /** The event's deliveries were recorded and its version is now the entry's applied one. */
    APPLIED,
    /** The entry already has this version or a newer one: nothing was done. */
    STALE
  }

  /** A claimed delivery with the content event it delivers (empty when it was not stored). */
  public record Claimed(Delivery delivery, Optional<ContentEvent> event) {}

  private static final Logger LOG = LoggerFactory.getLogger(DeliveryService.class);

  private final Pool pool;
  private final DeliveryRepository repository;
  private final StatusOutbox outbox;
  private final Map<String, Channel> channels = new LinkedHashMap<>();
  private final MeterRegistry registry;
  private final DeliveryMetrics metrics;
  private final Duration timeout;
  private volatile Runnable onNewWork = () -> {};
  private volatile Runnable onStatusWritten = () -> {};

  /**
   * A service for the given channels.
   *
   * @param timeout the longest wait for one database transaction
   */
  public DeliveryService(
      Pool pool,
      DeliveryRepository repository,
      StatusOutbox outbox,
      List<Channel> channels,
      MeterRegistry registry,
      Duration timeout) {
    this.pool = pool;
    this.repository = repository;
    this.outbox = outbox;
    this.registry = registry;
    this.timeout = timeout;
    for (Channel c : channels) {
      this.channels.put(c.name(), c);
    }
    this.metrics = new DeliveryMetrics(registry, List.copyOf(this.channels.keySet()));
    for (Outcome o : Outcome.values()) {
      eventCounter(o);
    }
  }

  /** Called after a commit that made a delivery due (the worker wakes up). */
  public void onNewWork(Runnable listener) {
    this.onNewWork = listener;
  }

  /** Called after a commit that appended status events (the relay wakes up). */
  public void onStatusWritten(Runnable listener) {
    this.onStatusWritten = listener;
  }

  /** The channels, by name. */
  public Map<String, Channel> channels() {
    return channels;
  }

  /** The metrics. */
  public DeliveryMetrics metrics() {
    return metrics;
  }

  /**
   * Records the deliveries of a content event, one per channel and target, in one transaction with
   * the event's payload, the superseding of older waiting deliveries and the status events. It
   * makes no call to any channel: the worker does that.
   *
   * @param eventId the CloudEvents id, kept with the deliveries for tracing; may be null
   */
  public Outcome record(ContentEvent event, String eventId) {
    boolean applied =
        await(
            pool.withTransaction(
                conn ->
                    repository
                        .lockAppliedVersion(conn, event.entryId())
                        .compose(
                            appliedVersion ->
                                event.version() <= appliedVersion
                                    ? Future.succeededFuture(false)
                                    : recordNew(conn, event, eventId).map(true))));
    if (!applied) {
      LOG.debug(
          "entry {} version {} is not newer than the applied one: skipped",
          event.entryId(),
          event.version());
      eventCounter(Outcome.STALE).increment();
      return Outcome.STALE;
    }
    eventCounter(Outcome.APPLIED).increment();
    onNewWork.run();
    onStatusWritten.run();
    return Outcome.APPLIED;
  }

  private Future<Void> recordNew(SqlConnection conn, ContentEvent event, String eventId) {
    OffsetDateTime at = event.occurredAt().atOffset(ZoneOffset.UTC);
    String operation = event instanceof ContentUnpublished ? Delivery.UNPUBLISH : Delivery.PUBLISH;
    Future<Set<Map.Entry<String, String>>> targets =
        event instanceof ContentUnpublished
            // Withdraw from every target the entry ever went to, even if a later version dropped
            // the channel from the entry's channels.
            ? repository
                .targetsOfEntry(conn, event.entryId())
                .map(
                    earlier -> {
                      Set<Map.Entry<String, String>> all = chosenTargets(event);
                      earlier.stream()
                          .filter(t -> channels.containsKey(t.getKey()))
                          .forEach(all::add);
                      return all;
                    })
            : Future.succeededFuture(chosenTargets(event));
    return repository
        .storeContentVersion(
            conn,
            event.entryId(),
            event.version(),
            event.eventType(),
            eventId,
            ContentEventCodec.data(event),
            at)
        .compose(v -> repository.supersedeOlder(conn, event.entryId(), event.version()))
        .compose(superseded -> announceAll(conn, superseded))
        .compose(v -> repository.dropOlderContent(conn, event.entryId(), event.version()))
        .compose(v -> targets)
        .compose(
            all -> {
              Future<Void> f = Future.succeededFuture();
              for (Map.Entry<String, String> t : all) {
                UUID id =
                    DeliveryContext.deliveryId(
                        event.entryId(), event.version(), t.getKey(), t.getValue());
                f =
                    f.compose(
                        v ->
                            repository
                                .insertPending(
                                    conn,
                                    id,
                                    event.entryId(),
                                    event.version(),
                                    t.getKey(),
                                    t.getValue(),
                                    operation,
                                    eventId,
                                    at)
                                .compose(
                                    inserted ->
                                        inserted.isPresent()
                                            ? announce(conn, inserted.get())
                                            : Future.succeededFuture()));
              }
              return f;
            })
        .compose(v -> repository.advanceAppliedVersion(conn, event.entryId(), event.version()));
  }

  /** The (channel, target) pairs the editor chose, among the channels this publisher has. */
  private Set<Map.Entry<String, String>> chosenTargets(ContentEvent event) {
    Set<Map.Entry<String, String>> out = new LinkedHashSet<>();
    // Channels not built (or not configured) here are left out: nothing is recorded for them.
    for (String name : event.channels()) {
      Channel c = channels.get(name);
      if (c != null) {
        c.targets(event).forEach(t -> out.add(Map.entry(name, t)));
      }
    }
    return out;
  }

  /**
   * Claims up to {@code limit} due deliveries of the given channels and loads their content events;
   * they are {@code sending} from now, under a lease.
   */
  public List<Claimed> claim(List<String> ofChannels, int limit, Duration lease) {
    List<Claimed> claimed =
        await(
            pool.withTransaction(
                conn ->
                    repository
                        .claim(conn, ofChannels, limit, lease)
                        .compose(
                            ds -> {
                              List<Claimed> out = new ArrayList<>();
                              Future<Void> f = Future.succeededFuture();
                              for (Delivery d : ds) {
                                f =
                                    f.compose(
                                        v ->
                                            repository
                                                .findContentVersion(conn, d.entryId(), d.version())
                                                .map(
                                                    stored ->
                                                        stored.map(
                                                            s ->
                                                                ContentEventCodec.fromData(
                                                                    s.eventType(), s.data())))
                                                .compose(
                                                    ev -> {
                                                      out.add(new Claimed(d, ev));
                                                      return announce(conn, d);
                                                    }));
                              }
                              return f.map(out);
                            })));
    if (!claimed.isEmpty()) {
      onStatusWritten.run();
    }
    return claimed;
  }

  /** Records a successful attempt. */
  public void sent(Delivery d) {
    Optional<Delivery> done =
        await(
            pool.withTransaction(
                conn -> repository.markSent(conn, d).compose(r -> announceIfPresent(conn, r))));
    metrics.attempt(d.channel(), "sent");
    if (done.isEmpty()) {
      LOG.warn(
          "delivery {} was sent but its lease had run out; another attempt may repeat it",
          d.deliveryId());
      return;
    }
    if (d.publishedAt() != null) {
      metrics.delivered(d.channel(), Duration.between(d.publishedAt(), done.get().sentAt()));
    }
    onStatusWritten.run();
    // A newer version of the same target may have been waiting for this one.
    onNewWork.run();
  }

  /** Records a failed attempt that is retried after {@code delay}. */
  public void retryLater(Delivery d, String outcome, String error, Duration delay) {
    metrics.attempt(d.channel(), outcome);
    await(
        pool.withTransaction(
            conn ->
                repository
                    .markRetry(conn, d, outcome, error, delay)
                    .compose(r -> announceIfPresent(conn, r))));
    onStatusWritten.run();
    onNewWork.run();
  }

  /** Records a failed attempt after which the delivery is given up. */
  public void dead(Delivery d, String outcome, String attemptError, String reason) {
    metrics.attempt(d.channel(), outcome);
    Optional<Delivery> done =
        await(
            pool.withTransaction(
                conn ->
                    repository
                        .markDead(conn, d, outcome, attemptError, reason)
                        .compose(r -> announceIfPresent(conn, r))));
    if (done.isPresent()) {
      metrics.dead(d.channel(), 1);
    }
    onStatusWritten.run();
    onNewWork.run();
  }

  /**
   * Runs a dead (or waiting) delivery again now, with a fresh attempt budget; empty when it is
   * unknown, not dead or waiting, or no longer the newest version of its target.
   */
  public Optional<Delivery> retry(UUID deliveryId) {
    Optional<Delivery> d =
        await(
            pool.withTransaction(
                conn ->
                    repository
                        .retryNow(conn, deliveryId)
                        .compose(r -> announceIfPresent(conn, r))));
    if (d.isPresent()) {
      onStatusWritten.run();
      onNewWork.run();
    }
    return d;
  }

  /** Refreshes the backlog gauges. */
  public Future<Void> refreshBacklog() {
    return repository
        .backlog(pool)
        .map(
            b -> {
              metrics.backlog(b);
              return null;
            });
  }

  private Future<Optional<Delivery>> announceIfPresent(SqlClient conn, Optional<Delivery> d) {
    return d.isPresent() ? announce(conn, d.get()).map(d) : Future.succeededFuture(d);
  }

  private Future<Void> announceAll(SqlClient conn, List<Delivery> ds) {
    Future<Void> f = Future.succeededFuture();
    for (Delivery d : ds) {
      f = f.compose(v -> announce(conn, d));
    }
    return f;
  }

  /** Appends the delivery's status event to the outbox, in the caller's transaction. */
  private Future<Void> announce(SqlClient conn, Delivery d) {
    return repository
        .attempts(conn, d.id(), DeliveryStatusEvent.MAX_HISTORY)
        .compose(attempts -> outbox.append(conn, statusEvent(d, attempts)));
  }

  /** The status event of a delivery with its latest attempts. */
  public static DeliveryStatusEvent statusEvent(Delivery d, List<Attempt> attempts) {
    List<DeliveryStatusEvent.Attempt> history = new ArrayList<>();
    for (Attempt a : attempts) {
      history.add(
          new DeliveryStatusEvent.Attempt(
              a.number(),
              a.startedAt() == null ? null : a.startedAt().toInstant(),
              a.finishedAt() == null ? null : a.finishedAt().toInstant(),
              a.outcome(),
              a.error()));
    }
    return new DeliveryStatusEvent(
        d.deliveryId(),
        d.entryId(),
        d.version(),
        d.channel(),
        d.target(),
        d.operation(),
        d.status().dbValue(),
        d.seq(),
        d.attempts(),
        d.lastError(),
        d.nextAttemptAt() == null ? null : d.nextAttemptAt().toInstant(),
        d.publishedAt() == null ? null : d.publishedAt().toInstant(),
        d.createdAt().toInstant(),
        d.updatedAt().toInstant(),
        d.sentAt() == null ? null : d.sentAt().toInstant(),
        history);
  }

  private Counter eventCounter(Outcome outcome) {
    return Counter.builder("herald.publisher.events")
        .description("Content events processed, by outcome")
        .tag("outcome", outcome.name().toLowerCase(Locale.ROOT))
        .register(registry);
  }

  /**
   * Waits for a database future: suspends a virtual thread of the delivery worker's context, blocks
   * the consumer's own thread; on an event loop it throws.
   */
  private <T> T await(Future<T> future) {
    try {
      // NOTE: timeout() rather than await(time): on a virtual thread the latter waits forever.
      return future.timeout(timeout.toMillis(), TimeUnit.MILLISECONDS).await();
    } catch (Exception e) {
      if (e instanceof TimeoutException t) {
        throw new DatabaseTimeoutException(timeout, t);
      }
      throw e;
    }
  }

  /** A database transaction that did not finish in time; worth retrying. */
  static final class DatabaseTimeoutException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    DatabaseTimeoutException(Duration timeout, TimeoutException cause) {
      super("database did not answer within " + timeout, cause);
    }
  }
}
