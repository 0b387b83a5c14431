package herald.publisher.channel;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * What a channel knows about the delivery it is asked to make: the target on the channel, the
 * attempt number, and the idempotency key to send to external services, so that a retry after a
 * crash or a timeout has one effect at the target.
 *
 * @param deliveryId the delivery's public id; equal to {@code idempotencyKey} as a UUID
 * @param target where on the channel, one of {@link Channel#targets}
 * @param attempt 1 for the first attempt
 * @param idempotencyKey stable for (entry id, version, channel, target)
 */
public record DeliveryContext(
    UUID deliveryId, String channel, String target, int attempt, String idempotencyKey) {

  /** The context of an attempt of the delivery of (entry, version, channel, target). */
  public static DeliveryContext of(
      UUID entryId, long version, String channel, String target, int attempt) {
    UUID id = deliveryId(entryId, version, channel, target);
    return new DeliveryContext(id, channel, target, attempt, id.toString());
  }

  /**
   * The delivery id (and idempotency key) of (entry, version, channel, target): a name-based UUID,
   * the same in every process and after every restart.
   */
  public static UUID deliveryId(UUID entryId, long version, String channel, String target) {
    String name = "herald-delivery:" + entryId + ":" + version + ":" + channel + ":" + target;
    return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8));
  }
}
