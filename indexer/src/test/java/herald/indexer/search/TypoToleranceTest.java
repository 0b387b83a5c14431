package herald.indexer.search;

import static org.junit.jupiter.api.Assertions.assertEquals;

import herald.indexer.GoldenEvents;
import herald.indexer.index.ContentIndex;
import herald.indexer.index.LiveIndex;
import java.io.IOException;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Typo tolerance")
class TypoToleranceTest {
  @TempDir Path dir;

  @Test
  @DisplayName("a rare or unknown word finds its near spellings, a frequent one only itself")
  void onlyForRareWords() throws IOException {
    try (ContentIndex index = ContentIndex.open(dir)) {
      for (int i = 0; i < ContentSearcher.KNOWN_WORD_DOCS; i++) {
        index.apply(
            GoldenEvents.published(
                GoldenEvents.otherEntry(UUID.randomUUID(), "Harbour " + i, "Boats and nets")));
      }
      index.apply(
          GoldenEvents.published(
              GoldenEvents.otherEntry(UUID.randomUUID(), "Harbor", "American spelling")));
      index.apply(
          GoldenEvents.published(
              GoldenEvents.otherEntry(UUID.randomUUID(), "Lighthouse", "Keeper")));
      index.refresh();
      ContentSearcher searcher = new ContentSearcher(new LiveIndex(index));

      // "harbour" is in 50 documents: taken as correctly spelled, "harbor" is not looked up.
      assertEquals(ContentSearcher.KNOWN_WORD_DOCS, total(searcher, "harbour "));
      // "harbor" is rare: its near spelling "harbour" is found too, ranked after it.
      SearchResult rare = searcher.search(SearchQuery.of("harbor ", null, null, "100"));
      assertEquals(ContentSearcher.KNOWN_WORD_DOCS + 1, rare.total());
      assertEquals("Harbor", rare.hits().get(0).title());
      assertEquals(1, total(searcher, "lighthuose "));
    }
  }

  private static long total(ContentSearcher searcher, String q) throws IOException {
    return searcher.search(SearchQuery.of(q, null, null, "100")).total();
  }
}
