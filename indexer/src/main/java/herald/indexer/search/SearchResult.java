package herald.indexer.search;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One page of search results: the total number of matches, the hits, facet counts over all matches,
 * and the cursor of the next page (absent on the last page).
 */
public record SearchResult(
    long total,
    boolean totalExact,
    List<Hit> hits,
    Map<String, List<FacetValue>> facets,
    Optional<String> nextCursor) {

  public SearchResult {
    hits = List.copyOf(hits);
    facets = Map.copyOf(facets);
  }

  /** No matches. */
  public static SearchResult empty() {
    return new SearchResult(0, true, List.of(), Map.of(), Optional.empty());
  }

  /**
   * One matching entry in one locale, with what a result card shows; {@code snippet} is HTML with
   * matches in {@code <mark>} and everything else escaped.
   *
   * @param date the event start for events, else the publish date
   */
  public record Hit(
      String id,
      String type,
      String locale,
      String title,
      String summary,
      String slug,
      Instant date,
      Instant publishedAt,
      Optional<Instant> startsAt,
      List<String> tags,
      String snippet,
      boolean onWebsite) {

    public Hit {
      tags = List.copyOf(tags);
    }

    /** Where the entry is on the website, below the site root: {@code /<locale>/<type>/<slug>/}. */
    public String url() {
      return "/" + locale + "/" + type + "/" + slug + "/";
    }

    /** The hit with {@code url} relative to the site root. */
    public JsonObject toJson() {
      return toJson("");
    }

    /**
     * The hit with {@code url} below {@code siteUrl} (the website's public root, no trailing
     * slash); null when the entry is not on the website channel.
     */
    public JsonObject toJson(String siteUrl) {
      JsonObject o =
          new JsonObject()
              .put("id", id)
              .put("type", type)
              .put("locale", locale)
              .put("title", title)
              .put("summary", summary)
              .put("slug", slug)
              .put("url", onWebsite ? siteUrl + url() : null)
              .put("date", date.toString())
              .put("publishedAt", publishedAt.toString());
      startsAt.ifPresent(s -> o.put("startsAt", s.toString()));
      return o.put("tags", new JsonArray(tags)).put("snippet", snippet);
    }
  }

  /** A facet value and how many matches have it. */
  public record FacetValue(String value, long count) {}

  public JsonObject toJson() {
    return toJson("");
  }

  /** The result, with each hit's {@code url} below {@code siteUrl}; see {@link Hit#toJson}. */
  public JsonObject toJson(String siteUrl) {
    JsonArray items = new JsonArray();
    hits.forEach(h -> items.add(h.toJson(siteUrl)));
    JsonObject facetJson = new JsonObject();
    for (String name : FacetCounts.NAMES) {
      if (!facets.containsKey(name)) {
        continue;
      }
      JsonArray values = new JsonArray();
      for (FacetValue v : facets.get(name)) {
        values.add(new JsonObject().put("value", v.value()).put("count", v.count()));
      }
      facetJson.put(name, values);
    }
    return new JsonObject()
        .put("total", total)
        .put("totalExact", totalExact)
        .put("hits", items)
        .put("facets", facetJson)
        .put("nextCursor", nextCursor.orElse(null));
  }
}
