package herald.indexer.index;

import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.lucene.index.CorruptIndexException;
import org.apache.lucene.index.IndexFormatTooNewException;
import org.apache.lucene.index.IndexFormatTooOldException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The index folder: each build of the index lives in its own sub-folder ({@code g<millis>}), and
 * the file {@code CURRENT} names the one in service. A rebuild fills a new sub-folder while the
 * current one serves, then {@link #makeCurrent} swaps the name with an atomic rename.
 */
public final class IndexStore {
  private static final Logger LOG = LoggerFactory.getLogger(IndexStore.class);
  static final String CURRENT = "CURRENT";
  private static final String GENERATION_PREFIX = "g";

  private final Path root;

  public IndexStore(Path root) {
    this.root = root;
  }

  /** Why the index in service had to start empty, if it did. */
  public enum StartState {
    /** The index was there and intact. */
    OPENED,
    /** There was no index: it fills from the whole log. */
    MISSING,
    /** The index was damaged (or from an unreadable version): it fills again from the log. */
    CORRUPT,
    /** The index was written with another document layout: it fills again from the log. */
    OUTDATED
  }

  /** The index in service and how it was found. */
  public record Opened(ContentIndex index, StartState state) {}

  /**
   * Opens the current index after checking it, or creates an empty one (to be filled from the log)
   * when it is missing or damaged; a damaged one is kept aside as {@code <name>.corrupt}.
   */
  public Opened openCurrent() throws IOException {
    Files.createDirectories(root);
    StartState state = StartState.MISSING;
    Optional<Path> current = current();
    if (current.isPresent() && Files.isDirectory(current.get())) {
      ContentIndex index = null;
      try {
        index = ContentIndex.open(current.get());
        index.verify();
        if (index.schemaVersion() == ContentIndex.SCHEMA_VERSION) {
          deleteAllBut(current.get());
          return new Opened(index, StartState.OPENED);
        }
        LOG.warn(
            "The index in {} has layout {}, not {}; it is rebuilt from the log",
            current.get(),
            index.schemaVersion(),
            ContentIndex.SCHEMA_VERSION);
        index.close();
        index = null;
        state = StartState.OUTDATED;
      } catch (IllegalArgumentException e) {
        // Lucene finds each segment's codec by the name written in it: an index written by an
        // earlier Herald on an earlier Lucene (codec Herald912 on Lucene 9) names one this version
        // does not have. It cannot be read, only built again.
        LOG.warn(
            "The index in {} was written by another version ({}); it is rebuilt from the log",
            current.get(),
            e.getMessage());
        closeQuietly(index);
        state = StartState.OUTDATED;
      } catch (CorruptIndexException
          | IndexFormatTooOldException
          | IndexFormatTooNewException
          | EOFException
          | NoSuchFileException e) {
        LOG.error("The index in {} is damaged; it is rebuilt from the log", current.get(), e);
        closeQuietly(index);
        Path aside = current.get().resolveSibling(current.get().getFileName() + ".corrupt");
        deleteTree(aside);
        Files.move(current.get(), aside);
        state = StartState.CORRUPT;
      }
    }
    Path fresh = newGeneration();
    // Filled from the whole log: versions kept in memory, as in a rebuild.
    ContentIndex index = ContentIndex.create(fresh);
    // It serves (empty) until the rebuild replaces it, and follows the log if the rebuild fails.
    index.finishBulkLoad();
    makeCurrent(fresh);
    deleteAllBut(fresh);
    return new Opened(index, state);
  }

  /** The folder named by {@code CURRENT}, if there is one. */
  public Optional<Path> current() throws IOException {
    Path file = root.resolve(CURRENT);
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    String name = Files.readString(file, StandardCharsets.UTF_8).strip();
    if (!name.startsWith(GENERATION_PREFIX) || name.contains("/") || name.contains("\\")) {
      return Optional.empty();
    }
    return Optional.of(root.resolve(name));
  }

  /** A new, empty folder for a build of the index. */
  public synchronized Path newGeneration() throws IOException {
    Files.createDirectories(root);
    long stamp = System.currentTimeMillis();
    Path dir = root.resolve(GENERATION_PREFIX + stamp);
    while (Files.exists(dir)) {
      dir = root.resolve(GENERATION_PREFIX + ++stamp);
    }
    Files.createDirectories(dir);
    return dir;
  }

  /**
   * Names the folder as the index in service; atomic, so a crash leaves the old name or the new.
   */
  public void makeCurrent(Path generation) throws IOException {
    Path tmp = root.resolve(CURRENT + ".tmp");
    Files.writeString(tmp, generation.getFileName().toString() + "\n", StandardCharsets.UTF_8);
    try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    Files.move(tmp, root.resolve(CURRENT), StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * Removes every other build (and files of the single-folder layout of earlier versions), but
   * keeps the damaged copies for inspection. Best effort: a folder still open elsewhere stays.
   */
  public void deleteAllBut(Path keep) {
    try (Stream<Path> children = Files.list(root)) {
      for (Path p : children.toList()) {
        String name = p.getFileName().toString();
        if (p.equals(keep) || name.startsWith(CURRENT) || name.endsWith(".corrupt")) {
          continue;
        }
        deleteTree(p);
      }
    } catch (IOException e) {
      LOG.warn("Could not clean up old index builds in {}", root, e);
    }
  }

  /** Deletes a folder and everything in it, as far as possible. */
  public static void deleteTree(Path p) {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> files = Files.walk(p)) {
      for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(f);
      }
    } catch (IOException e) {
      LOG.warn("Could not delete {}", p, e);
    }
  }

  /** Closes the index (if any), logging rather than throwing a failure. */
  public static void closeQuietly(ContentIndex index) {
    if (index == null) {
      return;
    }
    try {
      index.close();
    } catch (IOException | RuntimeException e) {
      LOG.warn("Closing the index in {} failed", index.folder(), e);
    }
  }
}
