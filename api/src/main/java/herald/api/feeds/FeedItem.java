package herald.api.feeds;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * One entry as a feed shows it, in one locale.
 *
 * @param html sanitised HTML of the entry's rich text (or its escaped summary)
 * @param fields the rendered fields, for format-specific extras such as event times
 */
public record FeedItem(
    UUID id,
    String type,
    String locale,
    String title,
    String summary,
    String html,
    String link,
    Instant published,
    Instant updated,
    long version,
    List<String> authors,
    List<String> tags,
    List<Enclosure> enclosures,
    JsonObject fields) {

  /** A media file: URL and its media type (guessed from the file name). */
  public record Enclosure(String url, String mediaType) {}
}
