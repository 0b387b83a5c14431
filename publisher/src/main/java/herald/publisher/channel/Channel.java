package herald.publisher.channel;

import herald.events.ContentEvent;
import herald.events.ContentPublished;
import herald.events.ContentUnpublished;
import java.io.IOException;
import java.util.List;

/**
 * A place that published content goes out to (the website, social networks, the newsletter, partner
 * webhooks).
 *
 * <p>Each (entry, version, channel, target) is one delivery, run by the publisher's delivery
 * workers: the operations run on a virtual thread and may block, but an attempt that takes longer
 * than the configured timeout counts as failed and is retried. Both operations must be idempotent
 * (after a crash or a timeout the same delivery is attempted again): use {@link
 * DeliveryContext#idempotencyKey()} towards external services.
 *
 * <p>Failures: {@link UndeliverableException} (and HTTP 401/403/404/410/422 from a target, which
 * adapters map to it) ends the delivery as dead at once; {@link RetryLaterException} schedules the
 * retry no earlier than its {@code retryAfter}; any other {@link IOException} or runtime exception
 * is retried with exponential backoff and jitter until the attempts run out.
 */
public interface Channel {

  /** The target of a channel that has only one. */
  String DEFAULT_TARGET = "default";

  /**
   * The channel's name as editors choose it in an entry's {@code channels}, e.g. {@code website}.
   */
  String name();

  /**
   * Where on this channel the event goes, one delivery each: accounts of a social network, lists of
   * a newsletter. An unpublish also goes to every target an earlier version went to.
   */
  default List<String> targets(ContentEvent event) {
    return List.of(DEFAULT_TARGET);
  }

  /**
   * How many of this channel's deliveries may run at once. A channel whose work is largely
   * serialized (the website renders its listings under one lock) says a small number, so that its
   * waiting deliveries do not hold workers that other channels' deliveries could use.
   */
  default int concurrency() {
    return Integer.MAX_VALUE;
  }

  /**
   * Makes the published version visible on the channel.
   *
   * @throws IOException on a failure worth retrying later
   * @throws UndeliverableException when this version can never be delivered as it is
   */
  void publish(ContentPublished event) throws IOException;

  /**
   * Withdraws the entry from the channel; withdrawing what is not there is not an error.
   *
   * @throws IOException on a failure worth retrying later
   * @throws UndeliverableException when this event can never be delivered as it is
   */
  void unpublish(ContentUnpublished event) throws IOException;

  /**
   * Makes the published version visible on one target; by default {@link
   * #publish(ContentPublished)}. Channels with targets or idempotency keys override this one.
   */
  default void publish(ContentPublished event, DeliveryContext delivery) throws IOException {
    publish(event);
  }

  /** Withdraws the entry from one target; by default {@link #unpublish(ContentUnpublished)}. */
  default void unpublish(ContentUnpublished event, DeliveryContext delivery) throws IOException {
    unpublish(event);
  }
}
