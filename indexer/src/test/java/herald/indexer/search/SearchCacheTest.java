package herald.indexer.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import herald.indexer.GoldenEvents;
import herald.indexer.index.ContentIndex;
import herald.indexer.index.LiveIndex;
import java.io.IOException;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The search result cache")
class SearchCacheTest {
  @TempDir Path dir;

  @Test
  @DisplayName("a repeated search is answered from memory until the next refresh shows new content")
  void cachedUntilRefresh() throws IOException {
    try (ContentIndex index = ContentIndex.open(dir)) {
      index.apply(GoldenEvents.published());
      index.refresh();
      ContentSearcher searcher = new ContentSearcher(new LiveIndex(index), 10);
      SearchQuery q = SearchQuery.of("webinar", null, null, null);

      SearchResult first = searcher.search(q);
      assertSame(first, searcher.search(q));
      assertNotSame(first, searcher.search(SearchQuery.of("webinar", null, "en", null)));

      index.apply(
          GoldenEvents.published(
              GoldenEvents.otherEntry(UUID.randomUUID(), "Another webinar", "On harm reduction")));
      index.refresh();
      SearchResult after = searcher.search(q);
      assertEquals(first.total() + 1, after.total());
    }
  }

  @Test
  @DisplayName("an answer computed on the previous searcher is never served for the new one")
  void lateAnswerOfPreviousSearcher() throws Exception {
    SearchCache cache = new SearchCache(100);
    SearchQuery q = SearchQuery.of("webinar", null, null, null);
    SearchQuery other = SearchQuery.of("harm", null, null, null);
    SearchResult stale = SearchResult.empty();
    ExecutorService late = Executors.newSingleThreadExecutor();
    try {
      // A search that started before a refresh stores its answer while the first search on the
      // refreshed searcher stores its own: whatever the interleaving, the new searcher's lookup
      // must not find the previous searcher's answer.
      for (int round = 0; round < 10_000; round++) {
        Object previous = new Object();
        Object refreshed = new Object();
        cache.put(previous, q, stale);
        CountDownLatch go = new CountDownLatch(1);
        Future<?> put =
            late.submit(
                () -> {
                  go.await();
                  cache.put(previous, q, stale);
                  return null;
                });
        go.countDown();
        cache.put(refreshed, other, SearchResult.empty());
        put.get();
        assertNull(cache.get(refreshed, q), "round " + round);
      }
    } finally {
      late.shutdownNow();
    }
  }

  @Test
  @DisplayName("a cache of size 0 computes every answer")
  void off() throws IOException {
    try (ContentIndex index = ContentIndex.open(dir)) {
      index.apply(GoldenEvents.published());
      index.refresh();
      ContentSearcher searcher = new ContentSearcher(new LiveIndex(index), 0);
      SearchQuery q = SearchQuery.of("webinar", null, null, null);
      assertNotSame(searcher.search(q), searcher.search(q));
    }
  }
}
