package herald.publisher.channel.website;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * One entry in one locale as published on the website: what index, tag and sitemap pages list, and
 * what a reference to the entry (a speaker, an organiser) is shown as.
 */
public record PageRow(
    UUID entryId,
    String locale,
    long version,
    String contentType,
    String slug,
    String title,
    String summary,
    Instant publishedAt,
    List<String> tags) {

  public PageRow {
    tags = List.copyOf(tags);
  }

  /** The page's path relative to the site root, ending in a slash. */
  public String path() {
    return locale + "/" + contentType + "/" + slug + "/";
  }
}
