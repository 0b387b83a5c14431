package herald.publisher.channel.website;

import herald.publisher.PublisherConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Plans and writes the listings: each locale's index pages, its tag pages, the root page and {@code
 * sitemap.xml}, from the {@link WebsiteIndex} after a batch of changes. Of a listing's archive
 * pages only those a change can reach are rendered, and only files whose content changed are
 * written.
 */
final class ListingWriter {

  /** One entry's change: its rows before and after (either may be empty). */
  record Change(List<PageRow> before, List<PageRow> after) {}

  private final SiteFiles files;
  private final WebsiteIndex index;
  private final PublisherConfig.WebsiteSettings settings;
  private final WebsiteRenderer renderer;

  ListingWriter(
      SiteFiles files,
      WebsiteIndex index,
      PublisherConfig.WebsiteSettings settings,
      WebsiteRenderer renderer) {
    this.files = files;
    this.index = index;
    this.settings = settings;
    this.renderer = renderer;
  }

  /**
   * Rewrites the index pages of every locale the changed entries were or are in, the tag pages of
   * every tag they had or have there, the root page and the sitemap; returns the changed paths. Of
   * a listing's archive pages only those from the changed entries' old or new places onwards are
   * rendered: the others hold the same entries as before (see {@link #listing}).
   */
  Set<String> rebuild(List<Change> changes, boolean every) throws IOException {
    if (!every) {
      return renderListings(changes, Map.of(), false);
    }
    // Every listing that has entries, those the changes emptied, and those on disk: a change
    // stored before a crash may have emptied a listing without rendering it (these go away).
    List<Change> all = new ArrayList<>(changes);
    all.add(new Change(List.of(), index.all()));
    return renderListings(all, files.listingsOnDisk(), true);
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
    List<SiteFiles.Write> writes = new ArrayList<>();
    for (Map.Entry<String, Set<String>> e : tagsByLocale.entrySet()) {
      String locale = e.getKey();
      if (!SiteFiles.isSegment(locale)) {
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
    changed.addAll(files.writeAll(writes));
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
  private List<SiteFiles.Write> listing(
      String locale,
      String base,
      String heading,
      List<PageRow> rows,
      List<PageRow> olds,
      List<PageRow> neus,
      boolean all,
      Set<String> changed)
      throws IOException {
    List<SiteFiles.Write> writes = new ArrayList<>();
    Path baseDir = files.dir().resolve(base);
    Path pagesDir = baseDir.resolve("page");
    if (rows.isEmpty()) {
      // Nothing left: the listing goes away (and with it empty directories up to the site).
      files.deleteTree(pagesDir);
      files.removePage(baseDir.resolve(WebsiteChannel.PAGE));
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
            files.deleteTree(d);
            changed.add("/" + base + "page/" + name + "/");
          }
        }
      }
    }
    return writes;
  }

  /** One page of a listing, rendered, to be written if its content changed. */
  private SiteFiles.Write listingPage(
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
    return new SiteFiles.Write(
        files.dir().resolve(dir).resolve(WebsiteChannel.PAGE),
        renderer.listing(locale, heading, listing, root).getBytes(StandardCharsets.UTF_8),
        "/" + dir);
  }

  /**
   * The root page: the locales that have content, each linked in its own language, under the word
   * for "languages" in each of them (the page has no one language of its own).
   */
  private Optional<SiteFiles.Write> root(List<PageRow> all) throws IOException {
    Set<String> locales = new TreeSet<>();
    all.forEach(r -> locales.add(r.locale()));
    Path root = files.dir().resolve(WebsiteChannel.PAGE);
    if (locales.isEmpty()) {
      Files.deleteIfExists(root);
      return Optional.empty();
    }
    List<Views.Language> links = new ArrayList<>();
    Map<String, Views.Language> headings = new LinkedHashMap<>();
    for (String l : locales) {
      Locale ll = Locale.forLanguageTag(l);
      links.add(new Views.Language(l + "/", l, Html.capitalize(ll.getDisplayName(ll), ll)));
      String word = SiteLabels.of(l).get("languages");
      headings.putIfAbsent(word, new Views.Language(null, l, word));
    }
    return Optional.of(
        new SiteFiles.Write(
            root,
            renderer.root(links, List.copyOf(headings.values())).getBytes(StandardCharsets.UTF_8),
            "/"));
  }

  /** sitemap.xml: every entry page and every locale's index, with absolute URLs. */
  private Optional<SiteFiles.Write> sitemap(List<PageRow> all) throws IOException {
    Path sitemap = files.dir().resolve("sitemap.xml");
    if (all.isEmpty()) {
      Files.deleteIfExists(sitemap);
      return Optional.empty();
    }
    String base = settings.siteUrl();
    List<Views.SitemapUrl> urls = new ArrayList<>();
    Set<String> locales = new TreeSet<>();
    for (PageRow r : all) {
      locales.add(r.locale());
      urls.add(
          new Views.SitemapUrl(base + "/" + r.path(), r.publishedAt().toString().substring(0, 10)));
    }
    for (String l : locales) {
      urls.add(new Views.SitemapUrl(base + "/" + l + "/", null));
    }
    return Optional.of(
        new SiteFiles.Write(
            sitemap, renderer.sitemap(urls).getBytes(StandardCharsets.UTF_8), "/sitemap.xml"));
  }

  private static List<PageRow> concat(List<PageRow> a, List<PageRow> b) {
    List<PageRow> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }
}
