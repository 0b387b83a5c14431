package herald.publisher.delivery;

import java.util.Locale;

/** Where a delivery stands; stored lower-case in {@code publisher.delivery.status}. */
public enum DeliveryStatus {
  /** Recorded, not tried yet: a crash after this leaves a row that the poller picks up. */
  PENDING,
  /** An attempt is under way (recorded before the call); its lease says until when at most. */
  SENDING,
  /** The channel confirmed the effect. */
  SENT,
  /** The last attempt failed; the next one is due at {@code next_attempt_at}. */
  RETRY_SCHEDULED,
  /** Given up, without further attempts unless an editor asks for a retry; the reason is kept. */
  DEAD,
  /** A newer version of the entry arrived before this one went out; it never will. */
  SUPERSEDED;

  /** The value in the database and in status events. */
  public String dbValue() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The status for a database value. */
  public static DeliveryStatus fromDb(String value) {
    return valueOf(value.toUpperCase(Locale.ROOT));
  }

  /** Whether nothing more will happen to the delivery by itself. */
  public boolean isFinal() {
    return this == SENT || this == DEAD || this == SUPERSEDED;
  }
}
