package herald.publisher.channel.website;

import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link WebsiteIndex} in PostgreSQL with a copy in memory that answers every read: a website
 * delivery reads its entry's rows, the rows it references, its locale's listing and every row for
 * the sitemap, and each of those was a round trip to the database, one after another under the
 * site's write lock. Writes go to the database first and then to the copy, so the copy never holds
 * what the database does not; it is loaded from the database at the first read after start.
 *
 * <p>NOTE: the publisher is the site's only writer (its lock serializes website deliveries, and the
 * site directory is its own), so nothing changes the rows behind the copy's back.
 */
public final class CachedWebsiteIndex implements WebsiteIndex {
  private final WebsiteIndex durable;
  // Guards the loading of the copy and keeps writes in the same order in both places.
  private final ReentrantLock lock = new ReentrantLock();
  private volatile InMemoryWebsiteIndex memory;

  public CachedWebsiteIndex(WebsiteIndex durable) {
    this.durable = durable;
  }

  private InMemoryWebsiteIndex memory() throws IOException {
    InMemoryWebsiteIndex loaded = memory;
    if (loaded != null) {
      return loaded;
    }
    lock.lock();
    try {
      if (memory == null) {
        InMemoryWebsiteIndex fresh = new InMemoryWebsiteIndex();
        fresh.load(durable.all());
        memory = fresh;
      }
      return memory;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public List<PageRow> pagesOf(UUID entryId) throws IOException {
    return memory().pagesOf(entryId);
  }

  @Override
  public void replace(UUID entryId, List<PageRow> rows) throws IOException {
    InMemoryWebsiteIndex copy = memory();
    lock.lock();
    try {
      durable.replace(entryId, rows);
      copy.replace(entryId, rows);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public List<PageRow> locale(String locale) throws IOException {
    return memory().locale(locale);
  }

  @Override
  public List<PageRow> entries(Collection<UUID> entryIds) throws IOException {
    return memory().entries(entryIds);
  }

  @Override
  public List<PageRow> all() throws IOException {
    return memory().all();
  }
}
