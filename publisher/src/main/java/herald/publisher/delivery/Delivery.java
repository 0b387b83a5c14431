package herald.publisher.delivery;

import java.time.OffsetDateTime;
import java.util.UUID;

/** One row of the delivery log: a version of an entry going out on one channel. */
public record Delivery(
    long id,
    UUID entryId,
    long version,
    String channel,
    DeliveryStatus status,
    int attempts,
    String lastError,
    String eventId,
    OffsetDateTime createdAt,
    OffsetDateTime updatedAt) {}
