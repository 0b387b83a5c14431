package herald.publisher.delivery;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When to try a failed delivery again: exponential backoff with jitter, or what the target asked
 * for with {@code Retry-After}.
 */
public final class Backoff {

  /** The longest {@code Retry-After} honoured as given; beyond it the delay is capped. */
  static final Duration MAX_RETRY_AFTER = Duration.ofHours(24);

  private final Duration first;
  private final Duration max;

  /**
   * @param first the delay after the first failure; it doubles with each further one
   * @param max the longest delay
   */
  public Backoff(Duration first, Duration max) {
    this.first = first;
    this.max = max;
  }

  /**
   * The delay before the next attempt after {@code failures} failed ones (1 after the first).
   *
   * <p>"Equal jitter": half the exponential delay is fixed, the other half random, so that
   * deliveries that failed together (a target that was down) do not all come back at once, yet none
   * comes back much sooner than planned. A {@code Retry-After} is honoured as a minimum, with up to
   * 10% added so that a crowd told "60 s" does not return in the same millisecond.
   */
  public Duration delay(int failures, Optional<Duration> retryAfter) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    if (retryAfter.isPresent()) {
      Duration asked = retryAfter.get();
      if (asked.compareTo(MAX_RETRY_AFTER) > 0) {
        asked = MAX_RETRY_AFTER;
      }
      long spread = asked.toMillis() / 10;
      return asked.plusMillis(spread > 0 ? random.nextLong(spread + 1) : 0);
    }
    long base = first.toMillis();
    int shift = Math.min(Math.max(failures - 1, 0), 30);
    long exp = base > (max.toMillis() >> shift) ? max.toMillis() : base << shift;
    exp = Math.min(exp, max.toMillis());
    long half = exp / 2;
    return Duration.ofMillis(half + (exp - half > 0 ? random.nextLong(exp - half + 1) : 0));
  }
}
