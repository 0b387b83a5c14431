package herald.publisher.channel.website;

import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

/** What is published on the website, per entry and locale; see {@link PageRow}. */
public interface WebsiteIndex {

  /** The entry's rows, one per locale it is published in. */
  List<PageRow> pagesOf(UUID entryId) throws IOException;

  /**
   * Replaces the entry's rows with {@code rows} (all of one entry); a row keeps the first
   * publication time of the row it replaces.
   */
  void replace(UUID entryId, List<PageRow> rows) throws IOException;

  /** The rows of a locale, newest first. */
  List<PageRow> locale(String locale) throws IOException;

  /** The rows of the given entries in any locale. */
  List<PageRow> entries(Collection<UUID> entryIds) throws IOException;

  /** Every row, for the sitemap. */
  List<PageRow> all() throws IOException;
}
