package herald.publisher.delivery;

import java.util.Locale;

/** Where a delivery stands; stored lower-case in {@code publisher.delivery.status}. */
public enum DeliveryStatus {
  /** Recorded before the effect: a crash after this leaves a trace to finish on replay. */
  PENDING,
  /** The channel confirmed the effect. */
  SENT,
  /** The last attempt failed; {@code last_error} says why. */
  FAILED,
  /** Deliberately not done, for example because a newer version superseded it. */
  SKIPPED;

  /** The value in the database. */
  public String dbValue() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The status for a database value. */
  public static DeliveryStatus fromDb(String value) {
    return valueOf(value.toUpperCase(Locale.ROOT));
  }
}
