package herald.indexer.index;

import herald.events.ContentEvent;
import herald.events.ContentPublished;
import herald.indexer.analysis.ContentAnalysis;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexFileNames;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NoMergePolicy;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.TieredMergePolicy;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.NRTCachingDirectory;

/**
 * The Lucene read model of published content: one document per (entry, locale), upserted by entry
 * id, stale versions ignored, and the Kafka offsets it was built from kept in the same commits.
 *
 * <p>Writes ({@link #apply}, {@link #advance}, {@link #refresh}) come from one thread, the
 * consumer's; {@link #commit} may run on another thread alongside them; searches may come from any
 * thread.
 */
public final class ContentIndex implements Closeable {
  /**
   * Version of the document layout and analysis; an index written with another one is rebuilt from
   * the log on start (the fields and analyzers must match the queries).
   */
  public static final int SCHEMA_VERSION = 11;

  static final String SCHEMA_KEY = "schema";

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

  /** Indexing buffer of the live index: small batches, refreshed every time. */
  private static final double LIVE_RAM_BUFFER_MB = 32;

  /** Indexing buffer while rebuilding: fewer, larger segments, flushed less often. */
  private static final double REBUILD_RAM_BUFFER_MB = 256;

  /** Segments up to this size (flushed or merged) may stay in memory until committed. */
  private static final double NRT_CACHE_MAX_MERGE_MB = 4;

  /** At most this much of them. */
  private static final double NRT_CACHE_MAX_MB = 48;

  private final Path folder;
  private final LiveCache directory;
  private final IndexWriter writer;
  private final SearcherManager searchers;
  private final Object commitLock = new Object();

  // In a rebuild every entry's version is kept here instead of being looked up in the index: the
  // index starts empty and is not refreshed while it fills, and a first sighting can be a plain
  // add.
  private final Map<String, Long> allVersions;
  private volatile long lastRefreshNanos = System.nanoTime();
  private final int schemaVersion;

  // Versions written since the last refresh, which the NRT searcher cannot see yet; the consumer
  // refreshes after every batch, so this stays as small as a batch.
  private final Map<String, Long> unrefreshedVersions = new HashMap<>();

  // Next offset to read per commit-data key, as applied (possibly not yet committed).
  private final Map<String, Long> positions;
  private Map<String, Long> committedPositions;

  private ContentIndex(Path folder, LiveCache directory, boolean rebuild) throws IOException {
    this.folder = folder;
    this.directory = directory;
    this.allVersions = rebuild ? new ConcurrentHashMap<>() : null;
    // The texts of MATCH bring their locale's analyzer; the rest is analyzed plainly.
    IndexWriterConfig config =
        new IndexWriterConfig(ContentAnalysis.PLAIN)
            .setOpenMode(
                rebuild
                    ? IndexWriterConfig.OpenMode.CREATE
                    : IndexWriterConfig.OpenMode.CREATE_OR_APPEND)
            .setRAMBufferSizeMB(rebuild ? REBUILD_RAM_BUFFER_MB : LIVE_RAM_BUFFER_MB)
            // NOTE: while rebuilding, large flushed segments are not merged (it costs CPU the
            // analysis needs) nor packed into a compound file (a copy of every file on disk); see
            // finishBulkLoad(). A live refresh flushes a tiny segment per batch, in memory (see
            // LiveCache): packing it there is a cheap copy, and the commit then writes 3 files of
            // it to disk instead of about 15 (file creation is what made commits slow).
            .setMergePolicy(rebuild ? NoMergePolicy.INSTANCE : new TieredMergePolicy())
            .setUseCompoundFile(!rebuild)
            // Only commit() commits, so documents are never made durable without their offsets.
            .setCommitOnClose(false)
            .setCodec(new HeraldCodec());
    boolean fresh = !DirectoryReader.indexExists(directory);
    this.writer = new IndexWriter(directory, config);
    if (fresh) {
      // An empty first commit, so that "nothing to commit" means the same for a new index.
      writer.setLiveCommitData(Map.of(SCHEMA_KEY, Integer.toString(SCHEMA_VERSION)).entrySet());
      writer.commit();
    }
    this.schemaVersion = readSchema(writer.getLiveCommitData());
    // Applying all deletes makes an upserted entry's old documents vanish from the next searcher.
    this.searchers = new SearcherManager(writer, true, false, null);
    this.committedPositions = readPositions(writer.getLiveCommitData());
    this.positions = new TreeMap<>(committedPositions);
  }

  /** Opens (or creates) the index in the folder; only one process may have it open at a time. */
  public static ContentIndex open(Path folder) throws IOException {
    return open(folder, false);
  }

  /**
   * Creates an empty index in the folder to be filled from the whole log: entry versions are kept
   * in memory, and nothing is visible to searches until {@link #refresh()}.
   */
  public static ContentIndex create(Path folder) throws IOException {
    return open(folder, true);
  }

  private static ContentIndex open(Path folder, boolean rebuild) throws IOException {
    Files.createDirectories(folder);
    // NOTE: a live index refreshes after every batch, often one event: each refresh flushes a
    // tiny segment, which the caching directory keeps in memory until a merge or commit writes it
    // out (a commit syncs it first, so durability is unchanged). A rebuild's segments are large
    // and go straight to disk until its bulk load ends.
    LiveCache directory = new LiveCache(FSDirectory.open(folder), !rebuild);
    try {
      return new ContentIndex(folder, directory, rebuild);
    } catch (IOException | RuntimeException e) {
      directory.close();
      throw e;
    }
  }

  /**
   * Reads every file of the current commit and checks its checksum, so that a damaged index is
   * found at start rather than by a search.
   */
  public void verify() throws IOException {
    withSearcher(
        s -> {
          for (LeafReaderContext leaf : s.getIndexReader().leaves()) {
            leaf.reader().checkIntegrity();
          }
          return null;
        });
  }

  /** The layout version the index was written with (0 when it predates versions). */
  public int schemaVersion() {
    return schemaVersion;
  }

  private static int readSchema(Iterable<Map.Entry<String, String>> data) {
    if (data != null) {
      for (Map.Entry<String, String> e : data) {
        if (e.getKey().equals(SCHEMA_KEY)) {
          try {
            return Integer.parseInt(e.getValue());
          } catch (NumberFormatException ignored) {
            return 0;
          }
        }
      }
    }
    return 0;
  }

  /** The folder the index lives in. */
  public Path folder() {
    return folder;
  }

  /** Bytes on disk of all the index's files (committed or not). */
  public long sizeBytes() {
    long total = 0;
    try {
      for (String name : directory.listAll()) {
        try {
          total += directory.fileLength(name);
        } catch (NoSuchFileException e) {
          // Merged away meanwhile.
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return total;
  }

  /** Nanos (System.nanoTime) of the last refresh of the searcher. */
  public long lastRefreshNanos() {
    return lastRefreshNanos;
  }

  /**
   * Applies an event unless the index has the entry at the same or a newer version: a publish
   * atomically replaces all locales of the entry, an unpublish replaces them with a tombstone.
   */
  public synchronized Outcome apply(ContentEvent event) throws IOException {
    String id = event.entryId().toString();
    long current = currentVersion(id);
    if (event.version() <= current) {
      return Outcome.STALE;
    }
    List<Document> docs = documents(event);
    if (allVersions != null && current == NO_VERSION) {
      // First sighting in a rebuild: nothing to replace, and a plain add is cheaper.
      writer.addDocuments(docs);
    } else {
      writer.updateDocuments(new Term(IndexFields.ID, id), docs);
    }
    if (allVersions != null) {
      allVersions.put(id, event.version());
    } else {
      unrefreshedVersions.put(id, event.version());
    }
    return Outcome.APPLIED;
  }

  /**
   * Rebuild only: applies an event like {@link #apply}, but may run on several threads at once
   * (analysis is most of the work), as long as no two events of one entry are applied at the same
   * time (the caller shards events by entry id).
   */
  public Outcome applyConcurrently(ContentEvent event) throws IOException {
    if (allVersions == null) {
      throw new IllegalStateException("only an index being rebuilt takes concurrent writes");
    }
    String id = event.entryId().toString();
    Long known = allVersions.get(id);
    if (known != null && event.version() <= known) {
      return Outcome.STALE;
    }
    List<Document> docs = documents(event);
    if (known == null) {
      writer.addDocuments(docs);
    } else {
      writer.updateDocuments(new Term(IndexFields.ID, id), docs);
    }
    allVersions.put(id, event.version());
    return Outcome.APPLIED;
  }

  /** The entry's documents after the event: one per locale, or the tombstone. */
  private static List<Document> documents(ContentEvent event) {
    List<Document> docs =
        event instanceof ContentPublished published ? ContentDocuments.of(published) : List.of();
    return docs.isEmpty()
        ? List.of(ContentDocuments.tombstone(event.entryId().toString(), event.version()))
        : docs;
  }

  /**
   * Ends the bulk load of a rebuild: the segments it flushed are merged into one, and from now on
   * segments are merged, packed and kept in memory until committed, as in a live index (the small
   * segments of per-batch refreshes would pile up otherwise).
   *
   * <p>NOTE: one segment, because a search does its per-segment work (term lookups, scorers, the
   * top hits) once instead of once per flushed segment: over 100,000 entries the benchmark's mix
   * took 15 % less CPU than on the six segments of the load, and the merge took 9 s of a 50 s
   * rebuild. An index larger than the merge policy's largest segment (5 GB) is left to it.
   */
  public void finishBulkLoad() throws IOException {
    TieredMergePolicy policy = new TieredMergePolicy();
    writer.getConfig().setMergePolicy(policy);
    if (sizeBytes() <= policy.getMaxMergedSegmentMB() * 1024 * 1024) {
      writer.forceMerge(1);
    }
    writer.getConfig().setUseCompoundFile(true);
    directory.live = true;
  }

  /** The version of the entry that the index holds (content or tombstone), if any. */
  public synchronized OptionalLong version(String entryId) throws IOException {
    long v = currentVersion(entryId);
    return v == NO_VERSION ? OptionalLong.empty() : OptionalLong.of(v);
  }

  private long currentVersion(String id) throws IOException {
    if (allVersions != null) {
      return allVersions.getOrDefault(id, NO_VERSION);
    }
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
   * <p>May run on another thread than the one that applies events, without holding it up: the slow
   * part (writing and syncing files) runs outside this object's lock. The commit holds at least
   * every document applied before the offsets it records, and perhaps some applied during the
   * commit; after a crash those are read again and found stale (apply is idempotent by version), so
   * documents and offsets still agree. At most one commit runs at a time.
   *
   * @return false when there was nothing to commit
   */
  public boolean commit() throws IOException {
    synchronized (commitLock) {
      Map<String, Long> snapshot;
      synchronized (this) {
        if (!writer.hasUncommittedChanges() && positions.equals(committedPositions)) {
          return false;
        }
        snapshot = Map.copyOf(positions);
        Map<String, String> data = new TreeMap<>();
        snapshot.forEach((key, offset) -> data.put(key, Long.toString(offset)));
        data.put(SCHEMA_KEY, Integer.toString(SCHEMA_VERSION));
        writer.setLiveCommitData(data.entrySet());
      }
      writer.commit();
      synchronized (this) {
        committedPositions = snapshot;
      }
      return true;
    }
  }

  /** Makes everything applied so far visible to searches, committed or not. */
  public synchronized void refresh() throws IOException {
    searchers.maybeRefreshBlocking();
    unrefreshedVersions.clear();
    lastRefreshNanos = System.nanoTime();
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

  /** Commits what was applied (after a commit under way), then releases the index. */
  @Override
  public void close() throws IOException {
    // NOTE: the commit lock first, then this object's, as in commit().
    synchronized (commitLock) {
      try (directory;
          writer;
          searchers) {
        if (writer.isOpen()) {
          commit();
        }
      }
    }
  }

  /**
   * The caching directory of a live index, which also keeps in memory the files written without a
   * flush or merge context: the stored fields (written as documents arrive) and their temporary
   * files. Without it every refresh created, read back and deleted four files on disk.
   */
  private static final class LiveCache extends NRTCachingDirectory {
    private static final long MAX_BYTES = (long) (NRT_CACHE_MAX_MB * 1024 * 1024);

    // Off while a rebuild loads: its stored fields grow to hundreds of megabytes per segment.
    private volatile boolean live;

    LiveCache(Directory disk, boolean live) {
      super(disk, NRT_CACHE_MAX_MERGE_MB, NRT_CACHE_MAX_MB);
      this.live = live;
    }

    @Override
    protected boolean doCacheWrite(String name, IOContext context) {
      if (context.mergeInfo() == null && context.flushInfo() == null) {
        return live
            && !name.startsWith(IndexFileNames.SEGMENTS)
            && !name.startsWith(IndexFileNames.PENDING_SEGMENTS)
            && ramBytesUsed() < MAX_BYTES;
      }
      return super.doCacheWrite(name, context);
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
