package herald.publisher.delivery;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Where the loops of a virtual-thread context wait for work: {@link #wake()} ends one wait (any
 * thread may call it), and a wake-up that comes while nobody waits ends the next wait at once, so
 * that none is lost between a loop finding nothing and starting to wait.
 */
final class Wakeups {

  private final Vertx vertx;
  private final Queue<Promise<Void>> sleepers = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean pending = new AtomicBoolean();
  private volatile boolean closed;

  Wakeups(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Ends one wait, or the next one if nobody waits. */
  void wake() {
    for (Promise<Void> p = sleepers.poll(); p != null; p = sleepers.poll()) {
      if (p.tryComplete()) {
        return;
      }
    }
    pending.set(true);
  }

  /** Ends every wait, now and from now on (the loops are stopping). */
  void close() {
    closed = true;
    for (Promise<Void> p = sleepers.poll(); p != null; p = sleepers.poll()) {
      p.tryComplete();
    }
  }

  /**
   * Waits (a Vert.x await: call it on a virtual thread) until woken, or at most {@code atMost} when
   * it is given.
   */
  void sleep(Duration atMost) {
    Promise<Void> woken = Promise.promise();
    sleepers.add(woken);
    if (pending.getAndSet(false) || closed) {
      woken.tryComplete();
    }
    long timer = atMost == null ? -1 : vertx.setTimer(atMost.toMillis(), id -> woken.tryComplete());
    try {
      woken.future().await();
    } finally {
      sleepers.remove(woken);
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
    }
  }
}
