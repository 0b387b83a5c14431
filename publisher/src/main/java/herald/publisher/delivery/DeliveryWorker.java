package herald.publisher.delivery;

import herald.events.ContentEvent;
import herald.events.ContentPublished;
import herald.events.ContentUnpublished;
import herald.publisher.PublisherConfig.DeliverySettings;
import herald.publisher.channel.Channel;
import herald.publisher.channel.DeliveryContext;
import herald.publisher.channel.RetryLaterException;
import herald.publisher.channel.UndeliverableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs due deliveries: a dispatcher thread claims them from PostgreSQL (new ones at once when
 * woken, retries when their time comes, and those whose lease ran out because a publisher died) and
 * hands each to a worker thread, which calls the channel with a timeout and records the outcome.
 *
 * <p>NOTE: the channel call runs on a thread of its own, so that a call that hangs is abandoned at
 * the timeout (and interrupted) without holding a worker; channels must therefore be idempotent,
 * which the idempotency key makes possible towards external services.
 */
public final class DeliveryWorker {

  private static final Logger LOG = LoggerFactory.getLogger(DeliveryWorker.class);
  private static final Duration ERROR_PAUSE = Duration.ofSeconds(1);

  private final DeliveryService service;
  private final DeliverySettings settings;
  private final Backoff backoff;
  private final Semaphore free;
  private final Semaphore wakeups = new Semaphore(0);
  private final Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
  private final ExecutorService workers;
  private final ExecutorService calls;
  private volatile boolean stopping;
  private Thread dispatcher;

  /** A worker for the service's channels; call {@link #start()} to begin. */
  public DeliveryWorker(DeliveryService service, DeliverySettings settings) {
    this.service = service;
    this.settings = settings;
    this.backoff = new Backoff(settings.backoff(), settings.maxBackoff());
    this.free = new Semaphore(settings.workers());
    this.workers = Executors.newFixedThreadPool(settings.workers(), threads("herald-delivery-"));
    this.calls = Executors.newCachedThreadPool(threads("herald-delivery-call-"));
  }

  /** Starts the dispatcher thread. */
  public synchronized void start() {
    if (dispatcher != null) {
      throw new IllegalStateException("already started");
    }
    dispatcher = new Thread(this::dispatch, "herald-delivery-dispatcher");
    dispatcher.setDaemon(true);
    dispatcher.start();
  }

  /** Makes the dispatcher look for due deliveries now rather than at its next poll. */
  public void wake() {
    if (wakeups.availablePermits() == 0) {
      wakeups.release();
    }
  }

  /**
   * Stops claiming, waits up to {@code grace} for attempts under way, then abandons them: their
   * deliveries stay {@code sending} and are claimed again when their lease runs out.
   */
  public void stop(Duration grace) throws InterruptedException {
    stopping = true;
    wake();
    Thread d;
    synchronized (this) {
      d = dispatcher;
    }
    if (d != null) {
      d.join(grace.toMillis() + 1000);
    }
    workers.shutdown();
    if (!workers.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
      LOG.warn("abandoning delivery attempts still under way; they resume after their lease");
    }
    workers.shutdownNow();
    calls.shutdownNow();
  }

  private void dispatch() {
    while (!stopping) {
      try {
        int n = free.availablePermits();
        List<DeliveryService.Claimed> claimed = n == 0 ? List.of() : claim(n);
        for (DeliveryService.Claimed c : claimed) {
          free.acquireUninterruptibly();
          AtomicInteger running = running(c.delivery().channel());
          workers.execute(
              () -> {
                try {
                  attempt(c);
                } finally {
                  running.decrementAndGet();
                  free.release();
                  wake();
                }
              });
        }
        if (!claimed.isEmpty() && claimed.size() == n) {
          // There may be more due: look again as soon as a worker is free.
          continue;
        }
        if (wakeups.tryAcquire(settings.pollInterval().toMillis(), TimeUnit.MILLISECONDS)) {
          wakeups.drainPermits();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        if (stopping) {
          return;
        }
        // The database is away or the pool closed; the rows wait safely in PostgreSQL.
        LOG.warn("could not claim deliveries, trying again in {}: {}", ERROR_PAUSE, e.toString());
        try {
          Thread.sleep(ERROR_PAUSE.toMillis());
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /**
   * Claims up to {@code n} deliveries, none beyond a channel's {@link Channel#concurrency()}: the
   * channels without a limit together, each limited one on its own. Counts them as running.
   */
  private List<DeliveryService.Claimed> claim(int n) {
    List<String> unlimited = new ArrayList<>();
    List<DeliveryService.Claimed> out = new ArrayList<>();
    try {
      for (Channel channel : service.channels().values()) {
        int limit = channel.concurrency();
        if (limit == Integer.MAX_VALUE) {
          unlimited.add(channel.name());
          continue;
        }
        int room = Math.min(n - out.size(), limit - running(channel.name()).get());
        if (room > 0) {
          out.addAll(service.claim(List.of(channel.name()), room, settings.lease()));
        }
      }
      if (!unlimited.isEmpty() && out.size() < n) {
        out.addAll(service.claim(unlimited, n - out.size(), settings.lease()));
      }
    } catch (RuntimeException e) {
      if (out.isEmpty()) {
        throw e;
      }
      // What was claimed is 'sending' under a lease: run it rather than wait for the lease.
      LOG.warn("could not claim more deliveries: {}", e.toString());
    }
    out.forEach(c -> running(c.delivery().channel()).incrementAndGet());
    return out;
  }

  private AtomicInteger running(String channel) {
    return running.computeIfAbsent(channel, k -> new AtomicInteger());
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
      Future<?> call =
          calls.submit(
              () -> {
                if (event instanceof ContentPublished p) {
                  channel.publish(p, ctx);
                } else {
                  channel.unpublish((ContentUnpublished) event, ctx);
                }
                return null;
              });
      try {
        call.get(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        call.cancel(true);
        failed(d, "timeout", "no answer within " + settings.timeout().toMillis() + " ms", null);
        return;
      } catch (ExecutionException e) {
        Throwable cause = e.getCause() == null ? e : e.getCause();
        if (cause instanceof UndeliverableException) {
          LOG.warn(
              "{} delivery {} of entry {} version {} is undeliverable: {}",
              d.channel(),
              d.deliveryId(),
              d.entryId(),
              d.version(),
              cause.getMessage());
          service.dead(d, "undeliverable", describe(cause), cause.getMessage());
          return;
        }
        Optional<Duration> retryAfter =
            cause instanceof RetryLaterException r ? r.retryAfter() : Optional.empty();
        failed(d, "failed", describe(cause), retryAfter.orElse(null));
        return;
      }
      service.sent(d);
    } catch (InterruptedException e) {
      // Stopping: the delivery stays 'sending' and is claimed again after its lease.
      Thread.currentThread().interrupt();
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

  private static ThreadFactory threads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
