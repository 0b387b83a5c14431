package herald.publisher.channel.social;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The text of one entry as posted to one network, fitted to its rules.
 *
 * @param facets Bluesky rich-text facets (links and hashtags, UTF-8 byte offsets); empty elsewhere
 * @param length the text's length as the network counts it
 */
public record SocialPost(
    Network network, String locale, String text, String url, JsonArray facets, int length) {

  /** The post as the preview endpoint shows it. */
  public JsonObject toJson() {
    JsonObject json =
        new JsonObject()
            .put("network", network.id())
            .put("locale", locale)
            .put("text", text)
            .put("url", url)
            .put("length", length)
            .put("limit", network.limit());
    if (network == Network.BLUESKY) {
      json.put("facets", facets.copy());
    }
    return json;
  }
}
