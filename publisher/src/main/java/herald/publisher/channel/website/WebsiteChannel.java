package herald.publisher.channel.website;

import herald.events.ContentEvent;
import herald.events.ContentPublished;
import herald.events.ContentUnpublished;
import herald.publisher.PublisherConfig;
import herald.publisher.channel.Channel;
import herald.publisher.channel.Previews;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The website channel: a static site of one page per entry and locale at {@code
 * <site>/<locale>/<type>/<slug>/index.html} (with {@code event.ics} beside an event's page), index
 * pages per locale ({@code <locale>/}, {@code <locale>/page/<n>/}, newest first), tag pages ({@code
 * <locale>/tag/<tag>/}), a locale chooser at the root and {@code sitemap.xml}.
 *
 * <p>Every file is written atomically. What is published is kept in a {@link WebsiteIndex}, from
 * which the listings are rebuilt after each change; unpublish removes the entry's pages and
 * rebuilds the listings it was in. With a revalidation URL configured, the changed paths are POSTed
 * there, signed.
 *
 * <p>NOTE: an entry's own pages are written while other deliveries write theirs; removing pages,
 * recording a change in the index and rendering the listings are serialised within the process (a
 * read-write lock), so that two workers cannot write an older listing over a newer one or remove a
 * directory another is writing into.
 */
public final class WebsiteChannel implements Channel {

  /** The channel's name in an entry's {@code channels}. */
  public static final String NAME = "website";

  /** The channel's one target. */
  public static final String TARGET = "site";

  /** File name of a page inside its directory, so that the URL ends in the slug. */
  public static final String PAGE = "index.html";

  /** File name of an event's calendar file beside its page. */
  public static final String ICS = "event.ics";

  /**
   * Directory of the entries' permanent links: {@code go/<entry id>/} leads to the entry's page in
   * its first locale, whatever its slug is now. Studio's Markdown toolbar links entries this way,
   * so a link keeps working when the target's slug or type changes; rendered pages link the
   * target's page directly (see {@link WebsiteRenderer}).
   */
  public static final String GO = "go";

  private static final Logger LOG = LoggerFactory.getLogger(WebsiteChannel.class);

  private final SiteFiles files;
  private final WebsiteIndex index;
  private final PublisherConfig.WebsiteSettings settings;
  private final WebsiteRenderer renderer;
  private final Optional<Revalidator> revalidator;
  private final ReferenceNames names;
  // Writers of an entry's own pages share it; removing pages, recording changes in the index and
  // rendering the listings take it alone.
  private final java.util.concurrent.locks.ReadWriteLock site =
      new java.util.concurrent.locks.ReentrantReadWriteLock();

  private final ListingWriter listings;
  private final ListingBatcher batcher;

  /** A channel writing below the given site directory, keeping its index in memory. */
  public WebsiteChannel(Path siteDir) {
    this(
        siteDir,
        new InMemoryWebsiteIndex(),
        new PublisherConfig.WebsiteSettings(
            PublisherConfig.siteUrl(Map.of()),
            PublisherConfig.DEFAULT_SITE_PAGE_SIZE,
            Optional.empty(),
            Optional.empty()));
  }

  /** A channel writing below the given site directory. */
  public WebsiteChannel(
      Path siteDir, WebsiteIndex index, PublisherConfig.WebsiteSettings settings) {
    this(siteDir, index, settings, ReferenceNames.NONE);
  }

  /**
   * A channel writing below the given site directory, naming the referenced entries that have no
   * page from {@code names}.
   */
  public WebsiteChannel(
      Path siteDir,
      WebsiteIndex index,
      PublisherConfig.WebsiteSettings settings,
      ReferenceNames names) {
    this.names = names;
    this.files = new SiteFiles(siteDir);
    this.index = index;
    this.settings = settings;
    this.renderer = new WebsiteRenderer(settings.siteUrl(), settings.feedsUrl());
    this.listings = new ListingWriter(files, index, settings, renderer);
    this.batcher = new ListingBatcher(site.writeLock(), listings);
    this.revalidator =
        settings
            .revalidateUrl()
            .map(u -> new Revalidator(u, settings.revalidateSecret().orElse("")));
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<String> targets(ContentEvent event) {
    return List.of(TARGET);
  }

  /**
   * The page an entry would get in a locale, rendered now and written nowhere (a preview before
   * publishing): the same renderer and reference lookups as {@link #publish}. Blocking.
   */
  public String preview(ContentPublished entry, String locale) {
    try {
      Set<UUID> referenced = EntryLinks.references(entry);
      Map<UUID, List<PageRow>> known = EntryLinks.byEntry(index.entries(referenced));
      Set<UUID> pageless = new HashSet<>(referenced);
      pageless.removeAll(known.keySet());
      Map<UUID, ContentPublished> named = pageless.isEmpty() ? Map.of() : names.published(pageless);
      return renderer.entryPage(entry, locale, known, named);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Mounts {@code POST /v1/preview/website} (internal; see {@link Previews}). */
  public void mount(io.vertx.core.Vertx vertx, io.vertx.ext.web.Router router) {
    Previews.mount(vertx, router, NAME, this::preview);
  }

  /** Where the permanent link of an entry is. */
  public Path goPath(UUID entryId) {
    return files.dir().resolve(GO).resolve(entryId.toString()).resolve(PAGE);
  }

  /** The site directory that pages are written below. */
  public Path siteDir() {
    return files.dir();
  }

  /** Where the page of an entry in a locale is. */
  public Path pagePath(String locale, String contentType, String slug) {
    return files.pagePath(locale, contentType, slug);
  }

  /** Writes a file atomically (see {@link SiteFiles#writeAtomically}). */
  static void writeAtomically(Path target, byte[] content) throws IOException {
    SiteFiles.writeAtomically(target, content);
  }

  /**
   * Three at a time: each writes its entry's pages alongside the others, records its change under
   * the site's write lock, then the listings of the changes made meanwhile are rendered once (see
   * {@link ListingBatcher}); more would take the workers that the other channels' deliveries need.
   */
  @Override
  public int concurrency() {
    return 3;
  }

  @Override
  public void publish(ContentPublished entry) throws IOException {
    // Check every path before writing any page, so a bad locale leaves no half-published entry.
    Map<String, Path> pages = new LinkedHashMap<>();
    for (String locale : entry.locales()) {
      pages.put(locale, pagePath(locale, entry.contentType(), entry.slug()));
    }
    List<String> tags = WebsiteRenderer.tags(entry);
    Set<String> changed = new TreeSet<>();
    CompletableFuture<Set<String>> mine;
    Set<UUID> referenced = EntryLinks.references(entry);
    Map<UUID, List<PageRow>> known = EntryLinks.byEntry(index.entries(referenced));
    Set<UUID> pageless = new HashSet<>(referenced);
    pageless.removeAll(known.keySet());
    Map<UUID, ContentPublished> named = pageless.isEmpty() ? Map.of() : names.published(pageless);
    // The entry's own pages: other deliveries write theirs meanwhile (an entry's deliveries come
    // one after another); nothing is removed from the site while pages are written.
    site.readLock().lock();
    try {
      for (Map.Entry<String, Path> page : pages.entrySet()) {
        String locale = page.getKey();
        SiteFiles.writeIfChanged(
            page.getValue(),
            renderer.entryPage(entry, locale, known, named).getBytes(StandardCharsets.UTF_8));
        String dir = locale + "/" + entry.contentType() + "/" + entry.slug() + "/";
        changed.add("/" + dir);
        if (WebsiteRenderer.layout(entry.contentType()).equals("event")) {
          Optional<String> ics = renderer.ics(entry, locale);
          Path icsPath = page.getValue().resolveSibling(ICS);
          if (ics.isPresent()) {
            SiteFiles.writeIfChanged(icsPath, ics.get().getBytes(StandardCharsets.UTF_8));
            changed.add("/" + dir + ICS);
          } else {
            Files.deleteIfExists(icsPath);
          }
        }
      }
      if (!entry.locales().isEmpty()) {
        String first = entry.locales().get(0);
        SiteFiles.writeIfChanged(
            goPath(entry.entryId()),
            WebsiteRenderer.redirect(
                    "../../" + first + "/" + entry.contentType() + "/" + entry.slug() + "/",
                    entry.title(first))
                .getBytes(StandardCharsets.UTF_8));
        changed.add("/" + GO + "/" + entry.entryId() + "/");
      }
    } finally {
      site.readLock().unlock();
    }
    site.writeLock().lock();
    try {
      List<PageRow> before = index.pagesOf(entry.entryId());
      // A locale dropped, or a slug or type changed, since an earlier version must not stay online.
      for (PageRow old : before) {
        Path oldPage = files.pagePathOrNull(old.locale(), old.contentType(), old.slug());
        if (oldPage != null && !pages.containsValue(oldPage)) {
          files.removePage(oldPage);
          changed.add("/" + old.path());
        }
      }
      for (String locale : files.localeDirs()) {
        if (!pages.containsKey(locale)) {
          Path stale = pagePath(locale, entry.contentType(), entry.slug());
          if (Files.exists(stale)) {
            files.removePage(stale);
            changed.add("/" + locale + "/" + entry.contentType() + "/" + entry.slug() + "/");
          }
        }
      }
      List<PageRow> rows = new ArrayList<>();
      for (String locale : entry.locales()) {
        rows.add(
            new PageRow(
                entry.entryId(),
                locale,
                entry.version(),
                entry.contentType(),
                entry.slug(),
                entry.title(locale),
                entry.text("summary", locale).filter(s -> !s.isBlank()).orElse(null),
                entry.occurredAt(),
                tags));
      }
      index.replace(entry.entryId(), rows);
      mine = batcher.enqueue(new ListingWriter.Change(before, rows));
    } finally {
      site.writeLock().unlock();
    }
    changed.addAll(batcher.await(mine));
    LOG.debug("published {} {} in {}", entry.contentType(), entry.slug(), pages.keySet());
    revalidate(entry.entryId(), entry.version(), changed);
  }

  @Override
  public void unpublish(ContentUnpublished entry) throws IOException {
    Set<String> changed = new TreeSet<>();
    CompletableFuture<Set<String>> mine;
    site.writeLock().lock();
    try {
      List<PageRow> before = index.pagesOf(entry.entryId());
      // Every locale directory, not only the event's locales: an older version may have had more.
      Set<String> locales = new LinkedHashSet<>(entry.locales());
      locales.addAll(files.localeDirs());
      for (String locale : locales) {
        Path page = files.pagePathOrNull(locale, entry.contentType(), entry.slug());
        if (page != null && Files.exists(page)) {
          files.removePage(page);
          changed.add("/" + locale + "/" + entry.contentType() + "/" + entry.slug() + "/");
        }
      }
      for (PageRow old : before) {
        Path page = files.pagePathOrNull(old.locale(), old.contentType(), old.slug());
        if (page != null && Files.exists(page)) {
          files.removePage(page);
        }
        changed.add("/" + old.path());
      }
      if (Files.exists(goPath(entry.entryId()))) {
        files.removePage(goPath(entry.entryId()));
        changed.add("/" + GO + "/" + entry.entryId() + "/");
      }
      index.replace(entry.entryId(), List.of());
      mine = batcher.enqueue(new ListingWriter.Change(before, List.of()));
    } finally {
      site.writeLock().unlock();
    }
    changed.addAll(batcher.await(mine));
    LOG.debug("unpublished {} {}", entry.contentType(), entry.slug());
    revalidate(entry.entryId(), entry.version(), changed);
  }

  /**
   * Renders every page of every listing, writing those that differ from the files; returns the
   * changed paths. Publishing keeps the listings up to date on its own: this is the reference the
   * tests hold it to, and the way to redo them all (after a change of templates, say).
   */
  Set<String> rebuildAllListings() throws IOException {
    site.writeLock().lock();
    try {
      return listings.rebuild(List.of(), true);
    } finally {
      site.writeLock().unlock();
    }
  }

  private void revalidate(UUID entryId, long version, Set<String> changed) throws IOException {
    if (revalidator.isPresent()) {
      revalidator.get().changed(entryId.toString(), version, changed);
    }
  }
}
