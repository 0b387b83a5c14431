package herald.indexer.http;

import io.vertx.core.json.JsonObject;

/** An RFC 9457 problem detail: what went wrong, said so that a client can act on it. */
public record Problem(String type, String title, int status, String detail) {

  public static final String CONTENT_TYPE = "application/problem+json";
  private static final String BASE = "https://herald.dev/problems/";

  public static Problem of(int status, String slug, String title, String detail) {
    return new Problem(BASE + slug, title, status, detail);
  }

  public JsonObject toJson() {
    JsonObject o = new JsonObject().put("type", type).put("title", title).put("status", status);
    if (detail != null) {
      o.put("detail", detail);
    }
    return o;
  }
}
