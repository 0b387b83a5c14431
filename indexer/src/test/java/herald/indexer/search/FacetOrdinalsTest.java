package herald.indexer.search;

import static herald.indexer.GoldenEvents.ENTRY_ID;
import static herald.indexer.GoldenEvents.entry;
import static herald.indexer.GoldenEvents.otherEntry;
import static herald.indexer.GoldenEvents.published;
import static herald.indexer.GoldenEvents.version;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import herald.indexer.index.ContentIndex;
import herald.indexer.index.LiveIndex;
import herald.indexer.search.SearchResult.FacetValue;
import io.vertx.core.MultiMap;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.util.FixedBitSet;
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
  @DisplayName("value by value (bitsets, document lists) and document by document count the same")
  void bothWaysCountTheSame() throws IOException {
    try (ContentIndex index = ContentIndex.open(dir)) {
      ContentSearcher searcher = new ContentSearcher(new LiveIndex(index));
      tagged(index);
      index.withSearcher(
          s -> {
            Random random = new Random(11);
            for (LeafReaderContext leaf : s.getIndexReader().leaves()) {
              int maxDoc = leaf.reader().maxDoc();
              for (String field : List.of("type", "locale", "tags", "year")) {
                FacetOrdinals.Field f =
                    FacetOrdinals.of(leaf.reader(), field, field.equals("tags"));
                if (field.equals("tags")) {
                  assertTrue(f.denseValues() > 0 && f.sparseDocs() > 0, "both kinds of tag");
                }
                for (double density : new double[] {0.002, 0.05, 0.5, 1}) {
                  FixedBitSet matches = new FixedBitSet(maxDoc);
                  for (int doc = 0; doc < maxDoc; doc++) {
                    if (random.nextDouble() < density) {
                      matches.set(doc);
                    }
                  }
                  int[] byValue = new int[f.valueCount()];
                  f.countAll(matches, byValue);
                  int[] byDocument = new int[f.valueCount()];
                  for (int doc = 0; doc < maxDoc; doc++) {
                    if (matches.get(doc)) {
                      f.count(doc, byDocument);
                    }
                  }
                  assertArrayEquals(byDocument, byValue, field + " at " + density);
                }
              }
            }
            return null;
          });

      // Through a search: many matches (value by value) and a few (document by document).
      assertEquals(
          List.of(new FacetValue("common", 400), new FacetValue("half", 400)),
          facets(searcher, "tags", "half").facets().get("tags").subList(0, 2));
      assertEquals(
          List.of(new FacetValue("common", 20), new FacetValue("rare-3", 20)),
          facets(searcher, "tags", "rare-3").facets().get("tags"));
      assertEquals(
          List.of(new FacetValue("en", 400), new FacetValue("sr-Cyrl", 400)),
          facets(searcher, "locale", null).facets().get("locale"));
    }
  }

  /**
   * 400 entries in two locales, tagged: "common" on all, "half" on every other, and one of 40
   * "rare-N" on each (20 documents each: rarer than one document in {@link FacetOrdinals#DENSE}).
   */
  private static void tagged(ContentIndex index) throws IOException {
    for (int i = 0; i < 400; i++) {
      int n = i;
      index.apply(
          published(
              entry(UUID.nameUUIDFromBytes(("tagged" + n).getBytes(StandardCharsets.UTF_8)))
                  .andThen(
                      v -> {
                        ArrayNode tags =
                            ((ObjectNode) v.get("fields")).putArray("tags").add("common");
                        if (n % 2 == 0) {
                          tags.add("half");
                        }
                        tags.add("rare-" + n % 40);
                      })));
    }
    index.refresh();
  }

  private static SearchResult facets(ContentSearcher searcher, String names, String tag)
      throws IOException {
    MultiMap params = MultiMap.caseInsensitiveMultiMap();
    params.add("q", "-zzzz").add("facets", names);
    if (tag != null) {
      params.add("tag", tag);
    }
    return searcher.search(SearchQuery.of(params));
  }
}
