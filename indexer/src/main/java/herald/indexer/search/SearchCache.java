package herald.indexer.search;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Recent answers for the searcher they were computed on, like Solr's query result cache: the same
 * search (same parameters, cursor included) on an unchanged index is answered from memory. Every
 * answer is kept with the key of its searcher and served only for that searcher, so an answer is
 * never staler than the searcher itself; a new searcher (every refresh brings one) also empties the
 * cache.
 */
final class SearchCache {
  /** An answer and the key of the searcher it was computed on. */
  private record Entry(Object searcherKey, SearchResult result) {}

  private final int maxEntries;
  private final Map<SearchQuery, Entry> entries = new ConcurrentHashMap<>();
  private volatile Object searcherKey;

  /** A cache of at most {@code maxEntries} answers; 0 turns it off. */
  SearchCache(int maxEntries) {
    this.maxEntries = maxEntries;
  }

  boolean enabled() {
    return maxEntries > 0;
  }

  /** The cached answer for the query on the searcher with this key, if any. */
  SearchResult get(Object key, SearchQuery q) {
    if (!enabled()) {
      return null;
    }
    Entry e = entries.get(q);
    return e != null && e.searcherKey() == key ? e.result() : null;
  }

  void put(Object key, SearchQuery q, SearchResult r) {
    if (!enabled()) {
      return;
    }
    if (key != searcherKey) {
      // Only frees memory: a search still running on the previous searcher may put its answer
      // after this, and get() tells it apart by its key.
      synchronized (this) {
        if (key != searcherKey) {
          entries.clear();
          searcherKey = key;
        }
      }
    }
    if (entries.size() >= maxEntries) {
      // NOTE: crude but bounded: a full cache starts over rather than tracking recency.
      entries.clear();
    }
    entries.put(q, new Entry(key, r));
  }
}
