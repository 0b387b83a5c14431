package herald.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * A request from the api to the publisher about one delivery, on {@link DeliveryTopics#COMMANDS}.
 * Today there is one: {@link #RETRY}, which runs a dead (or waiting) delivery again now.
 *
 * @param commandId unique per request, for tracing and de-duplication
 * @param requestedBy who asked (an API key name), for the log
 */
public record DeliveryCommand(
    UUID commandId,
    String type,
    UUID deliveryId,
    UUID entryId,
    String requestedBy,
    Instant requestedAt) {

  /** CloudEvents {@code type} of a retry request. */
  public static final String RETRY = "delivery.retry";

  /** CloudEvents {@code source} of the api. */
  public static final String SOURCE = "/herald/api";

  public DeliveryCommand {
    Objects.requireNonNull(commandId, "commandId");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(deliveryId, "deliveryId");
    Objects.requireNonNull(entryId, "entryId");
    Objects.requireNonNull(requestedAt, "requestedAt");
  }

  /** A retry request for the delivery. */
  public static DeliveryCommand retry(UUID deliveryId, UUID entryId, String requestedBy) {
    return new DeliveryCommand(
        UUID.randomUUID(), RETRY, deliveryId, entryId, requestedBy, Instant.now());
  }

  /** The command's JSON data. */
  public byte[] toJson() {
    ObjectNode n = Json.MAPPER.createObjectNode();
    n.put("commandId", commandId.toString());
    n.put("type", type);
    n.put("deliveryId", deliveryId.toString());
    n.put("entryId", entryId.toString());
    n.put("requestedBy", requestedBy);
    n.put("requestedAt", requestedAt.toString());
    try {
      return Json.MAPPER.writeValueAsBytes(n);
    } catch (IOException e) {
      throw new IllegalStateException("cannot serialise delivery command", e);
    }
  }

  /**
   * Reads a command's JSON data.
   *
   * @throws MalformedEventException when it is not one
   */
  public static DeliveryCommand fromJson(byte[] data) {
    JsonNode n;
    try {
      n = Json.MAPPER.readTree(data);
    } catch (IOException e) {
      throw new MalformedEventException("data is not JSON", e);
    }
    if (n == null || !n.isObject()) {
      throw new MalformedEventException("data is not a JSON object");
    }
    return new DeliveryCommand(
        DeliveryStatusEvent.uuid(Json.requiredText(n, "commandId")),
        Json.requiredText(n, "type"),
        DeliveryStatusEvent.uuid(Json.requiredText(n, "deliveryId")),
        DeliveryStatusEvent.uuid(Json.requiredText(n, "entryId")),
        DeliveryStatusEvent.optionalText(n, "requestedBy"),
        DeliveryStatusEvent.instant(n, "requestedAt"));
  }
}
