package herald.indexer.search;

import static herald.indexer.GoldenEvents.otherEntry;
import static herald.indexer.GoldenEvents.published;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import herald.indexer.index.ContentIndex;
import herald.indexer.index.LiveIndex;
import io.vertx.core.MultiMap;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Totals past the exact-count limit of a ranked search")
class TotalsTest {
  @TempDir Path dir;

  @Test
  @DisplayName("by relevance a lower bound past 1,000 matches; by date always exact")
  void totals() throws IOException {
    int entries = ContentSearcher.EXACT_TOTAL_UP_TO + 500;
    try (ContentIndex index = ContentIndex.open(dir)) {
      for (int i = 0; i < entries; i++) {
        UUID id = UUID.nameUUIDFromBytes(("bulk" + i).getBytes(StandardCharsets.UTF_8));
        index.apply(published(otherEntry(id, "Bulk report " + i, "Quarterly figures")));
      }
      index.refresh();
      ContentSearcher searcher = new ContentSearcher(new LiveIndex(index));

      for (String sort : new String[] {"date", "date:asc"}) {
        SearchResult byDate = searcher.search(query("sort", sort));
        assertEquals(entries, byDate.total(), sort);
        assertTrue(byDate.totalExact(), sort);
      }
      SearchResult ranked = searcher.search(query());
      assertTrue(ranked.total() >= ContentSearcher.EXACT_TOTAL_UP_TO, "" + ranked.total());
      assertTrue(ranked.total() <= entries);
      assertEquals(ranked.total() == entries, ranked.totalExact());
    }
  }

  private static SearchQuery query(String... more) {
    MultiMap params = MultiMap.caseInsensitiveMultiMap().add("q", "bulk").add("limit", "5");
    for (int i = 0; i < more.length; i += 2) {
      params.add(more[i], more[i + 1]);
    }
    return SearchQuery.of(params);
  }
}
