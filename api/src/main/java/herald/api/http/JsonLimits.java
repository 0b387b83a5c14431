package herald.api.http;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;

/**
 * Refuses request bodies nested deeper than the limit before any parser recurses into them, and
 * query strings longer than the limit, each with a problem that names the limit.
 */
public final class JsonLimits implements Handler<RoutingContext> {
  /** Deeper JSON than any content model needs (a group of references is 4 levels). */
  public static final int MAX_DEPTH = 32;

  public static final int MAX_QUERY = 8192;

  @Override
  public void handle(RoutingContext ctx) {
    String query = ctx.request().query();
    if (query != null && query.length() > MAX_QUERY) {
      ctx.fail(
          new ProblemException(
              Problem.of(
                  414,
                  "query-too-long",
                  "Query string too long",
                  "The query string exceeds " + MAX_QUERY + " characters.")));
      return;
    }
    Buffer body = ctx.body() == null ? null : ctx.body().buffer();
    if (body != null && depth(body) > MAX_DEPTH) {
      ctx.fail(
          ProblemException.badRequest(
              "The JSON body is nested deeper than " + MAX_DEPTH + " levels (the limit)."));
      return;
    }
    ctx.next();
  }

  /** The deepest nesting of arrays and objects, ignoring brackets inside strings. */
  static int depth(Buffer b) {
    int depth = 0;
    int max = 0;
    boolean inString = false;
    for (int i = 0; i < b.length(); i++) {
      byte c = b.getByte(i);
      if (inString) {
        if (c == '\\') {
          i++;
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
      } else if (c == '{' || c == '[') {
        max = Math.max(max, ++depth);
        if (max > MAX_DEPTH) {
          return max;
        }
      } else if (c == '}' || c == ']') {
        depth--;
      }
    }
    return max;
  }
}
