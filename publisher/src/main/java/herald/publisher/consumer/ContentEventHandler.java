package herald.publisher.consumer;

import herald.events.ContentEvent;

/** What the consumer does with each readable content event; must be idempotent. */
@FunctionalInterface
public interface ContentEventHandler {

  /**
   * Handles the event; an exception that {@link Failures#isRetriable} accepts makes the consumer
   * back off and hand in the same event again, any other stops the consumer.
   *
   * @param eventId the CloudEvents id, or null when the record has none
   */
  void handle(ContentEvent event, String eventId) throws Exception;
}
