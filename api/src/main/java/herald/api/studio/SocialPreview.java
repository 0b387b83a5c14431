package herald.api.studio;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * One locale's previews before publishing: the post per network with its count, and the link card.
 */
public record SocialPreview(
    String locale, String url, String cardTitle, String cardText, List<JsonObject> posts) {
  static SocialPreview of(String locale, JsonObject entry, JsonObject social) {
    JsonObject f = entry.getJsonObject("fields", new JsonObject());
    List<JsonObject> posts = new ArrayList<>();
    String url = null;
    if (social != null) {
      url = social.getString("url");
      social.getJsonArray("posts", new JsonArray()).forEach(p -> posts.add((JsonObject) p));
    }
    return new SocialPreview(
        locale, url, text(f.getValue("title"), locale), text(f.getValue("summary"), locale), posts);
  }

  private static String text(Object v, String locale) {
    if (v instanceof String s) {
      return s;
    }
    if (v instanceof JsonObject per && per.getValue(locale) instanceof String s) {
      return s;
    }
    return "";
  }
}
