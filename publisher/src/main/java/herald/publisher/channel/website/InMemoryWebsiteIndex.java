package herald.publisher.channel.website;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link WebsiteIndex} kept in memory: for a website channel without a database, such as a
 * preview or a unit test. It forgets everything when the process ends.
 */
public final class InMemoryWebsiteIndex implements WebsiteIndex {

  static final Comparator<PageRow> NEWEST_FIRST =
      Comparator.comparing(PageRow::publishedAt)
          .reversed()
          .thenComparing(r -> r.entryId().toString());

  private final Map<UUID, List<PageRow>> rows = new ConcurrentHashMap<>();

  @Override
  public List<PageRow> pagesOf(UUID entryId) {
    return rows.getOrDefault(entryId, List.of());
  }

  @Override
  public void replace(UUID entryId, List<PageRow> replacement) {
    // compute: one entry's replacement is atomic, as the rows kept depend on those before.
    rows.compute(entryId, (id, before) -> kept(before == null ? List.of() : before, replacement));
  }

  /** The new rows, each keeping the publication time of the same locale's row before. */
  private static List<PageRow> kept(List<PageRow> before, List<PageRow> replacement) {
    List<PageRow> kept = new ArrayList<>();
    for (PageRow r : replacement) {
      PageRow old =
          before.stream().filter(b -> b.locale().equals(r.locale())).findFirst().orElse(null);
      kept.add(
          old == null
              ? r
              : new PageRow(
                  r.entryId(),
                  r.locale(),
                  r.version(),
                  r.contentType(),
                  r.slug(),
                  r.title(),
                  r.summary(),
                  old.publishedAt(),
                  r.tags()));
    }
    // null removes the entry's mapping.
    return kept.isEmpty() ? null : List.copyOf(kept);
  }

  /** Adds rows as they are stored elsewhere (publication times kept as given). */
  void load(List<PageRow> stored) {
    Map<UUID, List<PageRow>> byEntry = new java.util.LinkedHashMap<>();
    stored.forEach(r -> byEntry.computeIfAbsent(r.entryId(), k -> new ArrayList<>()).add(r));
    byEntry.forEach((id, rs) -> rows.put(id, List.copyOf(rs)));
  }

  @Override
  public List<PageRow> locale(String locale) {
    return rows.values().stream()
        .flatMap(List::stream)
        .filter(r -> r.locale().equals(locale))
        .sorted(NEWEST_FIRST)
        .toList();
  }

  @Override
  public List<PageRow> entries(Collection<UUID> entryIds) {
    return entryIds.stream().flatMap(id -> pagesOf(id).stream()).toList();
  }

  @Override
  public List<PageRow> all() {
    return rows.values().stream().flatMap(List::stream).sorted(NEWEST_FIRST).toList();
  }
}
