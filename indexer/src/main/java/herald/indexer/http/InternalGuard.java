package herald.indexer.http;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.Set;

/**
 * The first handler of the indexer's router: every path but the public ones answers only requests
 * that carry the internal token in {@value #HEADER}, so a route added later is internal unless it
 * is named here. Without a configured token the internal routes are closed to everyone.
 *
 * <p>Public by design: {@code /v1/search} (published content only, as at the api's front door) and
 * {@code /health/*} and {@code /metrics} for orchestrators and Prometheus.
 */
public final class InternalGuard implements Handler<RoutingContext> {
  /** Header that carries the shared secret between the api and the indexer. */
  public static final String HEADER = "X-Herald-Internal-Token";

  /** Paths anyone may call. */
  public static final Set<String> PUBLIC_PATHS =
      Set.of("/v1/search", "/health/live", "/health/ready", "/metrics");

  private final byte[] token;

  /** A guard for {@code token}; an empty one closes the internal routes. */
  public InternalGuard(Optional<String> token) {
    this.token = token.map(t -> t.getBytes(StandardCharsets.UTF_8)).orElse(null);
  }

  @Override
  public void handle(RoutingContext ctx) {
    // The normalised path is the one the router matches routes against.
    if (PUBLIC_PATHS.contains(ctx.normalizedPath())) {
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
    ctx.fail(
        new ProblemException(
            Problem.of(
                401,
                "unauthorized",
                "Unauthorized",
                token == null
                    ? "Internal routes are closed: HERALD_INTERNAL_TOKEN is not set on this"
                        + " indexer."
                    : "This route is internal: the api calls it with the " + HEADER + " header.")));
  }
}
