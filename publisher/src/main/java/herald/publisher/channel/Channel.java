package herald.publisher.channel;

import herald.events.ContentPublished;
import herald.events.ContentUnpublished;
import java.io.IOException;

/**
 * A place that published content goes out to (the website, later social networks, the newsletter,
 * partner webhooks).
 *
 * <p>Both operations must be idempotent: after a crash the same version is delivered again. They
 * run on the consumer thread and may block.
 */
public interface Channel {

  /**
   * The channel's name as editors choose it in an entry's {@code channels}, e.g. {@code website}.
   */
  String name();

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
}
