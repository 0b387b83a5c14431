package herald.api.auth;

import herald.api.http.Bodies;
import herald.api.http.ProblemException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.UUID;

/** Management of API keys (admin only). */
public final class KeyRoutes {
  private final io.vertx.sqlclient.Pool pool;
  private final ApiKeys keys;
  private final herald.api.audit.AuditRepository audit;

  public KeyRoutes(
      io.vertx.sqlclient.Pool pool, ApiKeys keys, herald.api.audit.AuditRepository audit) {
    this.pool = pool;
    this.keys = keys;
    this.audit = audit;
  }

  public void mount(Router router) {
    router.post("/v1/manage/keys").handler(keys.require(Role.ADMIN)).handler(this::create);
    router.get("/v1/manage/keys").handler(keys.require(Role.ADMIN)).handler(this::list);
    router.delete("/v1/manage/keys/:id").handler(keys.require(Role.ADMIN)).handler(this::revoke);
  }

  private void list(RoutingContext ctx) {
    keys.list(pool)
        .onSuccess(
            items -> herald.api.http.Bodies.send(ctx, 200, new JsonObject().put("items", items)))
        .onFailure(ctx::fail);
  }

  private void create(RoutingContext ctx) {
    JsonObject body = Bodies.object(ctx);
    String name = body.getValue("name") instanceof String s ? s.strip() : null;
    String roleName = body.getValue("role") instanceof String s ? s : null;
    JsonArray errors = new JsonArray();
    if (name == null || name.isEmpty() || name.length() > 200) {
      errors.add(ProblemException.fieldError("name", "required, 1 to 200 characters"));
    }
    Role role = roleName == null ? null : Role.parse(roleName).orElse(null);
    if (role == null) {
      errors.add(
          ProblemException.fieldError(
              "role", "one of author, editor, admin, delivery, preview, partner"));
    }
    OffsetDateTime expiresAt = null;
    Object exp = body.getValue("expiresAt");
    if (exp != null) {
      try {
        expiresAt = OffsetDateTime.parse(String.valueOf(exp));
        if (!expiresAt.isAfter(OffsetDateTime.now())) {
          errors.add(ProblemException.fieldError("expiresAt", "must be in the future"));
        }
      } catch (DateTimeParseException e) {
        errors.add(ProblemException.fieldError("expiresAt", "an RFC 3339 date-time"));
      }
    }
    if (!errors.isEmpty()) {
      ctx.fail(ProblemException.invalid("The key request is invalid.", errors));
      return;
    }
    Principal actor = ctx.get(Principal.CONTEXT_KEY);
    Role r = role;
    OffsetDateTime expiry = expiresAt;
    pool.withTransaction(
            conn ->
                keys.create(conn, name, r, expiry)
                    .compose(
                        json ->
                            audit
                                .append(
                                    conn,
                                    actor,
                                    "key.create",
                                    "key",
                                    json.getString("id"),
                                    null,
                                    null,
                                    new JsonObject().put("name", name).put("role", r.id()))
                                .map(json)))
        .onSuccess(json -> Bodies.send(ctx, 201, json))
        .onFailure(ctx::fail);
  }

  private void revoke(RoutingContext ctx) {
    UUID id = Bodies.uuidParam(ctx, "id");
    Principal actor = ctx.get(Principal.CONTEXT_KEY);
    pool.withTransaction(
            conn ->
                keys.revoke(conn, id)
                    .compose(
                        found ->
                            !found
                                ? Future.succeededFuture(false)
                                : audit
                                    .append(
                                        conn,
                                        actor,
                                        "key.revoke",
                                        "key",
                                        id.toString(),
                                        null,
                                        null,
                                        null)
                                    .map(true)))
        .onSuccess(
            found -> {
              if (found) {
                ctx.response().setStatusCode(204).end();
              } else {
                ctx.fail(ProblemException.notFound("No active key " + id + "."));
              }
            })
        .onFailure(ctx::fail);
  }
}
