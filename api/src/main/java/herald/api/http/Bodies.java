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
    if (isEmpty(ctx)) {
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

  /** Whether the request came without a body (or an empty one). */
  public static boolean isEmpty(RoutingContext ctx) {
    return ctx.body() == null || ctx.body().buffer() == null || ctx.body().buffer().length() == 0;
  }

  public static UUID uuidParam(RoutingContext ctx, String name) {
    String v = ctx.pathParam(name);
    try {
      return UUID.fromString(v);
    } catch (IllegalArgumentException e) {
      throw ProblemException.notFound("'" + v + "' is not an id of this API (ids are UUIDs).");
    }
  }

  /** A page size between 1 and {@code max}; anything else is a 400 naming the limit. */
  public static int limitParam(String v, int max) {
    try {
      int n = Integer.parseInt(v);
      if (n >= 1 && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    throw ProblemException.badRequest("limit must be a whole number from 1 to " + max + ".");
  }

  public static void send(RoutingContext ctx, int status, JsonObject json) {
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json; charset=utf-8")
        .end(json.encode() + "\n");
  }
}
