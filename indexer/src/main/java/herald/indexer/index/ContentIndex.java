package herald.indexer.index;

import herald.events.ContentEvent;
import herald.events.ContentPublished;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;

/**
 * The Lucene read model of published content: one document per (entry, locale), upserted by entry
 * id, stale versions ignored, and the Kafka offsets it was built from kept in the same commits.
 *
 * <p>Writes ({@link #apply}, {@link #advance}, {@link #commit}, {@link #refresh}) come from one
 * thread, the consumer's; searches may come from any thread.
 */
public final class ContentIndex implements Closeable {
  /** Prefix of the commit-data keys that hold the next offset to read per topic partition. */
  static final String OFFSET_KEY_PREFIX = "offset.";

  private static final long NO_VERSION = Long.MIN_VALUE;

  /** What applying an event did. */
  public enum Outcome {
    /** The index now reflects the event. */
    APPLIED,
    /** The index already had this version or a newer one; nothing changed. */
    STALE
  }

  /** Work done with a searcher that is released afterwards. */
  @FunctionalInterface
  public interface SearcherFunction<T> {
    T apply(IndexSearcher searcher) throws IOException;
  }

  private final Directory directory;
  private final Analyzer analyzer;
  private final IndexWriter writer;
  private final SearcherManager searchers;

  // Versions written since the last refresh, which the NRT searcher cannot see yet; the consumer
  // refreshes after every batch, so this stays as small as a batch.
  private final Map<String, Long> unrefreshedVersions = new HashMap<>();

  // Next offset to read per commit-data key, as applied (possibly not yet committed).
  private final Map<String, Long> positions;
  private Map<String, Long> committedPositions;

  private ContentIndex(Directory directory) throws IOException {
    this.directory = directory;
    this.analyzer = new ContentAnalyzer();
    IndexWriterConfig config =
        new IndexWriterConfig(analyzer)
            .setOpenMode(IndexWriterConfig.OpenMode.CREATE_OR_APPEND)
            // Only commit() commits, so documents are never made durable without their offsets.
            .setCommitOnClose(false);
    boolean fresh = !DirectoryReader.indexExists(directory);
    this.writer = new IndexWriter(directory, config);
    if (fresh) {
      // An empty first commit, so that "nothing to commit" means the same for a new index.
      writer.commit();
    }
    // Applying all deletes makes an upserted entry's old documents vanish from the next searcher.
    this.searchers = new SearcherManager(writer, true, false, null);
    this.committedPositions = readPositions(writer.getLiveCommitData());
    this.positions = new TreeMap<>(committedPositions);
  }

  /** Opens (or creates) the index in the folder; only one process may have it open at a time. */
  public static ContentIndex open(Path folder) throws IOException {
    Files.createDirectories(folder);
    Directory directory = FSDirectory.open(folder);
    try {
      return new ContentIndex(directory);
    } catch (IOException | RuntimeException e) {
      directory.close();
      throw e;
    }
  }

  /** The analyzer the index was written with; queries must use it too. */
  public Analyzer analyzer() {
    return analyzer;
  }

  /**
   * Applies an event unless the index has the entry at the same or a newer version: a publish
   * atomically replaces all locales of the entry, an unpublish replaces them with a tombstone.
   */
  public synchronized Outcome apply(ContentEvent event) throws IOException {
    String id = event.entryId().toString();
    if (event.version() <= currentVersion(id)) {
      return Outcome.STALE;
    }
    List<Document> docs =
        event instanceof ContentPublished published ? ContentDocuments.of(published) : List.of();
    if (docs.isEmpty()) {
      docs = List.of(ContentDocuments.tombstone(id, event.version()));
    }
    writer.updateDocuments(new Term(IndexFields.ID, id), docs);
    unrefreshedVersions.put(id, event.version());
    return Outcome.APPLIED;
  }

  /** The version of the entry that the index holds (content or tombstone), if any. */
  public synchronized OptionalLong version(String entryId) throws IOException {
    long v = currentVersion(entryId);
    return v == NO_VERSION ? OptionalLong.empty() : OptionalLong.of(v);
  }

  private long currentVersion(String id) throws IOException {
    Long unrefreshed = unrefreshedVersions.get(id);
    if (unrefreshed != null) {
      return unrefreshed;
    }
    return withSearcher(
        s -> {
          TopDocs top = s.search(new TermQuery(new Term(IndexFields.ID, id)), 1);
          if (top.scoreDocs.length == 0) {
            return NO_VERSION;
          }
          int doc = top.scoreDocs[0].doc;
          List<LeafReaderContext> leaves = s.getIndexReader().leaves();
          LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(doc, leaves));
          NumericDocValues versions = leaf.reader().getNumericDocValues(IndexFields.VERSION);
          return versions != null && versions.advanceExact(doc - leaf.docBase)
              ? versions.longValue()
              : NO_VERSION;
        });
  }

  /** Records that everything before {@code nextOffset} in the partition has been applied. */
  public synchronized void advance(String topic, int partition, long nextOffset) {
    positions.put(offsetKey(topic, partition), nextOffset);
  }

  /** The next offset to read in the partition, as applied so far (committed or not). */
  public synchronized OptionalLong position(String topic, int partition) {
    Long p = positions.get(offsetKey(topic, partition));
    return p == null ? OptionalLong.empty() : OptionalLong.of(p);
  }

  /** The next offset to read in the partition according to the last commit. */
  public synchronized OptionalLong committedPosition(String topic, int partition) {
    Long p = committedPositions.get(offsetKey(topic, partition));
    return p == null ? OptionalLong.empty() : OptionalLong.of(p);
  }

  /**
   * Makes the applied documents and offsets durable in one Lucene commit.
   *
   * @return false when there was nothing to commit
   */
  public synchronized boolean commit() throws IOException {
    if (!writer.hasUncommittedChanges() && positions.equals(committedPositions)) {
      return false;
    }
    Map<String, String> data = new TreeMap<>();
    positions.forEach((key, offset) -> data.put(key, Long.toString(offset)));
    writer.setLiveCommitData(data.entrySet());
    writer.commit();
    committedPositions = Map.copyOf(positions);
    return true;
  }

  /** Makes everything applied so far visible to searches, committed or not. */
  public synchronized void refresh() throws IOException {
    searchers.maybeRefreshBlocking();
    unrefreshedVersions.clear();
  }

  /** Runs the function with the current searcher. */
  public <T> T withSearcher(SearcherFunction<T> function) throws IOException {
    IndexSearcher searcher = searchers.acquire();
    try {
      return function.apply(searcher);
    } finally {
      searchers.release(searcher);
    }
  }

  /** Number of searchable documents, one per (entry, locale). */
  public long documentCount() throws IOException {
    return withSearcher(
        s -> (long) s.count(new TermQuery(new Term(IndexFields.KIND, IndexFields.KIND_ENTRY))));
  }

  /** Whether the index can still take writes (false after close or a fatal I/O error). */
  public boolean isOpen() {
    return writer.isOpen();
  }

  /** Commits what was applied, then releases the index. */
  @Override
  public synchronized void close() throws IOException {
    try (directory;
        writer;
        searchers) {
      if (writer.isOpen()) {
        commit();
      }
    }
  }

  static String offsetKey(String topic, int partition) {
    return OFFSET_KEY_PREFIX + topic + "." + partition;
  }

  private static Map<String, Long> readPositions(Iterable<Map.Entry<String, String>> data) {
    Map<String, Long> out = new TreeMap<>();
    if (data != null) {
      for (Map.Entry<String, String> e : data) {
        if (e.getKey().startsWith(OFFSET_KEY_PREFIX)) {
          out.put(e.getKey(), Long.parseLong(e.getValue()));
        }
      }
    }
    return out;
  }
}
