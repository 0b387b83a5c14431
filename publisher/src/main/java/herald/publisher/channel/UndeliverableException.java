package herald.publisher.channel;

/**
 * A delivery that retrying cannot fix, such as a slug that is not a safe path: the delivery is
 * marked failed and the consumer moves on.
 */
public final class UndeliverableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UndeliverableException(String message) {
    super(message);
  }
}
