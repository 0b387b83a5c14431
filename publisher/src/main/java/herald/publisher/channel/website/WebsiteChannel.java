package herald.publisher.channel.website;

import herald.events.ContentEvent;
import herald.events.ContentPublished;
import herald.events.ContentUnpublished;
import herald.publisher.PublisherConfig;
import herald.publisher.channel.Channel;
import herald.publisher.channel.Previews;
import herald.publisher.channel.UndeliverableException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
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

  /**
   * A path segment taken from an event (locale, type, slug). It may not start with a dot, so {@code
   * ..} and hidden names are out, and may not contain a separator.
   */
  private static final Pattern SEGMENT = Pattern.compile("[\\p{L}\\p{N}][\\p{L}\\p{N}._-]{0,199}");

  private final Path siteDir;
  private final WebsiteIndex index;
  private final PublisherConfig.WebsiteSettings settings;
  private final WebsiteRenderer renderer;
  private final Optional<Revalidator> revalidator;
  private final ReferenceNames names;
  // Writers of an entry's own pages share it; removing pages, recording changes in the index and
  // rendering the listings take it alone.
  private final java.util.concurrent.locks.ReadWriteLock site =
      new java.util.concurrent.locks.ReentrantReadWriteLock();

  // The changes whose listings are still to render (guarded by the site's write lock); the first
  // rendering after start renders everything, since a change may have been stored without its
  // listings when the publisher stopped.
  private Batch pending = new Batch();
  private boolean renderEverything = true;

  // Held by the delivery that renders the listings; the others wait for it (see listings()).
  private final ReentrantLock rendering = new ReentrantLock();

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
    this.siteDir = siteDir.toAbsolutePath().normalize();
    this.index = index;
    this.settings = settings;
    this.renderer = new WebsiteRenderer(settings.siteUrl(), settings.feedsUrl());
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
      Set<UUID> referenced = WebsiteRenderer.references(entry);
      Map<UUID, List<PageRow>> known = WebsiteRenderer.byEntry(index.entries(referenced));
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
    return siteDir.resolve(GO).resolve(entryId.toString()).resolve(PAGE);
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

  /**
   * Three at a time: each writes its entry's pages alongside the others, records its change under
   * the site's write lock, then the listings of the changes made meanwhile are rendered once (see
   * {@link #listings}); more would take the workers that the other channels' deliveries need.
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
    Set<UUID> referenced = WebsiteRenderer.references(entry);
    Map<UUID, List<PageRow>> known = WebsiteRenderer.byEntry(index.entries(referenced));
    Set<UUID> pageless = new HashSet<>(referenced);
    pageless.removeAll(known.keySet());
    Map<UUID, ContentPublished> named = pageless.isEmpty() ? Map.of() : names.published(pageless);
    // The entry's own pages: other deliveries write theirs meanwhile (an entry's deliveries come
    // one after another); nothing is removed from the site while pages are written.
    site.readLock().lock();
    try {
      for (Map.Entry<String, Path> page : pages.entrySet()) {
        String locale = page.getKey();
        writeIfChanged(
            page.getValue(),
            renderer.entryPage(entry, locale, known, named).getBytes(StandardCharsets.UTF_8));
        String dir = locale + "/" + entry.contentType() + "/" + entry.slug() + "/";
        changed.add("/" + dir);
        if (WebsiteRenderer.layout(entry.contentType()).equals("event")) {
          Optional<String> ics = renderer.ics(entry, locale);
          Path icsPath = page.getValue().resolveSibling(ICS);
          if (ics.isPresent()) {
            writeIfChanged(icsPath, ics.get().getBytes(StandardCharsets.UTF_8));
            changed.add("/" + dir + ICS);
          } else {
            Files.deleteIfExists(icsPath);
          }
        }
      }
      if (!entry.locales().isEmpty()) {
        String first = entry.locales().get(0);
        writeIfChanged(
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
        Path oldPage = pagePathOrNull(old.locale(), old.contentType(), old.slug());
        if (oldPage != null && !pages.containsValue(oldPage)) {
          removePage(oldPage);
          changed.add("/" + old.path());
        }
      }
      for (String locale : localeDirs()) {
        if (!pages.containsKey(locale)) {
          Path stale = pagePath(locale, entry.contentType(), entry.slug());
          if (Files.exists(stale)) {
            removePage(stale);
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
      mine = enqueue(new Change(before, rows));
    } finally {
      site.writeLock().unlock();
    }
    changed.addAll(listings(mine));
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
      locales.addAll(localeDirs());
      for (String locale : locales) {
        Path page = pagePathOrNull(locale, entry.contentType(), entry.slug());
        if (page != null && Files.exists(page)) {
          removePage(page);
          changed.add("/" + locale + "/" + entry.contentType() + "/" + entry.slug() + "/");
        }
      }
      for (PageRow old : before) {
        Path page = pagePathOrNull(old.locale(), old.contentType(), old.slug());
        if (page != null && Files.exists(page)) {
          removePage(page);
        }
        changed.add("/" + old.path());
      }
      if (Files.exists(goPath(entry.entryId()))) {
        removePage(goPath(entry.entryId()));
        changed.add("/" + GO + "/" + entry.entryId() + "/");
      }
      index.replace(entry.entryId(), List.of());
      mine = enqueue(new Change(before, List.of()));
    } finally {
      site.writeLock().unlock();
    }
    changed.addAll(listings(mine));
    LOG.debug("unpublished {} {}", entry.contentType(), entry.slug());
    revalidate(entry.entryId(), entry.version(), changed);
  }

  /** One entry's change: its rows before and after (either may be empty). */
  private record Change(List<PageRow> before, List<PageRow> after) {}

  /** Changes to render together, and what their rendering changed (or its failure). */
  private record Batch(List<Change> changes, CompletableFuture<Set<String>> rendered) {
    Batch() {
      this(new ArrayList<>(), new CompletableFuture<>());
    }
  }

  /**
   * Queues a change whose listings are still to render; call under the site's write lock, right
   * after the index has the change. Returns what the rendering that includes it will change.
   */
  private CompletableFuture<Set<String>> enqueue(Change change) {
    pending.changes().add(change);
    return pending.rendered();
  }

  /**
   * Renders the listings once the change queued as {@code mine} is in them and returns the paths
   * that changed in that rendering. Deliveries that end their pages while another renders the
   * listings wait for it to finish, and the first of them then renders the listings for all of them
   * at once: under a steady stream of publishes the listings are rendered once per few entries
   * instead of once per entry, and a delivery still returns only when its entry is listed.
   */
  private Set<String> listings(CompletableFuture<Set<String>> mine) throws IOException {
    while (!mine.isDone()) {
      try {
        rendering.lockInterruptibly();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for the listings", e);
      }
      try {
        // The delivery that held the lock may have rendered this change with its own.
        if (!mine.isDone()) {
          renderPending();
        }
      } finally {
        rendering.unlock();
      }
    }
    try {
      return mine.join();
    } catch (java.util.concurrent.CompletionException e) {
      throw new IOException("rendering the listings failed", e.getCause());
    }
  }

  /** Renders the listings of the queued changes and tells their deliveries the outcome. */
  private void renderPending() {
    site.writeLock().lock();
    Batch batch = pending;
    pending = new Batch();
    try {
      batch.rendered().complete(rebuildListings(batch.changes(), renderEverything));
      renderEverything = false;
    } catch (IOException | RuntimeException e) {
      // The batch's changes are gone from the queue: the next rendering renders every listing,
      // those with entries and those on disk, which covers what they touched.
      renderEverything = true;
      batch.rendered().completeExceptionally(e);
    } finally {
      site.writeLock().unlock();
      // An Error too: the deliveries waiting for this batch learn that it did not finish.
      batch.rendered().completeExceptionally(new IOException("rendering did not finish"));
    }
  }

  /**
   * Rewrites the index pages of every locale the changed entries were or are in, the tag pages of
   * every tag they had or have there, the root page and the sitemap; returns the changed paths. Of
   * a listing's archive pages only those from the changed entries' old or new places onwards are
   * rendered: the others hold the same entries as before (see {@link #listing}).
   */
  private Set<String> rebuildListings(List<Change> changes, boolean every) throws IOException {
    if (!every) {
      return renderListings(changes, Map.of(), false);
    }
    // Every listing that has entries, those the changes emptied, and those on disk: a change
    // stored before a crash may have emptied a listing without rendering it (these go away).
    List<Change> all = new ArrayList<>(changes);
    all.add(new Change(List.of(), index.all()));
    return renderListings(all, listingsOnDisk(), true);
  }

  /** The tag slugs of each locale's listings now in the site ({@code <locale>/tag/<slug>/}). */
  private Map<String, Set<String>> listingsOnDisk() throws IOException {
    Map<String, Set<String>> out = new LinkedHashMap<>();
    for (String locale : localeDirs()) {
      Set<String> tags = new LinkedHashSet<>();
      Path tagDir = siteDir.resolve(locale).resolve("tag");
      if (Files.isDirectory(tagDir)) {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(tagDir, Files::isDirectory)) {
          dirs.forEach(d -> tags.add(d.getFileName().toString()));
        }
      }
      out.put(locale, tags);
    }
    return out;
  }

  /**
   * Renders every page of every listing, writing those that differ from the files; returns the
   * changed paths. Publishing keeps the listings up to date on its own: this is the reference the
   * tests hold it to, and the way to redo them all (after a change of templates, say).
   */
  Set<String> rebuildAllListings() throws IOException {
    site.writeLock().lock();
    try {
      return rebuildListings(List.of(), true);
    } finally {
      site.writeLock().unlock();
    }
  }

  private Set<String> renderListings(
      List<Change> changes, Map<String, Set<String>> alsoListings, boolean every)
      throws IOException {
    Map<String, Set<String>> tagsByLocale = new LinkedHashMap<>();
    alsoListings.forEach((locale, tags) -> tagsByLocale.put(locale, new LinkedHashSet<>(tags)));
    Map<String, String> slugs = new HashMap<>();
    for (Change c : changes) {
      for (PageRow r : concat(c.before(), c.after())) {
        Set<String> inLocale = tagsByLocale.computeIfAbsent(r.locale(), l -> new LinkedHashSet<>());
        r.tags().forEach(t -> inLocale.add(slug(t, slugs)));
      }
    }
    Set<String> changed = new TreeSet<>();
    List<Write> writes = new ArrayList<>();
    for (Map.Entry<String, Set<String>> e : tagsByLocale.entrySet()) {
      String locale = e.getKey();
      if (!SEGMENT.matcher(locale).matches()) {
        continue;
      }
      List<PageRow> rows = index.locale(locale);
      List<PageRow> olds = new ArrayList<>();
      List<PageRow> neus = new ArrayList<>();
      for (Change c : every ? List.<Change>of() : changes) {
        PageRow old = inLocale(c.before(), locale);
        // NOTE: as the index keeps it (a republished entry keeps its first publication date).
        PageRow neu = sameEntry(rows, inLocale(c.after(), locale));
        if (old != null) {
          olds.add(old);
        }
        if (neu != null) {
          neus.add(neu);
        }
      }
      writes.addAll(
          listing(
              locale,
              locale + "/",
              SiteLabels.of(locale).get("latest"),
              rows,
              olds,
              neus,
              every,
              changed));
      for (String slug : e.getValue()) {
        if (slug.isEmpty()) {
          continue;
        }
        List<PageRow> tagged = rows.stream().filter(r -> tagged(r, slug, slugs)).toList();
        // NOTE: named as the oldest entry writes it, so that new entries do not rename every page
        // of the listing.
        String label =
            tagged.isEmpty()
                ? slug
                : tagged.get(tagged.size() - 1).tags().stream()
                    .filter(t -> slug(t, slugs).equals(slug))
                    .findFirst()
                    .orElse(slug);
        writes.addAll(
            listing(
                locale,
                locale + "/tag/" + slug + "/",
                "#" + label,
                tagged,
                olds.stream().filter(r -> tagged(r, slug, slugs)).toList(),
                neus.stream().filter(r -> tagged(r, slug, slugs)).toList(),
                every,
                changed));
      }
    }
    List<PageRow> all = index.all();
    root(all).ifPresent(writes::add);
    sitemap(all).ifPresent(writes::add);
    changed.addAll(writeAll(writes));
    return changed;
  }

  private static String slug(String tag, Map<String, String> slugs) {
    return slugs.computeIfAbsent(tag, Listings::tagSlug);
  }

  private static boolean tagged(PageRow r, String slug, Map<String, String> slugs) {
    return r.tags().stream().anyMatch(t -> slug(t, slugs).equals(slug));
  }

  private static PageRow sameEntry(List<PageRow> rows, PageRow row) {
    return row == null
        ? null
        : rows.stream().filter(r -> r.entryId().equals(row.entryId())).findFirst().orElse(null);
  }

  private static PageRow inLocale(List<PageRow> rows, String locale) {
    return rows.stream().filter(r -> r.locale().equals(locale)).findFirst().orElse(null);
  }

  /**
   * Writes one listing: its first page ({@code base}) with the newest entries, and archive pages
   * ({@code base/page/<n>/}, 1 the oldest) that keep their content as new entries arrive. {@code
   * rows} is the listing after the changes, newest first; {@code olds} and {@code neus} are the
   * changed entries' rows before and after them, those the listing has. Only the archive pages from
   * the first place where the listing can differ onwards are rendered (for new entries, the newest
   * page), pages that did not exist, and the one whose link to newer ones changes when the number
   * of pages does; {@code all} renders every page. Files whose content did not change are not
   * written. Returns the changed paths.
   */
  private List<Write> listing(
      String locale,
      String base,
      String heading,
      List<PageRow> rows,
      List<PageRow> olds,
      List<PageRow> neus,
      boolean all,
      Set<String> changed)
      throws IOException {
    List<Write> writes = new ArrayList<>();
    Path baseDir = siteDir.resolve(base);
    Path pagesDir = baseDir.resolve("page");
    if (rows.isEmpty()) {
      // Nothing left: the listing goes away (and with it empty directories up to the site).
      deleteTree(pagesDir);
      removePage(baseDir.resolve(PAGE));
      changed.add("/" + base);
      return writes;
    }
    int size = settings.pageSize();
    int archives = rows.size() > size ? Listings.pages(rows.size(), size) : 0;
    int countBefore = rows.size() - neus.size() + olds.size();
    int archivesBefore = countBefore > size ? Listings.pages(countBefore, size) : 0;
    int firstChanged = all ? 1 : Listings.firstArchiveChanged(rows, concat(olds, neus), size);
    int relinked = archivesBefore != archives ? Math.min(archivesBefore, archives) : 0;
    // The first page: the newest entries, and a link to the archive page after them.
    String olderThanFirst =
        archives == 0 ? null : Listings.pageDir(base, Listings.archiveOf(rows.size(), size, size));
    writes.add(
        listingPage(
            locale,
            base,
            heading,
            rows.subList(0, Math.min(size, rows.size())),
            null,
            olderThanFirst,
            0));
    for (int k = 1; k <= archives; k++) {
      if (k < firstChanged && k != relinked && k <= archivesBefore) {
        // Same entries and links as before.
        continue;
      }
      String dir = Listings.pageDir(base, k);
      String newer = k < archives ? Listings.pageDir(base, k + 1) : base;
      String older = k > 1 ? Listings.pageDir(base, k - 1) : null;
      writes.add(
          listingPage(locale, dir, heading, Listings.archive(rows, k, size), newer, older, k));
    }
    // Pages beyond the last one, left from when the listing was longer.
    if (Files.isDirectory(pagesDir)) {
      try (DirectoryStream<Path> dirs = Files.newDirectoryStream(pagesDir)) {
        for (Path d : dirs) {
          String name = d.getFileName().toString();
          if (!name.matches("\\d{1,9}") || Integer.parseInt(name) > archives) {
            deleteTree(d);
            changed.add("/" + base + "page/" + name + "/");
          }
        }
      }
    }
    return writes;
  }

  /** One page of a listing, rendered, to be written if its content changed. */
  private Write listingPage(
      String locale,
      String dir,
      String heading,
      List<PageRow> rows,
      String newerDir,
      String olderDir,
      int number)
      throws IOException {
    Locale loc = Locale.forLanguageTag(locale);
    String root = Listings.rootFrom(dir);
    List<Views.Item> items = new ArrayList<>();
    for (PageRow r : rows) {
      items.add(
          new Views.Item(
              root + r.path(),
              r.title(),
              r.summary(),
              SiteLabels.of(locale).type(r.contentType()),
              r.publishedAt().toString(),
              WebsiteRenderer.date(r.publishedAt(), loc)));
    }
    Views.Listing listing =
        new Views.Listing(
            heading,
            items,
            newerDir == null ? null : root + newerDir,
            olderDir == null ? null : root + olderDir,
            number,
            0);
    return new Write(
        siteDir.resolve(dir).resolve(PAGE),
        renderer.listing(locale, heading, listing, root).getBytes(StandardCharsets.UTF_8),
        "/" + dir);
  }

  /** The root page: the locales that have content, with links to their index pages. */
  private Optional<Write> root(List<PageRow> all) throws IOException {
    Set<String> locales = new TreeSet<>();
    all.forEach(r -> locales.add(r.locale()));
    Path root = siteDir.resolve(PAGE);
    if (locales.isEmpty()) {
      Files.deleteIfExists(root);
      return Optional.empty();
    }
    List<Views.Item> items = new ArrayList<>();
    for (String l : locales) {
      Locale ll = Locale.forLanguageTag(l);
      items.add(
          new Views.Item(l + "/", Html.capitalize(ll.getDisplayName(ll), ll), null, l, "", ""));
    }
    StringBuilder h = new StringBuilder(1024);
    h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .append("<title>Languages</title>\n</head>\n<body>\n<main>\n<h1>Languages</h1>\n<ul>\n");
    for (Views.Item i : items) {
      h.append("<li><a href=\"")
          .append(Html.escape(i.href()))
          .append("\" hreflang=\"")
          .append(Html.escape(i.kind()))
          .append("\" lang=\"")
          .append(Html.escape(i.kind()))
          .append("\">")
          .append(Html.escape(i.title()))
          .append("</a></li>\n");
    }
    h.append("</ul>\n</main>\n</body>\n</html>\n");
    return Optional.of(new Write(root, h.toString().getBytes(StandardCharsets.UTF_8), "/"));
  }

  /** sitemap.xml: every entry page and every locale's index, with absolute URLs. */
  private Optional<Write> sitemap(List<PageRow> all) throws IOException {
    Path sitemap = siteDir.resolve("sitemap.xml");
    if (all.isEmpty()) {
      Files.deleteIfExists(sitemap);
      return Optional.empty();
    }
    String base = settings.siteUrl();
    StringBuilder x = new StringBuilder(256 + all.size() * 128);
    x.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        .append("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    Set<String> locales = new TreeSet<>();
    for (PageRow r : all) {
      locales.add(r.locale());
      x.append("<url><loc>")
          .append(Html.escape(base + "/" + r.path()))
          .append("</loc><lastmod>")
          .append(r.publishedAt().toString(), 0, 10)
          .append("</lastmod></url>\n");
    }
    for (String l : locales) {
      x.append("<url><loc>").append(Html.escape(base + "/" + l + "/")).append("</loc></url>\n");
    }
    x.append("</urlset>\n");
    return Optional.of(
        new Write(sitemap, x.toString().getBytes(StandardCharsets.UTF_8), "/sitemap.xml"));
  }

  private void revalidate(UUID entryId, long version, Set<String> changed) throws IOException {
    if (revalidator.isPresent()) {
      revalidator.get().changed(entryId.toString(), version, changed);
    }
  }

  /** A file to write, and the site path that changes when it does. */
  private record Write(Path file, byte[] content, String changedPath) {}

  /**
   * Writes the files (each atomically, only if changed) in parallel and returns the changed paths.
   * NOTE: in parallel because each write ends with an fsync, and the file system commits concurrent
   * ones together: a listing change costs about one disk flush, not one per page.
   */
  private Set<String> writeAll(List<Write> writes) throws IOException {
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
  private void removePage(Path page) throws IOException {
    boolean removed = Files.deleteIfExists(page);
    removed |= Files.deleteIfExists(page.resolveSibling(ICS));
    if (!removed) {
      return;
    }
    removeEmptyParents(page.getParent());
  }

  private void removeEmptyParents(Path from) throws IOException {
    for (Path dir = from;
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

  /** Deletes a directory with everything in it, then its parents left empty. */
  private void deleteTree(Path dir) throws IOException {
    if (!Files.isDirectory(dir) || !dir.startsWith(siteDir) || dir.equals(siteDir)) {
      return;
    }
    Files.walkFileTree(
        dir,
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
    removeEmptyParents(dir.getParent());
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
        if (SEGMENT.matcher(name).matches() && !name.equals(GO)) {
          out.add(name);
        }
      }
    }
    return out;
  }

  private Path pagePathOrNull(String locale, String contentType, String slug) {
    try {
      return pagePath(locale, contentType, slug);
    } catch (UndeliverableException e) {
      return null;
    }
  }

  private static List<PageRow> concat(List<PageRow> a, List<PageRow> b) {
    List<PageRow> out = new ArrayList<>(a);
    out.addAll(b);
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
