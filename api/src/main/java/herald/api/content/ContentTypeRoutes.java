package herald.api.content;

import herald.api.auth.ApiKeys;
import herald.api.auth.Role;
import herald.api.http.Bodies;
import herald.api.http.ProblemException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;

/** Management of content types. */
public final class ContentTypeRoutes {
  private final Pool pool;
  private final ContentTypeRepository types;
  private final ApiKeys keys;

  public ContentTypeRoutes(Pool pool, ContentTypeRepository types, ApiKeys keys) {
    this.pool = pool;
    this.types = types;
    this.keys = keys;
  }

  public void mount(Router router) {
    router.post("/v1/manage/types").handler(keys.require(Role.ADMIN)).handler(this::create);
    router.get("/v1/manage/types").handler(keys.require(Role.AUTHOR)).handler(this::list);
    router.get("/v1/manage/types/:id").handler(keys.require(Role.AUTHOR)).handler(this::get);
  }

  private void create(RoutingContext ctx) {
    ContentType t = ContentType.fromRequest(Bodies.object(ctx));
    types
        .insert(pool, t)
        .onSuccess(
            created -> {
              if (!created) {
                ctx.fail(ProblemException.conflict("A content type '" + t.id() + "' exists."));
                return;
              }
              ctx.response().putHeader("Location", "/v1/manage/types/" + t.id());
              Bodies.send(ctx, 201, t.toJson());
            })
        .onFailure(ctx::fail);
  }

  private void list(RoutingContext ctx) {
    types
        .list(pool)
        .onSuccess(
            all -> {
              JsonArray items = new JsonArray();
              all.forEach(t -> items.add(t.toJson()));
              Bodies.send(ctx, 200, new JsonObject().put("items", items));
            })
        .onFailure(ctx::fail);
  }

  private void get(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    types
        .find(pool, id)
        .onSuccess(
            t -> {
              if (t.isEmpty()) {
                ctx.fail(ProblemException.notFound("No content type '" + id + "'."));
              } else {
                Bodies.send(ctx, 200, t.get().toJson());
              }
            })
        .onFailure(ctx::fail);
  }
}
