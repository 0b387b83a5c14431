package herald.publisher.channel.website;

import herald.events.ContentPublished;
import herald.events.ContentUnpublished;
import herald.publisher.channel.Channel;
import herald.publisher.channel.UndeliverableException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The website channel: writes each locale of a published entry as a static page at {@code
 * <site>/<locale>/<type>/<slug>/index.html} and removes the pages again on unpublish.
 */
public final class WebsiteChannel implements Channel {

  /** The channel's name in an entry's {@code channels}. */
  public static final String NAME = "website";

  /** File name of a page inside its directory, so that the URL ends in the slug. */
  public static final String PAGE = "index.html";

  private static final Logger LOG = LoggerFactory.getLogger(WebsiteChannel.class);

  /**
   * A path segment taken from an event (locale, type, slug). It may not start with a dot, so {@code
   * ..} and hidden names are out, and may not contain a separator.
   */
  private static final Pattern SEGMENT = Pattern.compile("[\\p{L}\\p{N}][\\p{L}\\p{N}._-]{0,199}");

  private final Path siteDir;

  /** A channel writing below the given site directory. */
  public WebsiteChannel(Path siteDir) {
    this.siteDir = siteDir.toAbsolutePath().normalize();
  }

  @Override
  public String name() {
    return NAME;
  }

  /** The site directory that pages are written below. */
  public Path siteDir() {
    return siteDir;
  }

  /** Where the page of an entry in a locale is. */
  public Path pagePath(String locale, String contentType, String slug) {
    return siteDir
        .resolve(segment("locale", locale))
        .resolve(segment("type", contentType))
        .resolve(segment("slug", slug))
        .resolve(PAGE);
  }

  @Override
  public void publish(ContentPublished entry) throws IOException {
    // Check every path before writing any page, so a bad locale leaves no half-published entry.
    Map<String, Path> pages = new LinkedHashMap<>();
    for (String locale : entry.locales()) {
      pages.put(locale, pagePath(locale, entry.contentType(), entry.slug()));
    }
    for (Map.Entry<String, Path> page : pages.entrySet()) {
      byte[] html = WebsitePage.render(entry, page.getKey()).getBytes(StandardCharsets.UTF_8);
      writeAtomically(page.getValue(), html);
    }
    // A locale dropped since an earlier version must not stay online.
    for (String locale : localeDirs()) {
      if (!pages.containsKey(locale)) {
        remove(pagePath(locale, entry.contentType(), entry.slug()));
      }
    }
    LOG.debug("published {} {} in {}", entry.contentType(), entry.slug(), pages.keySet());
  }

  @Override
  public void unpublish(ContentUnpublished entry) throws IOException {
    // Every locale directory, not only the event's locales: an older version may have had more.
    Set<String> locales = new LinkedHashSet<>(entry.locales());
    locales.addAll(localeDirs());
    List<Path> pages = new ArrayList<>();
    for (String locale : locales) {
      pages.add(pagePath(locale, entry.contentType(), entry.slug()));
    }
    for (Path page : pages) {
      remove(page);
    }
    LOG.debug("unpublished {} {}", entry.contentType(), entry.slug());
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

  /** Deletes the page, then each directory above it that is now empty, up to the site root. */
  private void remove(Path page) throws IOException {
    if (!Files.deleteIfExists(page)) {
      return;
    }
    for (Path dir = page.getParent();
        dir != null && dir.startsWith(siteDir) && !dir.equals(siteDir);
        dir = dir.getParent()) {
      try {
        Files.delete(dir);
      } catch (DirectoryNotEmptyException e) {
        return;
      } catch (NoSuchFileException e) {
        // Removed meanwhile by someone else: carry on upwards.
      }
    }
  }

  /** The names of the locale directories now in the site. */
  private List<String> localeDirs() throws IOException {
    List<String> out = new ArrayList<>();
    if (!Files.isDirectory(siteDir)) {
      return out;
    }
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(siteDir, Files::isDirectory)) {
      for (Path d : dirs) {
        String name = d.getFileName().toString();
        if (SEGMENT.matcher(name).matches()) {
          out.add(name);
        }
      }
    }
    return out;
  }

  private static String segment(String what, String value) {
    if (value == null || !SEGMENT.matcher(value).matches()) {
      throw new UndeliverableException(
          "the " + what + " '" + value + "' cannot be a path segment on the website");
    }
    return value;
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
