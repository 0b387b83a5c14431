package herald.api.http;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.UUID;

/** Reading request bodies and writing JSON responses, the same way everywhere. */
public final class Bodies {
  private Bodies() {}

  /** The body as a JSON object, or a 400/415 problem. */
  public static JsonObject object(RoutingContext ctx) {
    String ct = ctx.request().getHeader("Content-Type");
    if (ct != null && !ct.toLowerCase(java.util.Locale.ROOT).contains("json")) {
      throw new ProblemException(
          Problem.of(
              415,
              "unsupported-media-type",
              "Unsupported media type",
              "Send the body as application/json."));
    }
    if (ctx.body() == null || ctx.body().length() == 0) {
      throw ProblemException.badRequest("The request needs a JSON object body.");
    }
    Object parsed;
    try {
      parsed = ctx.body().buffer().toJsonValue();
    } catch (RuntimeException e) {
      throw new ProblemException(
          Problem.of(
              400, "malformed-json", "Malformed JSON", "The request body is not valid JSON."));
    }
    if (!(parsed instanceof JsonObject o)) {
      throw ProblemException.badRequest("The request body must be a JSON object.");
    }
    return o;
  }

  public static UUID uuidParam(RoutingContext ctx, String name) {
    String v = ctx.pathParam(name);
    try {
      return UUID.fromString(v);
    } catch (IllegalArgumentException e) {
      throw ProblemException.notFound("'" + v + "' is not an id of this API (ids are UUIDs).");
    }
  }

  public static void send(RoutingContext ctx, int status, JsonObject json) {
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json; charset=utf-8")
        .end(json.encode());
  }
}
