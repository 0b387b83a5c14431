package herald.publisher.channel.website;

import herald.publisher.channel.UndeliverableException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;

/**
 * The site's files: where each page lives below the site directory ({@code
 * <locale>/<type>/<slug>/index.html}), how files are written (atomically, and only when their
 * content changed) and how pages go away (with the directories they leave empty).
 */
final class SiteFiles {

  /**
   * A path segment taken from an event (locale, type, slug). It may not start with a dot, so {@code
   * ..} and hidden names are out, and may not contain a separator.
   */
  private static final Pattern SEGMENT = Pattern.compile("[\\p{L}\\p{N}][\\p{L}\\p{N}._-]{0,199}");

  private final Path dir;

  SiteFiles(Path siteDir) {
    this.dir = siteDir.toAbsolutePath().normalize();
  }

  /** The site directory. */
  Path dir() {
    return dir;
  }

  /** Where the page of an entry in a locale is. */
  Path pagePath(String locale, String contentType, String slug) {
    return dir.resolve(segment("locale", locale))
        .resolve(segment("type", contentType))
        .resolve(segment("slug", slug))
        .resolve(WebsiteChannel.PAGE);
  }

  Path pagePathOrNull(String locale, String contentType, String slug) {
    try {
      return pagePath(locale, contentType, slug);
    } catch (UndeliverableException e) {
      return null;
    }
  }

  /** Whether a locale (a directory name) can be a path segment. */
  static boolean isSegment(String value) {
    return value != null && SEGMENT.matcher(value).matches();
  }

  static String segment(String what, String value) {
    if (value == null || !SEGMENT.matcher(value).matches()) {
      throw new UndeliverableException(
          "the " + what + " '" + value + "' cannot be a path segment on the website");
    }
    return value;
  }

  /** The names of the locale directories now in the site. */
  List<String> localeDirs() throws IOException {
    List<String> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(dir, Files::isDirectory)) {
      for (Path d : dirs) {
        String name = d.getFileName().toString();
        if (SEGMENT.matcher(name).matches() && !name.equals(WebsiteChannel.GO)) {
          out.add(name);
        }
      }
    }
    return out;
  }

  /** The tag slugs of each locale's listings now in the site ({@code <locale>/tag/<slug>/}). */
  Map<String, Set<String>> listingsOnDisk() throws IOException {
    Map<String, Set<String>> out = new LinkedHashMap<>();
    for (String locale : localeDirs()) {
      Set<String> tags = new LinkedHashSet<>();
      Path tagDir = dir.resolve(locale).resolve("tag");
      if (Files.isDirectory(tagDir)) {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(tagDir, Files::isDirectory)) {
          dirs.forEach(d -> tags.add(d.getFileName().toString()));
        }
      }
      out.put(locale, tags);
    }
    return out;
  }

  /** A file to write, and the site path that changes when it does. */
  record Write(Path file, byte[] content, String changedPath) {}

  /**
   * Writes the files (each atomically, only if changed) in parallel and returns the changed paths.
   * NOTE: in parallel because each write ends with an fsync, and the file system commits concurrent
   * ones together: a listing change costs about one disk flush, not one per page.
   */
  Set<String> writeAll(List<Write> writes) throws IOException {
    Set<String> changed = new TreeSet<>();
    if (writes.size() == 1) {
      Write w = writes.get(0);
      if (writeIfChanged(w.file(), w.content())) {
        changed.add(w.changedPath());
      }
      return changed;
    }
    List<Future<Boolean>> done = new ArrayList<>();
    // One virtual thread per file, all ended when the block is.
    try (ExecutorService io = Executors.newVirtualThreadPerTaskExecutor()) {
      for (Write w : writes) {
        done.add(io.submit(() -> writeIfChanged(w.file(), w.content())));
      }
    }
    IOException failure = null;
    for (int i = 0; i < writes.size(); i++) {
      try {
        if (done.get(i).get()) {
          changed.add(writes.get(i).changedPath());
        }
      } catch (ExecutionException e) {
        IOException io = e.getCause() instanceof IOException x ? x : new IOException(e.getCause());
        if (failure == null) {
          failure = io;
        } else {
          failure.addSuppressed(io);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while writing the site", e);
      }
    }
    if (failure != null) {
      throw failure;
    }
    return changed;
  }

  /**
   * Writes the file atomically unless it already has exactly this content; true when it wrote.
   * NOTE: listings are rebuilt after every change, and most of their pages stay the same; skipping
   * those saves an fsync each.
   */
  static boolean writeIfChanged(Path target, byte[] content) throws IOException {
    try {
      if (Files.size(target) == content.length
          && java.util.Arrays.equals(Files.readAllBytes(target), content)) {
        return false;
      }
    } catch (NoSuchFileException e) {
      // Not there yet: write it.
    }
    writeAtomically(target, content);
    return true;
  }

  /**
   * Replaces the file's content so that a reader sees either the old or the new page, never a part:
   * the bytes go to a temporary file in the same directory (same file system, so the rename is
   * atomic), are forced to disk, and the file is then renamed over the target.
   */
  static void writeAtomically(Path target, byte[] content) throws IOException {
    Path dir = target.getParent();
    Files.createDirectories(dir);
    // The dot keeps the temporary file hidden from the static file handler.
    Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp", readable());
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(content);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        // Without this a crash right after the rename could leave an empty page in its place.
        ch.force(true);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
  }

  /**
   * Deletes the page (and the calendar file beside it), then each directory above it that is now
   * empty, up to the site root.
   */
  void removePage(Path page) throws IOException {
    boolean removed = Files.deleteIfExists(page);
    removed |= Files.deleteIfExists(page.resolveSibling(WebsiteChannel.ICS));
    if (!removed) {
      return;
    }
    removeEmptyParents(page.getParent());
  }

  private void removeEmptyParents(Path from) throws IOException {
    for (Path d = from; d != null && d.startsWith(dir) && !d.equals(dir); d = d.getParent()) {
      try {
        Files.delete(d);
      } catch (DirectoryNotEmptyException e) {
        return;
      } catch (NoSuchFileException e) {
        // Removed meanwhile by someone else: carry on upwards.
      }
    }
  }

  /** Deletes a directory with everything in it, then its parents left empty. */
  void deleteTree(Path tree) throws IOException {
    if (!Files.isDirectory(tree) || !tree.startsWith(dir) || tree.equals(dir)) {
      return;
    }
    Files.walkFileTree(
        tree,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
            Files.delete(d);
            return FileVisitResult.CONTINUE;
          }
        });
    removeEmptyParents(tree.getParent());
  }

  /**
   * rw-r--r-- where the file system knows POSIX permissions; temporary files start as rw-------.
   */
  private static FileAttribute<?>[] readable() {
    if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      return new FileAttribute<?>[] {
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--"))
      };
    }
    return new FileAttribute<?>[0];
  }
}
