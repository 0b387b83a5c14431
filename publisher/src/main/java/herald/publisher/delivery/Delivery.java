package herald.publisher.delivery;

import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * One row of the delivery log: a version of an entry going out to one target of one channel.
 *
 * @param id the row's key inside the publisher
 * @param deliveryId the public id, also the idempotency key
 * @param seq grows with every change; carried by the status events
 */
public record Delivery(
    long id,
    UUID deliveryId,
    UUID entryId,
    long version,
    String channel,
    String target,
    String operation,
    DeliveryStatus status,
    int attempts,
    int retryBase,
    String lastError,
    String eventId,
    long seq,
    OffsetDateTime nextAttemptAt,
    OffsetDateTime publishedAt,
    OffsetDateTime sentAt,
    OffsetDateTime createdAt,
    OffsetDateTime updatedAt) {

  /** The operation of a delivery that publishes. */
  public static final String PUBLISH = "publish";

  /** The operation of a delivery that unpublishes (the channel's undo). */
  public static final String UNPUBLISH = "unpublish";
}
