package herald.indexer.search;

import static herald.indexer.GoldenEvents.ENTRY_ID;
import static herald.indexer.GoldenEvents.otherEntry;
import static herald.indexer.GoldenEvents.published;
import static herald.indexer.GoldenEvents.unpublished;
import static herald.indexer.GoldenEvents.version;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import herald.indexer.SeedEvents;
import herald.indexer.index.ContentIndex;
import herald.indexer.index.LiveIndex;
import herald.indexer.search.SearchResult.FacetValue;
import io.vertx.core.MultiMap;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.lucene.index.LeafReaderContext;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Facet ordinals kept in memory per segment")
class FacetOrdinalsTest {
  @TempDir Path dir;

  @Test
  @DisplayName("count live documents across segments, and are dropped with their segment")
  void countsAcrossSegmentsAndDeletes() throws IOException {
    List<Object> keys = new ArrayList<>();
    try (ContentIndex index = ContentIndex.open(dir)) {
      ContentSearcher searcher = new ContentSearcher(new LiveIndex(index));
      // Three segments: the golden entry in English and Serbian Cyrillic, another English entry,
      // then the golden entry again in English only, which deletes its two documents of the first.
      index.apply(published());
      index.refresh();
      index.apply(published(otherEntry(UUID.randomUUID(), "Second entry", "Other")));
      index.refresh();
      index.apply(
          published(
              version(4).andThen(otherEntry(UUID.fromString(ENTRY_ID), "Golden again", "En"))));
      index.refresh();

      MultiMap params = MultiMap.caseInsensitiveMultiMap();
      params.add("q", "-zzzz").add("facets", "locale,type");
      SearchResult r = searcher.search(SearchQuery.of(params));

      assertEquals(2, r.total());
      assertEquals(List.of(new FacetValue("en", 2)), r.facets().get("locale"));
      assertEquals(2, r.facets().get("type").get(0).count());
      index.withSearcher(
          s -> {
            for (LeafReaderContext leaf : s.getIndexReader().leaves()) {
              Object key = leaf.reader().getCoreCacheHelper().getKey();
              assertTrue(FacetOrdinals.held(key));
              keys.add(key);
            }
            return null;
          });
    }
    assertFalse(keys.isEmpty());
    keys.forEach(k -> assertFalse(FacetOrdinals.held(k)));
  }

  @Test
  @DisplayName("counted together in one number, type, locale and year count as each one alone")
  void combinedCountsAsSeparate() throws IOException {
    try (ContentIndex index = ContentIndex.open(dir)) {
      ContentSearcher searcher = new ContentSearcher(new LiveIndex(index));
      for (var e : SeedEvents.all()) {
        index.apply(e);
      }
      index.refresh();
      // A second segment, and a tombstone: a document without type, locale or year.
      index.apply(published());
      index.apply(unpublished(version(5)));
      index.refresh();

      SearchResult together = facets(searcher, "type,locale,year");
      assertEquals(3, together.facets().size());
      int values = 0;
      for (String facet : List.of("type", "locale", "year")) {
        List<FacetValue> alone = facets(searcher, facet).facets().get(facet);
        assertEquals(alone, together.facets().get(facet), facet);
        values += alone.size();
      }
      assertTrue(values > 6, together.facets().toString());
    }
  }

  private static SearchResult facets(ContentSearcher searcher, String names) throws IOException {
    MultiMap params = MultiMap.caseInsensitiveMultiMap();
    params.add("q", "-zzzz").add("facets", names);
    return searcher.search(SearchQuery.of(params));
  }
}
