package herald.indexer.index;

import static herald.indexer.GoldenEvents.ENTRY_ID;
import static herald.indexer.GoldenEvents.TOPIC;
import static herald.indexer.GoldenEvents.field;
import static herald.indexer.GoldenEvents.otherEntry;
import static herald.indexer.GoldenEvents.published;
import static herald.indexer.GoldenEvents.unpublished;
import static herald.indexer.GoldenEvents.version;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import herald.indexer.index.ContentIndex.Outcome;
import herald.indexer.search.ContentSearcher;
import herald.indexer.search.SearchQuery;
import herald.indexer.search.SearchResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.lucene.index.IndexWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The content index")
class ContentIndexTest {
  /** An RFC 3339 date-time that parses, but not into epoch milliseconds. */
  private static final String FAR_FUTURE = "+999999999-12-31T23:59:59Z";

  /** The golden publish's time. */
  private static final Instant PUBLISHED_AT = Instant.parse("2026-01-27T09:00:00Z");

  @TempDir Path dir;
  private ContentIndex index;

  @BeforeEach
  void open() throws IOException {
    index = ContentIndex.open(dir.resolve("index"));
  }

  @AfterEach
  void close() throws IOException {
    index.close();
  }

  @Test
  @DisplayName("a published entry is searchable in each of its locales")
  void publishedIsSearchableInBothLocales() throws IOException {
    assertEquals(Outcome.APPLIED, index.apply(published()));
    index.refresh();

    SearchResult en = search("syringe");
    assertEquals(1, en.total());
    assertEquals(ENTRY_ID, en.hits().get(0).id());
    assertEquals("en", en.hits().get(0).locale());
    assertEquals("event", en.hits().get(0).type());
    assertEquals(
        "Needle and Syringe Programmes (NSP) for People Who Inject Drugs",
        en.hits().get(0).title());
    assertEquals(
        "needle-and-syringe-programmes-nsp-for-people-who-inject-drugs", en.hits().get(0).slug());

    SearchResult sr = search("шприцева");
    assertEquals(1, sr.total());
    assertEquals("sr-Cyrl", sr.hits().get(0).locale());
    assertEquals(2, index.documentCount());
  }

  @Test
  @DisplayName("the same event twice leaves one document per locale")
  void sameEventTwice() throws IOException {
    assertEquals(Outcome.APPLIED, index.apply(published()));
    assertEquals(Outcome.STALE, index.apply(published()));
    index.refresh();
    assertEquals(Outcome.STALE, index.apply(published()));
    index.refresh();

    assertEquals(2, index.documentCount());
    assertEquals(1, search("syringe").total());
  }

  @Test
  @DisplayName("a newer version replaces every locale of the entry")
  void newerVersionReplaces() throws IOException {
    index.apply(published());
    index.apply(published(version(5).andThen(field("title", "en", "Harm reduction webinar"))));
    index.refresh();

    assertEquals(OptionalLong.of(5), index.version(ENTRY_ID));
    assertEquals(2, index.documentCount());
    assertEquals("Harm reduction webinar", search("webinar").hits().get(0).title());
  }

  @Test
  @DisplayName("an older version arriving after a newer one changes nothing")
  void olderVersionIgnored() throws IOException {
    index.apply(published(version(5)));
    index.refresh();

    Outcome outcome =
        index.apply(published(version(2).andThen(field("title", "en", "Outdated headline"))));

    index.refresh();
    assertEquals(Outcome.STALE, outcome);
    assertEquals(OptionalLong.of(5), index.version(ENTRY_ID));
    assertEquals(0, search("outdated").total());
    assertEquals(1, search("syringe").total());
  }

  @Test
  @DisplayName("unpublishing removes the entry from search in every locale")
  void unpublishRemoves() throws IOException {
    index.apply(published());
    index.refresh();

    assertEquals(Outcome.APPLIED, index.apply(unpublished()));
    index.refresh();

    assertEquals(0, search("syringe").total());
    assertEquals(0, search("шприцева").total());
    assertEquals(0, index.documentCount());
    assertEquals(OptionalLong.of(4), index.version(ENTRY_ID));
  }

  @Test
  @DisplayName("a publish older than an unpublish that came first is ignored")
  void stalePublishAfterUnpublish() throws IOException {
    assertEquals(Outcome.APPLIED, index.apply(unpublished()));
    index.refresh();

    assertEquals(Outcome.STALE, index.apply(published()));
    index.refresh();

    assertEquals(0, search("syringe").total());
    assertEquals(0, index.documentCount());
  }

  @Test
  @DisplayName("an unpublish older than the indexed publish is ignored")
  void staleUnpublish() throws IOException {
    index.apply(published(version(7)));

    assertEquals(Outcome.STALE, index.apply(unpublished()));
    index.refresh();

    assertEquals(1, search("syringe").total());
  }

  @Test
  @DisplayName("a publish after the unpublish brings the entry back")
  void republish() throws IOException {
    index.apply(published());
    index.apply(unpublished());
    index.apply(published(version(5)));
    index.refresh();

    assertEquals(2, index.documentCount());
    assertEquals(1, search("syringe").total());
  }

  @Test
  @DisplayName("closing commits documents and offsets, and reopening restores both")
  void closeAndReopen() throws IOException {
    index.apply(published());
    index.advance(TOPIC, 2, 42);
    index.close();

    index = ContentIndex.open(dir.resolve("index"));

    assertEquals(2, index.documentCount());
    assertEquals(OptionalLong.of(42), index.committedPosition(TOPIC, 2));
    assertEquals(OptionalLong.of(42), index.position(TOPIC, 2));
    assertEquals(OptionalLong.empty(), index.position(TOPIC, 0));
  }

  @Test
  @DisplayName("after a crash the index holds exactly the last commit's documents and offsets")
  void crashKeepsLastCommit() throws IOException {
    index.apply(published());
    index.advance(TOPIC, 0, 1);
    assertTrue(index.commit());

    index.apply(unpublished());
    index.advance(TOPIC, 0, 2);
    index.apply(
        published(
            otherEntry(UUID.randomUUID(), "Uncommitted remembrance day", "Srebrenica, 11 July")));
    index.advance(TOPIC, 1, 1);
    // A refresh writes the uncommitted segments to disk, as a crash between commits leaves them.
    index.refresh();
    assertEquals(1, search("remembrance").total());
    assertEquals(0, search("syringe").total());
    assertEquals(OptionalLong.of(4), index.version(ENTRY_ID));

    // kill -9: the files are as they are on disk now; the writer is never closed.
    Path crashed = dir.resolve("crashed");
    copyWithoutLock(dir.resolve("index"), crashed);

    try (ContentIndex recovered = ContentIndex.open(crashed)) {
      ContentSearcher searcher = new ContentSearcher(new LiveIndex(recovered));
      assertEquals(2, recovered.documentCount());
      assertEquals(1, searcher.search(SearchQuery.of("syringe", null, "en", null)).total());
      assertEquals(0, searcher.search(SearchQuery.of("remembrance", null, null, null)).total());
      assertEquals(OptionalLong.of(3), recovered.version(ENTRY_ID));
      assertEquals(OptionalLong.of(1), recovered.committedPosition(TOPIC, 0));
      assertEquals(OptionalLong.empty(), recovered.committedPosition(TOPIC, 1));
    }
  }

  @Test
  @DisplayName("commit reports whether anything changed")
  void commitOnlyWhenChanged() throws IOException {
    assertFalse(index.commit());
    index.advance(TOPIC, 0, 1);
    assertTrue(index.commit());
    assertFalse(index.commit());
    index.apply(published());
    assertTrue(index.commit());
  }

  @Test
  @DisplayName("rich text is indexed without its markup or scripts")
  void richTextWithoutMarkup() throws IOException {
    index.apply(published());
    index.refresh();

    assertEquals(0, search("script").total());
    assertEquals(0, search("alert").total());
    assertEquals(1, search("harm reduction interventions").total());
  }

  @Test
  @DisplayName("a start date beyond what the index can hold is no start date")
  void startBeyondRange() throws IOException {
    assertEquals(
        Outcome.APPLIED,
        index.apply(published(v -> ((ObjectNode) v.get("fields")).put("startsAt", FAR_FUTURE))));
    index.refresh();

    SearchResult r = search("syringe");
    assertEquals(1, r.total());
    assertEquals(Optional.empty(), r.hits().get(0).startsAt());
    assertEquals(PUBLISHED_AT, r.hits().get(0).date());
    assertEquals(2, index.documentCount());
  }

  @Test
  @DisplayName("a publish time beyond what the index can hold is refused, and the index goes on")
  void publishTimeBeyondRange() throws IOException {
    assertThrows(
        IllegalArgumentException.class,
        () -> index.apply(published(v -> v.put("publishedAt", FAR_FUTURE))));
    assertEquals(OptionalLong.empty(), index.version(ENTRY_ID));

    assertEquals(Outcome.APPLIED, index.apply(published()));
    index.refresh();
    assertEquals(1, search("syringe").total());
  }

  private SearchResult search(String q) throws IOException {
    return new ContentSearcher(new LiveIndex(index)).search(SearchQuery.of(q, null, null, null));
  }

  private static void copyWithoutLock(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(from)) {
      for (Path f : files.toList()) {
        if (!f.getFileName().toString().equals(IndexWriter.WRITE_LOCK_NAME)) {
          Files.copy(f, to.resolve(f.getFileName()));
        }
      }
    }
  }
}
