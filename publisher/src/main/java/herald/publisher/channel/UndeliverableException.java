package herald.publisher.channel;

/**
 * A delivery that retrying cannot fix, such as a slug that is not a safe path or a 410 from the
 * target: the delivery is marked dead with this message as the reason, without further attempts.
 */
public final class UndeliverableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UndeliverableException(String message) {
    super(message);
  }
}
