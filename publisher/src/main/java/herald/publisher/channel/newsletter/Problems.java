package herald.publisher.channel.newsletter;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** RFC 9457 problem details for the newsletter's own errors. */
final class Problems {

  static final String BASE = "https://herald.dev/problems/";

  private Problems() {}

  static void send(RoutingContext ctx, int status, String type, String title, String detail) {
    send(ctx, status, type, title, detail, null);
  }

  static void send(
      RoutingContext ctx, int status, String type, String title, String detail, JsonArray errors) {
    JsonObject body =
        new JsonObject()
            .put("type", BASE + type)
            .put("title", title)
            .put("status", status)
            .put("detail", detail)
            .put("instance", ctx.request().path());
    if (errors != null) {
      body.put("errors", errors);
    }
    ctx.response()
        .setStatusCode(status)
        .putHeader("content-type", "application/problem+json")
        .end(body.encode() + "\n");
  }
}
