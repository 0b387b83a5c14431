package herald.publisher.delivery;

import herald.events.ContentEvent;
import herald.events.ContentPublished;
import herald.events.ContentUnpublished;
import herald.publisher.PublisherConfig.DeliverySettings;
import herald.publisher.channel.Channel;
import herald.publisher.channel.DeliveryContext;
import herald.publisher.channel.RetryLaterException;
import herald.publisher.channel.UndeliverableException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs due deliveries: each of {@code workers} loops claims one from PostgreSQL (new ones at once
 * when woken, retries when their time comes, and those whose lease ran out because a publisher
 * died), calls the channel with a timeout, records the outcome and claims the next. Loops claim in
 * parallel ({@code FOR UPDATE SKIP LOCKED} keeps their claims apart): a single dispatcher claiming
 * for all of them was the bottleneck under load, each claim being a few round trips to PostgreSQL.
 *
 * <p>Each loop is straight-line code on a virtual thread of {@link DeliveryVerticle}'s
 * virtual-thread context ({@code executeBlocking} there): every wait (PostgreSQL, a wake-up, the
 * channel call) is a Vert.x {@code await}, and the callbacks that end those waits run on the
 * context, which no loop ever holds.
 *
 * <p>NOTE: the channel call runs on a virtual thread of its own, so that a call that hangs is
 * abandoned at the timeout (and interrupted) without holding a loop; channels must therefore be
 * idempotent, which the idempotency key makes possible towards external services.
 */
public final class DeliveryWorker {

  private static final Logger LOG = LoggerFactory.getLogger(DeliveryWorker.class);
  private static final Duration ERROR_PAUSE = Duration.ofSeconds(1);

  private final Vertx vertx;
  private final DeliveryService service;
  private final DeliverySettings settings;
  private final Backoff backoff;
  private final Wakeups wakeups;
  // Whether an idle loop is polling on a timer (at most one is; see work()).
  private final AtomicBoolean polling = new AtomicBoolean();
  // Deliveries of each limited channel claimed and not yet finished.
  private final Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
  // The threads running channel calls, interrupted when a stop abandons them.
  private final Set<Thread> calls = ConcurrentHashMap.newKeySet();
  private final List<Future<Void>> loops = new ArrayList<>();
  private volatile boolean stopping;

  /** A worker for the service's channels; {@link #start()} it on a virtual-thread context. */
  public DeliveryWorker(Vertx vertx, DeliveryService service, DeliverySettings settings) {
    this.vertx = vertx;
    this.service = service;
    this.settings = settings;
    this.backoff = new Backoff(settings.backoff(), settings.maxBackoff());
    this.wakeups = new Wakeups(vertx);
  }

  /** Starts the loops on the current context, which must be a virtual-thread one. */
  public void start() {
    Context context = Vertx.currentContext();
    if (context == null || context.threadingModel() != ThreadingModel.VIRTUAL_THREAD) {
      throw new IllegalStateException("the delivery worker runs on a virtual-thread context");
    }
    if (!loops.isEmpty()) {
      throw new IllegalStateException("already started");
    }
    for (int i = 0; i < settings.workers(); i++) {
      loops.add(
          context.executeBlocking(
              () -> {
                work();
                return null;
              },
              false));
    }
  }

  /**
   * Makes a waiting loop look for due deliveries now rather than at its next poll; a loop that
   * finds one wakes the next, so a burst of new deliveries brings in as many loops as it needs.
   */
  public void wake() {
    wakeups.wake();
  }

  /**
   * Stops claiming, waits up to {@code grace} for attempts under way, then abandons them: their
   * deliveries stay {@code sending} and are claimed again when their lease runs out. Call it on the
   * context the worker was started on.
   */
  public Future<Void> stop(Duration grace) {
    stopping = true;
    wakeups.close();
    return Future.all(loops)
        .timeout(grace.toMillis() + 1_000, TimeUnit.MILLISECONDS)
        .<Void>mapEmpty()
        .recover(
            e -> {
              LOG.warn(
                  "abandoning delivery attempts still under way; they resume after their lease");
              calls.forEach(Thread::interrupt);
              return Future.succeededFuture();
            });
  }

  /**
   * Claims and delivers until stopped. Of the idle loops, one at a time also looks every poll
   * interval, for deliveries that come due by themselves (retries); the others wait to be woken, by
   * new deliveries or by a loop that found work (a wake-up is passed on only by finding work), and
   * the first of them to find nothing becomes the one that polls.
   */
  private void work() {
    while (!stopping) {
      try {
        Optional<DeliveryService.Claimed> claimed = claimOne();
        if (claimed.isEmpty()) {
          if (polling.compareAndSet(false, true)) {
            try {
              wakeups.sleep(settings.pollInterval());
            } finally {
              polling.set(false);
            }
          } else {
            wakeups.sleep(null);
          }
          continue;
        }
        // There may be more due: another loop looks while this one delivers.
        wake();
        DeliveryService.Claimed c = claimed.get();
        try {
          attempt(c);
        } finally {
          AtomicInteger r = running.get(c.delivery().channel());
          if (r != null) {
            r.decrementAndGet();
            // Room for the channel again: a loop may claim its next delivery.
            wake();
          }
        }
      } catch (RuntimeException e) {
        if (stopping) {
          return;
        }
        // The database is away or the pool closed; the rows wait safely in PostgreSQL.
        LOG.warn("could not claim deliveries, trying again in {}: {}", ERROR_PAUSE, e.toString());
        vertx.timer(ERROR_PAUSE.toMillis(), TimeUnit.MILLISECONDS).await();
      }
    }
  }

  /**
   * Claims one due delivery of a channel that has room: the channels without a limit, and each
   * limited one ({@link Channel#concurrency()}) whose room could be reserved; reservations not used
   * are given back.
   */
  private Optional<DeliveryService.Claimed> claimOne() {
    List<String> names = new ArrayList<>();
    List<String> reserved = new ArrayList<>();
    for (Channel channel : service.channels().values()) {
      int limit = channel.concurrency();
      if (limit == Integer.MAX_VALUE) {
        names.add(channel.name());
      } else if (reserve(channel.name(), limit)) {
        names.add(channel.name());
        reserved.add(channel.name());
      }
    }
    List<DeliveryService.Claimed> claimed = List.of();
    try {
      claimed = names.isEmpty() ? List.of() : service.claim(names, 1, settings.lease());
    } finally {
      String used = claimed.isEmpty() ? null : claimed.get(0).delivery().channel();
      for (String r : reserved) {
        if (!r.equals(used)) {
          running.get(r).decrementAndGet();
        }
      }
    }
    return claimed.isEmpty() ? Optional.empty() : Optional.of(claimed.get(0));
  }

  /** Takes one of the channel's places if it has one left. */
  private boolean reserve(String channel, int limit) {
    AtomicInteger r = running.computeIfAbsent(channel, k -> new AtomicInteger());
    while (true) {
      int now = r.get();
      if (now >= limit) {
        return false;
      }
      if (r.compareAndSet(now, now + 1)) {
        return true;
      }
    }
  }

  /** One attempt of a claimed delivery: the call, then the outcome recorded. */
  private void attempt(DeliveryService.Claimed c) {
    Delivery d = c.delivery();
    try {
      if (c.event().isEmpty()) {
        service.dead(
            d,
            "undeliverable",
            "no stored event",
            "the content of version " + d.version() + " is not stored in the publisher");
        return;
      }
      Channel channel = service.channels().get(d.channel());
      DeliveryContext ctx =
          new DeliveryContext(
              d.deliveryId(), d.channel(), d.target(), d.attempts(), d.deliveryId().toString());
      ContentEvent event = c.event().get();
      AtomicReference<Thread> caller = new AtomicReference<>();
      Future<Void> call =
          vertx.executeBlocking(
              () -> {
                Thread me = Thread.currentThread();
                caller.set(me);
                calls.add(me);
                try {
                  if (event instanceof ContentPublished p) {
                    channel.publish(p, ctx);
                  } else {
                    channel.unpublish((ContentUnpublished) event, ctx);
                  }
                  return null;
                } finally {
                  calls.remove(me);
                }
              },
              false);
      try {
        // NOTE: timeout() rather than await(time): on a virtual thread the latter waits forever.
        call.timeout(settings.timeout().toMillis(), TimeUnit.MILLISECONDS).await();
      } catch (Exception e) {
        if (!call.isComplete() && e instanceof TimeoutException) {
          Thread t = caller.get();
          if (t != null) {
            t.interrupt();
          }
          failed(d, "timeout", "no answer within " + settings.timeout().toMillis() + " ms", null);
          return;
        }
        // await rethrows the channel's exception as it is, checked ones included; the call still
        // running means this loop was interrupted by a stop: the delivery stays 'sending' and is
        // claimed again after its lease.
        if (!call.isComplete()) {
          return;
        }
      }
      Throwable cause = call.failed() ? call.cause() : null;
      if (cause == null) {
        service.sent(d);
      } else if (cause instanceof UndeliverableException) {
        LOG.warn(
            "{} delivery {} of entry {} version {} is undeliverable: {}",
            d.channel(),
            d.deliveryId(),
            d.entryId(),
            d.version(),
            cause.getMessage());
        service.dead(d, "undeliverable", describe(cause), cause.getMessage());
      } else {
        Optional<Duration> retryAfter =
            cause instanceof RetryLaterException r ? r.retryAfter() : Optional.empty();
        failed(d, "failed", describe(cause), retryAfter.orElse(null));
      }
    } catch (RuntimeException e) {
      // The outcome could not be recorded (database away, pool closed): the lease runs out and
      // the delivery is attempted again, which the channel's idempotency makes harmless.
      LOG.warn("could not record the outcome of delivery {}: {}", d.deliveryId(), e.toString());
    }
  }

  private void failed(Delivery d, String outcome, String error, Duration retryAfter) {
    int failures = d.attempts() - d.retryBase();
    if (failures >= settings.maxAttempts()) {
      LOG.warn(
          "{} delivery {} is dead after {} attempts: {}",
          d.channel(),
          d.deliveryId(),
          failures,
          error);
      service.dead(d, outcome, error, "gave up after " + failures + " attempts: " + error);
      return;
    }
    Duration delay = backoff.delay(failures, Optional.ofNullable(retryAfter));
    LOG.info(
        "{} delivery {} attempt {} {}: {}; next attempt in {} ms",
        d.channel(),
        d.deliveryId(),
        d.attempts(),
        outcome,
        error,
        delay.toMillis());
    service.retryLater(d, outcome, error, delay);
  }

  private static String describe(Throwable t) {
    String m = t.getMessage();
    return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }
}
