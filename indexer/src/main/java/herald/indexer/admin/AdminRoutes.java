package herald.indexer.admin;

import herald.indexer.http.Problem;
import herald.indexer.http.ProblemException;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Operator endpoints of the index: its state, and a rebuild from the log.
 *
 * <p>The api is the public front door and checks the admin key before forwarding here; when {@code
 * HERALD_INTERNAL_TOKEN} is set, these routes also require it in {@code X-Herald-Internal-Token},
 * so that only the api (or an operator who has the token) can reach them on the indexer's port.
 */
public final class AdminRoutes {
  /** Header that carries the shared secret between the api and the indexer. */
  public static final String TOKEN_HEADER = "X-Herald-Internal-Token";

  private final Vertx vertx;
  private final Optional<String> token;
  private final IndexRebuilder rebuilder;
  private final Supplier<JsonObject> status;

  public AdminRoutes(
      Vertx vertx, Optional<String> token, IndexRebuilder rebuilder, Supplier<JsonObject> status) {
    this.vertx = vertx;
    this.token = token;
    this.rebuilder = rebuilder;
    this.status = status;
  }

  public void mount(Router router) {
    router.route("/v1/admin/*").handler(this::authorize);
    router.get("/v1/admin/index").handler(this::show);
    router.post("/v1/admin/index/rebuild").handler(this::rebuild);
  }

  private void authorize(RoutingContext ctx) {
    if (token.isPresent()) {
      String given = ctx.request().getHeader(TOKEN_HEADER);
      if (given == null
          || !MessageDigest.isEqual(
              given.getBytes(StandardCharsets.UTF_8),
              token.get().getBytes(StandardCharsets.UTF_8))) {
        throw new ProblemException(
            Problem.of(
                401,
                "unauthorized",
                "Unauthorized",
                "The admin endpoints of the indexer need the " + TOKEN_HEADER + " header."));
      }
    }
    ctx.next();
  }

  private void show(RoutingContext ctx) {
    // Sizes and counts touch the index files: off the event loop.
    vertx
        .executeBlocking(status::get, false)
        .onSuccess(s -> send(ctx, 200, s))
        .onFailure(ctx::fail);
  }

  private void rebuild(RoutingContext ctx) {
    if (rebuilder.start().isEmpty()) {
      throw new ProblemException(
          Problem.of(
              409,
              "rebuild-running",
              "A rebuild is already running",
              "Follow its progress at GET /v1/admin/index."));
    }
    ctx.response().putHeader("Location", "/v1/admin/index");
    vertx
        .executeBlocking(status::get, false)
        .onSuccess(s -> send(ctx, 202, s))
        .onFailure(ctx::fail);
  }

  private static void send(RoutingContext ctx, int status, JsonObject body) {
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(body.encode());
  }
}
