package herald.api.audit;

import herald.api.auth.ApiKeys;
import herald.api.auth.Role;
import herald.api.http.Bodies;
import herald.api.http.ProblemException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;

/** The audit log, newest first, for admins. */
public final class AuditRoutes {
  private final Pool pool;
  private final AuditRepository audit;
  private final ApiKeys keys;

  public AuditRoutes(Pool pool, AuditRepository audit, ApiKeys keys) {
    this.pool = pool;
    this.audit = audit;
    this.keys = keys;
  }

  public void mount(Router router) {
    router.get("/v1/manage/audit").handler(keys.require(Role.ADMIN)).handler(this::page);
  }

  private void page(RoutingContext ctx) {
    long before = Long.MAX_VALUE;
    String entity = null;
    String actor = null;
    int limit = 50;
    for (String p : ctx.queryParams().names()) {
      String v = ctx.queryParams().get(p);
      switch (p) {
        case "limit" -> limit = Bodies.limitParam(v, 500);
        case "entity" -> entity = v;
        case "actor" -> actor = v;
        case "cursor" -> {
          try {
            before = Long.parseLong(v);
          } catch (NumberFormatException e) {
            throw ProblemException.badRequest("The cursor is not one this API gave out.");
          }
        }
        default ->
            throw ProblemException.badRequest(
                "Unknown query parameter '"
                    + p
                    + "'; this endpoint takes limit, entity, actor, cursor.");
      }
    }
    int n = limit;
    audit
        .page(pool, before, entity, actor, limit)
        .onSuccess(
            items ->
                Bodies.send(
                    ctx,
                    200,
                    new JsonObject()
                        .put("items", items)
                        .put(
                            "nextCursor",
                            items.size() == n
                                ? String.valueOf(
                                    items.getJsonObject(items.size() - 1).getLong("id"))
                                : null)))
        .onFailure(ctx::fail);
  }
}
