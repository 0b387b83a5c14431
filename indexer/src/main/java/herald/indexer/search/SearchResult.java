package herald.indexer.search;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** One page of search results and the total number of matching documents. */
public record SearchResult(long total, List<Hit> hits) {

  public SearchResult {
    hits = List.copyOf(hits);
  }

  /** One matching entry in one locale; {@code snippet} is HTML with matches in {@code <mark>}. */
  public record Hit(
      String id, String type, String locale, String title, String slug, String snippet) {

    public JsonObject toJson() {
      return new JsonObject()
          .put("id", id)
          .put("type", type)
          .put("locale", locale)
          .put("title", title)
          .put("slug", slug)
          .put("snippet", snippet);
    }
  }

  public JsonObject toJson() {
    JsonArray items = new JsonArray();
    hits.forEach(h -> items.add(h.toJson()));
    return new JsonObject().put("total", total).put("hits", items);
  }
}
