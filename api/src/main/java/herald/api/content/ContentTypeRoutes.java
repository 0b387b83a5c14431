package herald.api.content;

import herald.api.audit.AuditRepository;
import herald.api.auth.ApiKeys;
import herald.api.auth.Principal;
import herald.api.auth.Role;
import herald.api.http.Bodies;
import herald.api.http.Problem;
import herald.api.http.ProblemException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import java.util.ArrayList;
import java.util.List;

/** Management of content types. */
public final class ContentTypeRoutes {
  private final Pool pool;
  private final ContentTypeRepository types;
  private final AuditRepository audit;
  private final ApiKeys keys;

  public ContentTypeRoutes(
      Pool pool, ContentTypeRepository types, AuditRepository audit, ApiKeys keys) {
    this.pool = pool;
    this.types = types;
    this.audit = audit;
    this.keys = keys;
  }

  public void mount(Router router) {
    router.post("/v1/manage/types").handler(keys.require(Role.ADMIN)).handler(this::create);
    router.get("/v1/manage/types").handler(keys.require(Role.AUTHOR)).handler(this::list);
    router.get("/v1/manage/types/:id").handler(keys.require(Role.AUTHOR)).handler(this::get);
    router.put("/v1/manage/types/:id").handler(keys.require(Role.ADMIN)).handler(this::update);
  }

  private void create(RoutingContext ctx) {
    ContentType t = ContentType.fromRequest(Bodies.object(ctx), null);
    Principal actor = ctx.get(Principal.CONTEXT_KEY);
    pool.withTransaction(
            conn ->
                types
                    .insert(conn, t)
                    .compose(
                        created -> {
                          if (!created) {
                            throw ProblemException.conflict(
                                "A content type '" + t.id() + "' exists.");
                          }
                          return audit.append(
                              conn, actor, "type.create", "type", t.id(), null, 1L, t.toJson());
                        }))
        .onSuccess(
            x -> {
              ctx.response().putHeader("Location", "/v1/manage/types/" + t.id());
              Bodies.send(ctx, 201, t.toJson());
            })
        .onFailure(ctx::fail);
  }

  /**
   * Replaces a type. Additive changes apply at once; removing or changing a field that entries use
   * is refused with 409 unless {@code ?force=true}, which also removes that field's values from the
   * drafts (published snapshots keep them until the entry is published again).
   */
  private void update(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    boolean force = "true".equals(ctx.queryParams().get("force"));
    for (String p : ctx.queryParams().names()) {
      if (!p.equals("force")) {
        throw ProblemException.badRequest("Unknown query parameter '" + p + "'; use force=true.");
      }
    }
    ContentType next = ContentType.fromRequest(Bodies.object(ctx), id);
    Principal actor = ctx.get(Principal.CONTEXT_KEY);
    pool.withTransaction(
            conn ->
                types
                    .lock(conn, id)
                    .compose(
                        found -> {
                          ContentType current =
                              found.orElseThrow(
                                  () -> ProblemException.notFound("No content type '" + id + "'."));
                          List<FieldDef> breaking = new ArrayList<>();
                          for (FieldDef f : current.fields()) {
                            FieldDef n = next.field(f.id()).orElse(null);
                            if (n == null || f.incompatibleWith(n)) {
                              breaking.add(f);
                            }
                          }
                          return checkBreaking(conn, current, breaking, force)
                              .compose(x -> types.update(conn, next))
                              .compose(
                                  version ->
                                      audit
                                          .append(
                                              conn,
                                              actor,
                                              "type.update",
                                              "type",
                                              id,
                                              current.version(),
                                              version,
                                              new JsonObject()
                                                  .put("before", current.toJson())
                                                  .put("after", next.toJson())
                                                  .put("forced", force))
                                          .map(
                                              new ContentType(
                                                  next.id(), next.name(), next.fields(), version)));
                        }))
        .onSuccess(t -> Bodies.send(ctx, 200, t.toJson()))
        .onFailure(ctx::fail);
  }

  private Future<Void> checkBreaking(
      SqlConnection conn, ContentType current, List<FieldDef> breaking, boolean force) {
    Future<JsonArray> used = Future.succeededFuture(new JsonArray());
    for (FieldDef f : breaking) {
      used =
          used.compose(
              acc ->
                  types
                      .usage(conn, current.id(), f.id())
                      .map(
                          n ->
                              n == 0
                                  ? acc
                                  : acc.add(
                                      ProblemException.fieldError(
                                          "fields." + f.id(),
                                          n
                                              + " entries hold values for this field; removing or"
                                              + " changing it would lose them"))));
    }
    return used.compose(
        errors -> {
          if (errors.isEmpty()) {
            return Future.succeededFuture();
          }
          if (!force) {
            throw new ProblemException(
                Problem.of(
                        409,
                        "type-change-in-use",
                        "The change would corrupt existing entries",
                        "Removing or retyping fields that entries use is refused; send"
                            + " ?force=true to remove those fields' values from the drafts.")
                    .withErrors(errors));
          }
          Future<Void> strip = Future.succeededFuture();
          for (FieldDef f : breaking) {
            strip = strip.compose(x -> types.stripField(conn, current.id(), f.id()).mapEmpty());
          }
          return strip;
        });
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
