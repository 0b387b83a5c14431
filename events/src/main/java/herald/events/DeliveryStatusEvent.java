package herald.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * The state of one delivery (one version of an entry on one channel and target) after a change, as
 * the publisher announces it on {@link DeliveryTopics#STATUS}.
 *
 * <p>States: {@code pending} (recorded, not tried yet), {@code sending} (an attempt is under way),
 * {@code sent}, {@code retry_scheduled} (the last attempt failed; the next one is at {@code
 * nextAttemptAt}), {@code dead} (given up; {@code lastError} says why), {@code superseded} (a newer
 * version of the entry replaced it before it went out). A reader keeps, per delivery, the event
 * with the highest {@code sequence} and ignores older ones.
 *
 * @param deliveryId stable id of the delivery, derived from (entry, version, channel, target); also
 *     the idempotency key towards external services
 * @param operation {@code publish} or {@code unpublish}
 * @param sequence grows by one with every change of this delivery
 * @param publishedAt when the entry's version was published (or unpublished) in the api
 * @param history the attempts so far, oldest first (at most {@link #MAX_HISTORY}, the latest)
 */
public record DeliveryStatusEvent(
    UUID deliveryId,
    UUID entryId,
    long version,
    String channel,
    String target,
    String operation,
    String state,
    long sequence,
    int attempts,
    String lastError,
    Instant nextAttemptAt,
    Instant publishedAt,
    Instant createdAt,
    Instant updatedAt,
    Instant sentAt,
    List<Attempt> history) {

  /** CloudEvents {@code type}. */
  public static final String TYPE = "delivery.status";

  /** CloudEvents {@code source} of the publisher. */
  public static final String SOURCE = "/herald/publisher";

  /** Most attempts carried in one event. */
  public static final int MAX_HISTORY = 20;

  public DeliveryStatusEvent {
    Objects.requireNonNull(deliveryId, "deliveryId");
    Objects.requireNonNull(entryId, "entryId");
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(operation, "operation");
    Objects.requireNonNull(state, "state");
    history = List.copyOf(history);
  }

  /**
   * One try of a delivery.
   *
   * @param outcome {@code sending} while under way, then {@code sent}, {@code failed}, {@code
   *     timeout} or {@code undeliverable}
   */
  public record Attempt(
      int number, Instant startedAt, Instant finishedAt, String outcome, String error) {}

  /** The event's JSON data. */
  public byte[] toJson() {
    ObjectNode n = Json.MAPPER.createObjectNode();
    n.put("deliveryId", deliveryId.toString());
    n.put("entryId", entryId.toString());
    n.put("version", version);
    n.put("channel", channel);
    n.put("target", target);
    n.put("operation", operation);
    n.put("state", state);
    n.put("sequence", sequence);
    n.put("attempts", attempts);
    n.put("lastError", lastError);
    n.put("nextAttemptAt", text(nextAttemptAt));
    n.put("publishedAt", text(publishedAt));
    n.put("createdAt", text(createdAt));
    n.put("updatedAt", text(updatedAt));
    n.put("sentAt", text(sentAt));
    ArrayNode h = n.putArray("history");
    for (Attempt a : history) {
      ObjectNode o = h.addObject();
      o.put("number", a.number());
      o.put("startedAt", text(a.startedAt()));
      o.put("finishedAt", text(a.finishedAt()));
      o.put("outcome", a.outcome());
      o.put("error", a.error());
    }
    try {
      return Json.MAPPER.writeValueAsBytes(n);
    } catch (IOException e) {
      throw new IllegalStateException("cannot serialise delivery status", e);
    }
  }

  /**
   * Reads the JSON data of a status event.
   *
   * @throws MalformedEventException when it is not one
   */
  public static DeliveryStatusEvent fromJson(byte[] data) {
    JsonNode n;
    try {
      n = Json.MAPPER.readTree(data);
    } catch (IOException e) {
      throw new MalformedEventException("data is not JSON", e);
    }
    if (n == null || !n.isObject()) {
      throw new MalformedEventException("data is not a JSON object");
    }
    List<Attempt> history = new ArrayList<>();
    JsonNode h = n.get("history");
    if (h != null && h.isArray()) {
      for (JsonNode a : h) {
        history.add(
            new Attempt(
                a.path("number").asInt(),
                instant(a, "startedAt"),
                instant(a, "finishedAt"),
                a.path("outcome").asText(""),
                optionalText(a, "error")));
      }
    }
    return new DeliveryStatusEvent(
        uuid(Json.requiredText(n, "deliveryId")),
        uuid(Json.requiredText(n, "entryId")),
        Json.requiredLong(n, "version"),
        Json.requiredText(n, "channel"),
        Json.requiredText(n, "target"),
        Json.requiredText(n, "operation"),
        Json.requiredText(n, "state"),
        Json.requiredLong(n, "sequence"),
        n.path("attempts").asInt(),
        optionalText(n, "lastError"),
        instant(n, "nextAttemptAt"),
        instant(n, "publishedAt"),
        instant(n, "createdAt"),
        instant(n, "updatedAt"),
        instant(n, "sentAt"),
        history);
  }

  static String text(Instant t) {
    return t == null ? null : t.toString();
  }

  static String optionalText(JsonNode n, String name) {
    JsonNode v = n.get(name);
    return v == null || v.isNull() ? null : v.asText();
  }

  static Instant instant(JsonNode n, String name) {
    String s = optionalText(n, name);
    if (s == null) {
      return null;
    }
    try {
      return Instant.parse(s);
    } catch (DateTimeParseException e) {
      throw new MalformedEventException("not an RFC 3339 UTC time in '" + name + "': " + s, e);
    }
  }

  static UUID uuid(String s) {
    try {
      return UUID.fromString(s);
    } catch (IllegalArgumentException e) {
      throw new MalformedEventException("not a UUID: " + s, e);
    }
  }
}
