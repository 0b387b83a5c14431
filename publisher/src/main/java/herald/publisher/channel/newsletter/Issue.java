package herald.publisher.channel.newsletter;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.UUID;

/** A newsletter issue (edition). */
record Issue(
    UUID id,
    long number,
    String subject,
    String status,
    Instant scheduledAt,
    Instant startedAt,
    Instant sentAt,
    Instant createdAt) {

  static final String DRAFT = "draft";
  static final String SCHEDULED = "scheduled";
  static final String SENDING = "sending";
  static final String SENT = "sent";

  /** Whether its items and subject may still change. */
  boolean editable() {
    return DRAFT.equals(status) || SCHEDULED.equals(status);
  }

  JsonObject toJson() {
    return new JsonObject()
        .put("id", id.toString())
        .put("number", number)
        .put("subject", subject)
        .put("status", status)
        .put("scheduledAt", str(scheduledAt))
        .put("startedAt", str(startedAt))
        .put("sentAt", str(sentAt))
        .put("createdAt", str(createdAt));
  }

  private static String str(Instant i) {
    return i == null ? null : i.toString();
  }
}
