package herald.publisher.channel.newsletter;

import herald.events.ContentEventCodec;
import herald.events.ContentPublished;
import herald.events.ContentUnpublished;
import herald.publisher.channel.Channel;
import herald.publisher.channel.RetryLaterException;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.io.IOException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The newsletter channel: a published entry goes into the pool of entries for the next issue (a
 * newer version replaces its snapshot), an unpublished one leaves the pool and any issue not yet
 * sent. Sending is the editor's act, through {@link NewsletterModule}'s endpoints.
 */
public final class NewsletterChannel implements Channel {

  /** The channel's name in an entry's {@code channels}. */
  public static final String NAME = "newsletter";

  private static final Duration DB_TIMEOUT = Duration.ofSeconds(30);

  private final Pool pool;
  private final NewsletterEntryRepository entries;

  NewsletterChannel(Pool pool, NewsletterEntryRepository entries) {
    this.pool = pool;
    this.entries = entries;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void publish(ContentPublished event) throws IOException {
    JsonObject data = new JsonObject(Buffer.buffer(ContentEventCodec.data(event)));
    await(
        entries.upsert(
            pool,
            event.entryId(),
            event.version(),
            data,
            OffsetDateTime.ofInstant(event.occurredAt(), ZoneOffset.UTC)));
  }

  @Override
  public void unpublish(ContentUnpublished event) throws IOException {
    await(pool.withTransaction(conn -> entries.remove(conn, event.entryId(), event.version())));
  }

  /** NOTE: blocks; the channel runs on a delivery's virtual thread, never on an event loop. */
  private static <T> T await(Future<T> future) throws IOException {
    try {
      // NOTE: timeout() rather than await(time): on a virtual thread the latter waits forever.
      return future.timeout(DB_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).await();
    } catch (Exception e) {
      if (e instanceof TimeoutException t) {
        throw new RetryLaterException("the database did not answer within " + DB_TIMEOUT, null, t);
      }
      throw e;
    }
  }
}
