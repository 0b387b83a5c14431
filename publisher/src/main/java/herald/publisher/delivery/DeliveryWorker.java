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
 * Runs due deliveries: each worker thread claims one from PostgreSQL (new ones at once when woken,
 * retries when their time comes, and those whose lease ran out because a publisher died), calls the
 * channel with a timeout, records the outcome and claims the next. Workers claim in parallel
 * ({@code FOR UPDATE SKIP LOCKED} keeps their claims apart): a single dispatcher claiming for all
 * of them was the bottleneck under load, each claim being a few round trips to PostgreSQL.
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
  private final Semaphore wakeups = new Semaphore(0);
  // Whether an idle worker is polling on a timer (at most one is; see work()).
  private final java.util.concurrent.atomic.AtomicBoolean polling =
      new java.util.concurrent.atomic.AtomicBoolean();
  // Deliveries of each limited channel claimed and not yet finished.
  private final Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
  private final ExecutorService calls;
  private final List<Thread> workers = new ArrayList<>();
  private volatile boolean stopping;

  /** A worker for the service's channels; call {@link #start()} to begin. */
  public DeliveryWorker(DeliveryService service, DeliverySettings settings) {
    this.service = service;
    this.settings = settings;
    this.backoff = new Backoff(settings.backoff(), settings.maxBackoff());
    this.calls = Executors.newCachedThreadPool(threads("herald-delivery-call-"));
  }

  /** Starts the worker threads. */
  public synchronized void start() {
    if (!workers.isEmpty()) {
      throw new IllegalStateException("already started");
    }
    for (int i = 1; i <= settings.workers(); i++) {
      Thread t = new Thread(this::work, "herald-delivery-" + i);
      t.setDaemon(true);
      workers.add(t);
      t.start();
    }
  }

  /**
   * Makes a waiting worker look for due deliveries now rather than at its next poll; a worker that
   * finds one wakes the next, so a burst of new deliveries brings in as many workers as it needs.
   */
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
    List<Thread> all;
    synchronized (this) {
      all = List.copyOf(workers);
    }
    wakeups.release(all.size());
    long deadline = System.nanoTime() + grace.toNanos() + TimeUnit.SECONDS.toNanos(1);
    for (Thread t : all) {
      t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
    }
    if (all.stream().anyMatch(Thread::isAlive)) {
      LOG.warn("abandoning delivery attempts still under way; they resume after their lease");
      all.forEach(Thread::interrupt);
    }
    calls.shutdownNow();
  }

  /**
   * Claims and delivers until stopped. Of the idle workers, one at a time also looks every poll
   * interval, for deliveries that come due by themselves (retries); the others wait to be woken, by
   * new deliveries or by a worker that found work (a wake-up is passed on only by finding work),
   * and the first of them to find nothing becomes the one that polls.
   */
  private void work() {
    while (!stopping) {
      try {
        Optional<DeliveryService.Claimed> claimed = claimOne();
        if (claimed.isEmpty()) {
          if (polling.compareAndSet(false, true)) {
            try {
              wakeups.tryAcquire(settings.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
            } finally {
              polling.set(false);
            }
          } else {
            wakeups.acquire();
          }
          continue;
        }
        // There may be more due: another worker looks while this one delivers.
        wake();
        DeliveryService.Claimed c = claimed.get();
        try {
          attempt(c);
        } finally {
          AtomicInteger r = running.get(c.delivery().channel());
          if (r != null) {
            r.decrementAndGet();
            // Room for the channel again: a worker may claim its next delivery.
            wake();
          }
        }
      } catch (RuntimeException e) {
        if (stopping) {
          return;
        }
        // The database is away or the pool closed; the rows wait safely in PostgreSQL.
        LOG.warn("could not claim deliveries, trying again in {}: {}", ERROR_PAUSE, e.toString());
        try {
          Thread.sleep(ERROR_PAUSE.toMillis());
        } catch (InterruptedException ie) {
          return;
        }
      } catch (InterruptedException e) {
        return;
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
