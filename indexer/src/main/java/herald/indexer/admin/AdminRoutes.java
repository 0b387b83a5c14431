package herald.indexer.admin;

import herald.indexer.http.Problem;
import herald.indexer.http.ProblemException;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Supplier;

/**
 * Operator endpoints of the index: its state, and a rebuild from the log.
 *
 * <p>The api is the public front door and checks the admin key before forwarding here; on the
 * indexer's port these routes answer only the internal token ({@link
 * herald.indexer.http.InternalGuard}).
 */
public final class AdminRoutes {
  private final Vertx vertx;
  private final IndexRebuilder rebuilder;
  private final Supplier<JsonObject> status;

  public AdminRoutes(Vertx vertx, IndexRebuilder rebuilder, Supplier<JsonObject> status) {
    this.vertx = vertx;
    this.rebuilder = rebuilder;
    this.status = status;
  }

  public void mount(Router router) {
    router.get("/v1/admin/index").handler(this::show);
    router.post("/v1/admin/index/rebuild").handler(this::rebuild);
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
        .end(body.encode() + "\n");
  }
}
