package herald.publisher;

import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.Set;

/**
 * The first handler of the publisher's router: every path but the public ones answers only requests
 * that carry the internal token in {@value #HEADER}, so a route added later is internal unless it
 * is named here. Without a configured token the internal routes are closed to everyone.
 *
 * <p>Public by design: the website under {@code /site/}, the subscribers' own newsletter endpoints
 * (links in mails point there, through the api), and {@code /health/*} and {@code /metrics} for
 * orchestrators and Prometheus. Internal: the editors' newsletter endpoints and the social preview,
 * which the api forwards after checking the editor's key.
 */
public final class InternalGuard implements Handler<RoutingContext> {
  /** Header that carries the shared secret between the api and the publisher. */
  public static final String HEADER = "X-Herald-Internal-Token";

  /** Paths anyone may call, besides everything under {@link #SITE}. */
  public static final Set<String> PUBLIC_PATHS =
      Set.of(
          "/health/live",
          "/health/ready",
          "/metrics",
          "/v1/newsletter/subscribe",
          "/v1/newsletter/confirm",
          "/v1/newsletter/unsubscribe");

  /** The website's prefix. */
  public static final String SITE = "/site/";

  private final byte[] token;

  /** A guard for {@code token}; an empty one closes the internal routes. */
  public InternalGuard(Optional<String> token) {
    this.token = token.map(t -> t.getBytes(StandardCharsets.UTF_8)).orElse(null);
  }

  @Override
  public void handle(RoutingContext ctx) {
    // The normalised path is the one the router matches routes against.
    String path = ctx.normalizedPath();
    if (PUBLIC_PATHS.contains(path) || path.startsWith(SITE) || path.equals("/site")) {
      ctx.next();
      return;
    }
    String given = ctx.request().getHeader(HEADER);
    if (token != null
        && given != null
        && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), token)) {
      ctx.next();
      return;
    }
    JsonObject problem =
        new JsonObject()
            .put("type", "https://herald.dev/problems/unauthorized")
            .put("title", "Unauthorized")
            .put("status", 401)
            .put(
                "detail",
                token == null
                    ? "Internal routes are closed: HERALD_INTERNAL_TOKEN is not set on this"
                        + " publisher."
                    : "This route is internal: the api calls it with the " + HEADER + " header.")
            .put("instance", path);
    ctx.response()
        .setStatusCode(401)
        .putHeader("content-type", "application/problem+json")
        .putHeader("cache-control", "no-store")
        .end(problem.encode() + "\n");
  }
}
