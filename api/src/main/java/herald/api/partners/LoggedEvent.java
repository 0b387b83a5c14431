package herald.api.partners;

import herald.events.ContentEvent;
import io.vertx.core.json.JsonObject;

/**
 * One record of the content topic as the partner consumer read it: its position, the decoded event
 * (null for a poison record, which only advances the position), its CloudEvents id and its data.
 */
public record LoggedEvent(
    int partition, long offset, String eventId, ContentEvent event, JsonObject data) {

  /**
   * The Standard Webhooks / sync name of the event: {@code entry.published} or {@code
   * entry.unpublished}.
   */
  public String kind() {
    return event instanceof herald.events.ContentPublished
        ? "entry.published"
        : "entry.unpublished";
  }
}
