package herald.publisher.delivery;

import herald.events.ContentEvent;
import herald.events.ContentPublished;
import herald.events.ContentUnpublished;
import herald.publisher.channel.Channel;
import herald.publisher.channel.UndeliverableException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fans a content event out to the entry's channels exactly once in effect: the delivery is recorded
 * as pending before the effect and as sent after it, and the entry's applied version makes a
 * duplicate or an older event a no-op.
 *
 * <p>Blocking: call it from the consumer thread, never from a Vert.x thread.
 */
public final class DeliveryService {

  /** Outcome of an event. */
  public enum Outcome {
    /** The event's deliveries were done (or failed for good) and its version is now applied. */
    APPLIED,
    /** The entry already has this version or a newer one: nothing was done. */
    STALE
  }

  private static final Logger LOG = LoggerFactory.getLogger(DeliveryService.class);

  private static final String DELIVERIES = "herald.publisher.deliveries";
  private static final String EVENTS = "herald.publisher.events";

  private final Pool pool;
  private final DeliveryRepository repository;
  private final Map<String, Channel> channels = new LinkedHashMap<>();
  private final MeterRegistry registry;
  private final Duration timeout;

  /**
   * A service delivering to the given channels.
   *
   * @param timeout the longest wait for one database transaction
   */
  public DeliveryService(
      Pool pool,
      DeliveryRepository repository,
      List<Channel> channels,
      MeterRegistry registry,
      Duration timeout) {
    this.pool = pool;
    this.repository = repository;
    this.registry = registry;
    this.timeout = timeout;
    for (Channel c : channels) {
      this.channels.put(c.name(), c);
      // Registered up front so that dashboards show zeros rather than gaps.
      counter(c.name(), "sent");
      counter(c.name(), "failed");
    }
    for (Outcome o : Outcome.values()) {
      eventCounter(o);
    }
  }

  /**
   * Processes one event.
   *
   * @param eventId the CloudEvents id, kept with the deliveries for tracing; may be null
   * @throws IOException when a channel failed in a way worth retrying; the delivery is then marked
   *     failed and the same event must be processed again later
   */
  public Outcome process(ContentEvent event, String eventId) throws IOException {
    Optional<List<Delivery>> open =
        await(
            pool.withTransaction(
                conn ->
                    repository
                        .lockAppliedVersion(conn, event.entryId())
                        .compose(
                            applied ->
                                event.version() <= applied
                                    ? Future.succeededFuture(Optional.empty())
                                    : recordPending(conn, event, eventId).map(Optional::of))));

    if (open.isEmpty()) {
      LOG.debug(
          "entry {} version {} is not newer than the applied one: skipped",
          event.entryId(),
          event.version());
      eventCounter(Outcome.STALE).increment();
      return Outcome.STALE;
    }

    for (Delivery d : open.get()) {
      // A delivery sent before a crash is not repeated when the event is replayed.
      if (d.status() != DeliveryStatus.SENT && channels.containsKey(d.channel())) {
        deliver(channels.get(d.channel()), event);
      }
    }
    await(
        pool.withTransaction(
            conn -> repository.advanceAppliedVersion(conn, event.entryId(), event.version())));
    eventCounter(Outcome.APPLIED).increment();
    return Outcome.APPLIED;
  }

  /** Records a pending delivery per channel of the event and returns the version's deliveries. */
  private Future<List<Delivery>> recordPending(
      SqlConnection conn, ContentEvent event, String eventId) {
    Future<List<String>> chosen =
        event instanceof ContentUnpublished
            // Withdraw from every channel the entry ever went to, even if a later version dropped
            // it from the entry's channels.
            ? repository
                .channelsOfEntry(conn, event.entryId())
                .map(earlier -> Stream.concat(event.channels().stream(), earlier.stream()).toList())
            : Future.succeededFuture(event.channels());
    return chosen.compose(
        names -> {
          Future<Void> recorded = Future.succeededFuture();
          // Channels not built yet are left for later work: nothing is recorded for them.
          for (String channel : names.stream().distinct().filter(channels::containsKey).toList()) {
            recorded =
                recorded.compose(
                    v ->
                        repository.recordPending(
                            conn, event.entryId(), event.version(), channel, eventId));
          }
          return recorded.compose(
              v -> repository.findByVersion(conn, event.entryId(), event.version()));
        });
  }

  private void deliver(Channel channel, ContentEvent event) throws IOException {
    try {
      if (event instanceof ContentPublished p) {
        channel.publish(p);
      } else {
        channel.unpublish((ContentUnpublished) event);
      }
    } catch (UndeliverableException e) {
      // Retrying cannot help; the editor sees the reason and can fix the entry.
      LOG.warn(
          "{} delivery of entry {} version {} is undeliverable: {}",
          channel.name(),
          event.entryId(),
          event.version(),
          e.getMessage());
      markFailed(channel, event, e);
      return;
    } catch (IOException | RuntimeException e) {
      markFailed(channel, event, e);
      throw e;
    }
    await(
        pool.withTransaction(
            conn -> repository.markSent(conn, event.entryId(), event.version(), channel.name())));
    counter(channel.name(), "sent").increment();
  }

  private void markFailed(Channel channel, ContentEvent event, Exception cause) {
    counter(channel.name(), "failed").increment();
    String reason = cause.getClass().getSimpleName() + ": " + cause.getMessage();
    try {
      await(
          pool.withTransaction(
              conn ->
                  repository.markFailed(
                      conn, event.entryId(), event.version(), channel.name(), reason)));
    } catch (Exception e) {
      // Future.await rethrows checked failures too. The channel's failure is the one to report; the
      // delivery stays pending and is retried.
      cause.addSuppressed(e);
    }
  }

  private Counter counter(String channel, String outcome) {
    return Counter.builder(DELIVERIES)
        .description("Deliveries by channel and outcome")
        .tag("channel", channel)
        .tag("outcome", outcome)
        .register(registry);
  }

  private Counter eventCounter(Outcome outcome) {
    return Counter.builder(EVENTS)
        .description("Content events processed, by outcome")
        .tag("outcome", outcome.name().toLowerCase(java.util.Locale.ROOT))
        .register(registry);
  }

  /**
   * Waits for a database future. NOTE: {@code Future.await} blocks only a plain thread such as the
   * consumer's; on a Vert.x thread it throws.
   */
  private <T> T await(Future<T> future) {
    try {
      return future.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new DatabaseTimeoutException(timeout, e);
    }
  }

  /** A database transaction that did not finish in time; worth retrying. */
  static final class DatabaseTimeoutException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    DatabaseTimeoutException(Duration timeout, TimeoutException cause) {
      super("database did not answer within " + timeout, cause);
    }
  }

  /** The names of the channels this service delivers to. */
  public List<String> channelNames() {
    return new ArrayList<>(channels.keySet());
  }
}
