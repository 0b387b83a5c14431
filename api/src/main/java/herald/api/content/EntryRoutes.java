package herald.api.content;

import herald.api.auth.ApiKeys;
import herald.api.auth.Role;
import herald.api.http.Bodies;
import herald.api.http.ProblemException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import java.util.UUID;

/** Management of entries: drafts, publish, unpublish. */
public final class EntryRoutes {
  private final Pool pool;
  private final EntryRepository entries;
  private final EntryService service;
  private final ApiKeys keys;

  public EntryRoutes(Pool pool, EntryRepository entries, EntryService service, ApiKeys keys) {
    this.pool = pool;
    this.entries = entries;
    this.service = service;
    this.keys = keys;
  }

  public void mount(Router router) {
    router.post("/v1/manage/entries").handler(keys.require(Role.AUTHOR)).handler(this::create);
    router.get("/v1/manage/entries/:id").handler(keys.require(Role.AUTHOR)).handler(this::get);
    router.put("/v1/manage/entries/:id").handler(keys.require(Role.AUTHOR)).handler(this::update);
    router
        .post("/v1/manage/entries/:id/publish")
        .handler(keys.require(Role.EDITOR))
        .handler(this::publish);
    router
        .post("/v1/manage/entries/:id/unpublish")
        .handler(keys.require(Role.EDITOR))
        .handler(this::unpublish);
  }

  private void create(RoutingContext ctx) {
    JsonObject body = Bodies.object(ctx);
    reply(ctx, 201, service.create(body));
  }

  private void get(RoutingContext ctx) {
    UUID id = Bodies.uuidParam(ctx, "id");
    reply(
        ctx,
        200,
        entries
            .find(pool, id)
            .map(e -> e.orElseThrow(() -> ProblemException.notFound("No entry " + id + "."))));
  }

  private void update(RoutingContext ctx) {
    UUID id = Bodies.uuidParam(ctx, "id");
    JsonObject body = Bodies.object(ctx);
    reply(ctx, 200, service.update(id, ctx.request().getHeader("If-Match"), body));
  }

  private void publish(RoutingContext ctx) {
    reply(ctx, 200, service.publish(Bodies.uuidParam(ctx, "id")));
  }

  private void unpublish(RoutingContext ctx) {
    reply(ctx, 200, service.unpublish(Bodies.uuidParam(ctx, "id")));
  }

  private static void reply(RoutingContext ctx, int status, Future<Entry> result) {
    result
        .onSuccess(
            e -> {
              ctx.response().putHeader("ETag", e.etag());
              if (status == 201) {
                ctx.response().putHeader("Location", "/v1/manage/entries/" + e.id());
              }
              Bodies.send(ctx, status, e.toManagementJson());
            })
        .onFailure(ctx::fail);
  }
}
