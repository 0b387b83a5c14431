package herald.publisher.channel.website;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Paths and paging of the website's index and tag pages. */
final class Listings {

  private Listings() {}

  /**
   * A tag as a path segment: lower case, letters and digits of any script kept, anything else
   * becomes a hyphen ({@code "Harm reduction"} → {@code harm-reduction}, {@code "ВИЧ"} → {@code
   * вич}).
   */
  static String tagSlug(String tag) {
    String s = Normalizer.normalize(tag.trim(), Normalizer.Form.NFC).toLowerCase(Locale.ROOT);
    s = s.replaceAll("[^\\p{L}\\p{N}]+", "-").replaceAll("^-+|-+$", "");
    return s.length() > 100 ? s.substring(0, 100) : s;
  }

  /**
   * The directory (relative to the site root, ending in a slash) of archive page {@code k} of a
   * listing whose first page is in {@code base}: {@code en/page/1/} for {@code en/}.
   */
  static String pageDir(String base, int k) {
    return base + "page/" + k + "/";
  }

  /** How many pages {@code count} items fill, at least one. */
  static int pages(int count, int size) {
    return Math.max(1, (count + size - 1) / size);
  }

  /**
   * The items of archive page {@code k} of a newest-first list: pages count from the oldest (page 1
   * holds the oldest {@code size} items), so a page keeps its items as new ones arrive; each page
   * lists its items newest first.
   */
  static <T> List<T> archive(List<T> newestFirst, int k, int size) {
    int n = newestFirst.size();
    int to = n - (k - 1) * size;
    int from = Math.max(0, n - k * size);
    return to <= 0 ? new ArrayList<>() : new ArrayList<>(newestFirst.subList(from, to));
  }

  /**
   * The first archive page that can differ from before a change of some entries: {@code rows} is
   * the listing after it (newest first), {@code changed} the entries' rows before and after (those
   * in the listing). The other entries keep their order, so the listings agree up to the oldest of
   * the changed rows' places; a place is counted conservatively, as the number of unchanged entries
   * published strictly earlier (ties may sort either way). Integer.MAX_VALUE when no row is given.
   */
  static int firstArchiveChanged(List<PageRow> rows, List<PageRow> changed, int size) {
    java.util.Set<java.util.UUID> ids = new java.util.HashSet<>();
    changed.forEach(r -> ids.add(r.entryId()));
    int place = Integer.MAX_VALUE;
    for (PageRow x : changed) {
      int older = 0;
      for (PageRow r : rows) {
        if (!ids.contains(r.entryId()) && r.publishedAt().isBefore(x.publishedAt())) {
          older++;
        }
      }
      place = Math.min(place, older);
    }
    return place == Integer.MAX_VALUE ? Integer.MAX_VALUE : place / size + 1;
  }

  /** The archive page holding the item at {@code index} of a newest-first list of {@code n}. */
  static int archiveOf(int n, int index, int size) {
    return (n - 1 - index) / size + 1;
  }

  /** The relative path from a directory to the site root: one {@code ../} per segment. */
  static String rootFrom(String dir) {
    int depth = (int) dir.chars().filter(c -> c == '/').count();
    return "../".repeat(depth);
  }
}
