package herald.publisher.channel;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/**
 * A delivery that failed for now and is worth retrying, such as a target answering 429 or 5xx or
 * not answering in time; carries the target's {@code Retry-After} when it gave one.
 */
public class RetryLaterException extends IOException {
  private static final long serialVersionUID = 1L;

  private final Duration retryAfter;

  /**
   * @param retryAfter how long the target asked us to wait; null when it did not say
   */
  public RetryLaterException(String message, Duration retryAfter) {
    super(message);
    this.retryAfter = retryAfter == null || retryAfter.isNegative() ? null : retryAfter;
  }

  /** The same, caused by another failure (a timeout, a refused connection). */
  public RetryLaterException(String message, Duration retryAfter, Throwable cause) {
    this(message, retryAfter);
    initCause(cause);
  }

  /** How long the target asked us to wait before trying again, if it said. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
