package herald.indexer.search;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Recent answers for the searcher they were computed on, like Solr's query result cache: the same
 * search (same parameters, cursor included) on an unchanged index is answered from memory. Every
 * refresh brings a new searcher, which starts with an empty cache, so an answer is never staler
 * than the searcher itself.
 */
final class SearchCache {
  private final int maxEntries;
  private final Map<SearchQuery, SearchResult> entries = new ConcurrentHashMap<>();
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
    if (!enabled() || key != searcherKey) {
      return null;
    }
    return entries.get(q);
  }

  void put(Object key, SearchQuery q, SearchResult r) {
    if (!enabled()) {
      return;
    }
    if (key != searcherKey) {
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
    entries.put(q, r);
  }
}
