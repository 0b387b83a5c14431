package herald.events;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.UnsupportedVersionException;

/**
 * How a {@link ConsumerLoop} sorts failures, and the waits of its partitions after retriable ones,
 * each doubling from 100 ms to at most 5 s while its failures go on. Only the loop's thread uses
 * it.
 */
final class Retries {

  static final long FIRST_MS = 100;
  static final long MAX_MS = 5_000;

  private final Map<TopicPartition, Wait> waits = new HashMap<>();

  /** Records a failure of {@code key}; returns how long it waits before its next attempt. */
  long failed(TopicPartition key, String where, Exception cause) {
    Wait previous = waits.get(key);
    int attempt = previous == null ? 0 : previous.attempt + 1;
    long delay = delayMillis(attempt);
    waits.put(key, new Wait(attempt, System.nanoTime() + delay * 1_000_000, where, cause));
    return delay;
  }

  /** Whether {@code key} failed before (its streak of failures goes on). */
  boolean failedBefore(TopicPartition key) {
    return waits.containsKey(key);
  }

  /** Ends the streak of {@code key}: it worked. */
  void succeeded(TopicPartition key) {
    waits.remove(key);
  }

  /** Partitions whose wait is over and that are still paused; they count as resumed from now. */
  List<TopicPartition> dueToResume() {
    List<TopicPartition> due = new ArrayList<>();
    long now = System.nanoTime();
    for (Map.Entry<TopicPartition, Wait> e : waits.entrySet()) {
      Wait w = e.getValue();
      if (w.paused && now - w.dueNanos >= 0) {
        w.paused = false;
        due.add(e.getKey());
      }
    }
    return due;
  }

  /** At most {@code maxNanos}, and no longer than until the next wait is over. */
  long nanosUntilNext(long maxNanos) {
    long wait = maxNanos;
    long now = System.nanoTime();
    for (Wait w : waits.values()) {
      if (w.paused) {
        wait = Math.min(wait, Math.max(0, w.dueNanos - now));
      }
    }
    return wait;
  }

  /** Drops the waits of partitions the loop no longer holds. */
  void forget(Collection<TopicPartition> partitions) {
    partitions.forEach(waits::remove);
  }

  boolean isEmpty() {
    return waits.isEmpty();
  }

  /** What the earliest wait is about, for readiness. */
  String detail() {
    Wait first = null;
    for (Wait w : waits.values()) {
      if (first == null || w.dueNanos - first.dueNanos < 0) {
        first = w;
      }
    }
    return first == null
        ? null
        : first.where + ": " + describe(first.cause) + " (attempt " + (first.attempt + 1) + ")";
  }

  /** The wait before attempt {@code attempt + 1}: doubling from 100 ms, at most 5 s. */
  static long delayMillis(int attempt) {
    return Math.min(FIRST_MS << Math.min(attempt, 20), MAX_MS);
  }

  /**
   * Whether the failure is one that neither a retry nor a restart fixes, so that the loop stops and
   * readiness says so: the cluster refuses us, or the topic name is invalid.
   */
  static boolean isFatal(Throwable failure) {
    Set<Throwable> seen = new HashSet<>();
    for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
      if (t instanceof AuthenticationException
          || t instanceof AuthorizationException
          || t instanceof UnsupportedVersionException
          || t instanceof InvalidTopicException) {
        return true;
      }
    }
    return false;
  }

  static String describe(Throwable t) {
    String m = t.getMessage();
    return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }

  private static final class Wait {
    final int attempt;
    final long dueNanos;
    final String where;
    final Exception cause;
    boolean paused = true;

    Wait(int attempt, long dueNanos, String where, Exception cause) {
      this.attempt = attempt;
      this.dueNanos = dueNanos;
      this.where = where;
      this.cause = cause;
    }
  }
}
