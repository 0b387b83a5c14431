package herald.indexer.index;

import static herald.indexer.GoldenEvents.ENTRY_ID;
import static herald.indexer.GoldenEvents.TOPIC;
import static herald.indexer.GoldenEvents.entry;
import static herald.indexer.GoldenEvents.field;
import static herald.indexer.GoldenEvents.otherEntry;
import static herald.indexer.GoldenEvents.published;
import static herald.indexer.GoldenEvents.unpublished;
import static herald.indexer.GoldenEvents.version;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import herald.events.ContentEvent;
import herald.indexer.GoldenEvents;
import herald.indexer.index.ContentIndex.Outcome;
import herald.indexer.search.ContentSearcher;
import herald.indexer.search.SearchQuery;
import herald.indexer.search.SearchResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
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
  @DisplayName("an unpublished entry's tombstone is no result of exclusions alone or of filters")
  void tombstoneNeverFound() throws IOException {
    UUID other = UUID.randomUUID();
    index.apply(published());
    index.apply(published(otherEntry(other, "Still published", "Kept")));
    index.apply(unpublished());
    index.refresh();

    SearchResult everythingBut = search("-zzzz");
    assertEquals(1, everythingBut.total());
    assertEquals(other.toString(), everythingBut.hits().get(0).id());
    SearchResult browse =
        new ContentSearcher(new LiveIndex(index))
            .search(SearchQuery.of(null, GoldenEvents.published().contentType(), null, null));
    assertEquals(1, browse.total());
    assertEquals(other.toString(), browse.hits().get(0).id());
  }

  @Test
  @DisplayName("a refresh writes no file to disk; the commit writes each segment packed")
  void refreshStaysInMemory() throws IOException {
    Path folder = dir.resolve("index");
    List<String> before = files(folder);
    for (int i = 0; i < 3; i++) {
      index.apply(published(otherEntry(UUID.randomUUID(), "Refresh " + i, "In memory")));
      // Not even the stored fields, which Lucene writes as documents arrive, without a flush
      // context.
      assertEquals(before, files(folder));
      index.refresh();
      assertEquals(before, files(folder));
    }
    assertEquals(3, search("refresh").total());

    assertTrue(index.commit());
    List<String> segmentFiles =
        files(folder).stream()
            .filter(f -> f.startsWith("_"))
            .map(f -> f.replaceAll("^_\\w+", ""))
            .toList();
    assertFalse(segmentFiles.isEmpty());
    assertTrue(
        Set.of(".cfs", ".cfe", ".si").containsAll(segmentFiles),
        () -> "segment files on disk: " + segmentFiles);
  }

  @Test
  @DisplayName("after a rebuild's bulk load, refreshes stay in memory too")
  void refreshAfterBulkLoadStaysInMemory() throws IOException {
    Path folder = dir.resolve("rebuilt");
    try (ContentIndex rebuilt = ContentIndex.create(folder)) {
      rebuilt.applyConcurrently(published());
      rebuilt.finishBulkLoad();
      rebuilt.refresh();
      rebuilt.commit();
      List<String> before = files(folder);
      rebuilt.apply(published(otherEntry(UUID.randomUUID(), "Live again", "In memory")));
      assertEquals(before, files(folder));
      rebuilt.refresh();
      assertEquals(3, rebuilt.documentCount());
      assertEquals(before, files(folder));
    }
  }

  @Test
  @DisplayName("a rebuild's bulk load ends as one segment, with every document")
  void bulkLoadEndsAsOneSegment() throws IOException {
    try (ContentIndex rebuilt = ContentIndex.create(dir.resolve("rebuilt"))) {
      for (int i = 0; i < 4; i++) {
        rebuilt.applyConcurrently(
            published(otherEntry(UUID.randomUUID(), "Merged " + i, "Segment " + i)));
        // Each refresh of the load flushes a segment, and nothing merges them yet.
        rebuilt.refresh();
      }
      assertEquals(4, segments(rebuilt));
      rebuilt.finishBulkLoad();
      rebuilt.refresh();
      assertEquals(1, segments(rebuilt));
      assertEquals(4, rebuilt.documentCount());
    }
  }

  private static int segments(ContentIndex index) throws IOException {
    return index.withSearcher(s -> s.getIndexReader().leaves().size());
  }

  private static List<String> files(Path folder) throws IOException {
    try (Stream<Path> all = Files.list(folder)) {
      return all.map(f -> f.getFileName().toString()).sorted().toList();
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

  @Test
  @DisplayName(
      "commits on another thread while events are applied and refreshed: after a crash the last"
          + " commit's documents and positions agree, and a replay completes the index")
  void commitsAlongsideWrites() throws Exception {
    // 40 entries, each published, republished and sometimes unpublished: 240 events, all in
    // partition 0, event i at offset i.
    int entries = 40;
    List<UUID> ids = new ArrayList<>();
    for (int e = 0; e < entries; e++) {
      ids.add(new UUID(7, e));
    }
    List<ContentEvent> events = new ArrayList<>();
    for (int round = 1; round <= 6; round++) {
      for (int e = 0; e < entries; e++) {
        UUID id = ids.get(e);
        events.add(
            round % 3 == 0 && e % 2 == 0
                ? unpublished(entry(id).andThen(version(round)))
                : published(
                    otherEntry(id, "Entry " + e + " round " + round, "Commit race " + e)
                        .andThen(version(round))));
      }
    }

    // The committer copies the files of each commit it makes, as a crash right after that commit
    // would leave them (only it commits, so they stay until its next commit).
    BlockingQueue<Boolean> requests = new LinkedBlockingQueue<>();
    List<Path> crashes = new ArrayList<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread committer =
        new Thread(
            () -> {
              try {
                while (requests.take()) {
                  if (index.commit()) {
                    Path copy = dir.resolve("crash-" + crashes.size());
                    copyLastCommit(dir.resolve("index"), copy);
                    synchronized (crashes) {
                      crashes.add(copy);
                    }
                  }
                }
              } catch (Throwable t) {
                failure.set(t);
              }
            },
            "test-committer");
    committer.start();
    for (int i = 0; i < events.size(); i++) {
      if (i == events.size() / 2) {
        // At least one commit ran while the first half was applied.
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> {
                  synchronized (crashes) {
                    return !crashes.isEmpty();
                  }
                });
      }
      index.apply(events.get(i));
      index.advance(TOPIC, 0, i + 1);
      if (i % 10 == 9) {
        index.refresh();
      }
      if (i % 15 == 0) {
        // Ask for a commit, and go on applying while it runs.
        requests.add(true);
      }
    }
    requests.add(false);
    committer.join();
    assertEquals(null, failure.get());
    assertTrue(crashes.size() > 1, "commits: " + crashes.size());

    for (Path crashed : crashes) {
      try (ContentIndex recovered = ContentIndex.open(crashed)) {
        long committed = recovered.committedPosition(TOPIC, 0).orElseThrow();
        assertTrue(committed > 0, crashed + " at " + committed);
        assertEquals(OptionalLong.of(committed), recovered.position(TOPIC, 0));
        // Every event before the committed position is in; some applied during the commit may
        // be too.
        assertAgree(recovered, ids, events.subList(0, (int) committed), events);

        // Resuming from the committed position: the events the commit already had are stale.
        for (int i = (int) committed; i < events.size(); i++) {
          recovered.apply(events.get(i));
          recovered.advance(TOPIC, 0, i + 1);
        }
        recovered.refresh();
        assertAgree(recovered, ids, events, events);
        assertEquals(entries / 2, recovered.documentCount(), "the odd entries are published");
      }
    }
  }

  /**
   * The index holds every entry of {@code atLeast} at a version from its latest event there up to
   * its latest in {@code atMost}, and entries only of {@code atMost} at most at that version: one
   * document per entry (one locale, or the tombstone), and content exactly where that version is a
   * publish.
   */
  private static void assertAgree(
      ContentIndex index, List<UUID> ids, List<ContentEvent> atLeast, List<ContentEvent> atMost)
      throws IOException {
    Map<UUID, ContentEvent> low = latest(atLeast);
    Map<UUID, ContentEvent> high = latest(atMost);
    long published = 0;
    for (UUID id : ids) {
      OptionalLong v = index.version(id.toString());
      long docs =
          index.withSearcher(
              s -> (long) s.count(new TermQuery(new Term(IndexFields.ID, id.toString()))));
      if (v.isEmpty()) {
        assertFalse(low.containsKey(id), "missing " + id);
        assertEquals(0, docs, id.toString());
        continue;
      }
      long lowest = low.containsKey(id) ? low.get(id).version() : 1;
      assertTrue(
          v.getAsLong() >= lowest && v.getAsLong() <= high.get(id).version(), id + " at " + v);
      assertEquals(1, docs, "one document (one locale, or the tombstone) for " + id);
      published += versionIsPublish(id, v.getAsLong(), atMost) ? 1 : 0;
    }
    assertEquals(published, index.documentCount());
  }

  private static boolean versionIsPublish(UUID id, long version, List<ContentEvent> events) {
    return events.stream()
        .filter(e -> e.entryId().equals(id) && e.version() == version)
        .findFirst()
        .orElseThrow()
        .eventType()
        .equals(ContentEvent.PUBLISHED);
  }

  private static Map<UUID, ContentEvent> latest(List<ContentEvent> events) {
    Map<UUID, ContentEvent> out = new HashMap<>();
    events.forEach(e -> out.put(e.entryId(), e));
    return out;
  }

  /** Copies the files of the folder's last commit, as a crash right after it leaves them. */
  private static void copyLastCommit(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Directory d = FSDirectory.open(from)) {
      for (String name : SegmentInfos.readLatestCommit(d).files(true)) {
        Files.copy(from.resolve(name), to.resolve(name));
      }
    }
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
