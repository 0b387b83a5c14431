package herald.api.schedule;

import herald.api.auth.ApiKeys;
import herald.api.auth.Principal;
import herald.api.auth.Role;
import herald.api.content.EntryRepository;
import herald.api.http.Bodies;
import herald.api.http.ProblemException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/** Scheduling publishes and unpublishes: create, list, cancel. */
public final class ScheduleRoutes {
  private static final Set<String> STATUSES = Set.of("pending", "done", "failed", "cancelled");
  private final Pool pool;
  private final ScheduleRepository schedules;
  private final EntryRepository entries;
  private final herald.api.audit.AuditRepository audit;
  private final ApiKeys keys;
  private final List<String> locales;

  public ScheduleRoutes(
      Pool pool,
      ScheduleRepository schedules,
      EntryRepository entries,
      herald.api.audit.AuditRepository audit,
      ApiKeys keys,
      List<String> locales) {
    this.pool = pool;
    this.schedules = schedules;
    this.entries = entries;
    this.audit = audit;
    this.keys = keys;
    this.locales = List.copyOf(locales);
  }

  public void mount(Router router) {
    router
        .post("/v1/manage/entries/:id/schedule")
        .handler(keys.require(Role.EDITOR))
        .handler(this::schedule);
    router.get("/v1/manage/schedules").handler(keys.require(Role.AUTHOR)).handler(this::list);
    router
        .delete("/v1/manage/schedules/:sid")
        .handler(keys.require(Role.EDITOR))
        .handler(this::cancel);
  }

  private void schedule(RoutingContext ctx) {
    UUID entryId = Bodies.uuidParam(ctx, "id");
    JsonObject body = Bodies.object(ctx);
    JsonArray errors = new JsonArray();
    String action = body.getValue("action") instanceof String s ? s : null;
    if (!"publish".equals(action) && !"unpublish".equals(action)) {
      errors.add(ProblemException.fieldError("action", "publish or unpublish"));
    }
    OffsetDateTime at = null;
    try {
      at = OffsetDateTime.parse(String.valueOf(body.getValue("at")));
    } catch (DateTimeParseException e) {
      errors.add(
          ProblemException.fieldError("at", "an RFC 3339 date-time, e.g. 2026-12-01T09:00:00Z"));
    }
    List<String> ls = null;
    Object lv = body.getValue("locales");
    if (lv != null) {
      if (!(lv instanceof JsonArray a) || a.isEmpty()) {
        errors.add(ProblemException.fieldError("locales", "a non-empty array of locales"));
      } else {
        ls = new ArrayList<>();
        for (Object o : a) {
          if (o instanceof String s && locales.contains(s)) {
            ls.add(s);
          } else {
            errors.add(ProblemException.fieldError("locales", "unknown locale '" + o + "'"));
          }
        }
      }
    }
    if (!errors.isEmpty()) {
      ctx.fail(ProblemException.invalid("The schedule request is invalid.", errors));
      return;
    }
    Principal actor = ctx.get(Principal.CONTEXT_KEY);
    OffsetDateTime runAt = at;
    List<String> scheduledLocales = ls;
    pool.withTransaction(
            conn ->
                entries
                    .find(conn, entryId)
                    .compose(
                        e -> {
                          if (e.isEmpty()) {
                            throw ProblemException.notFound("No entry " + entryId + ".");
                          }
                          return schedules.insert(
                              conn,
                              UUID.randomUUID(),
                              entryId,
                              action,
                              scheduledLocales,
                              runAt,
                              actor.name());
                        })
                    .compose(
                        s ->
                            audit
                                .append(
                                    conn,
                                    actor,
                                    "entry.schedule",
                                    "entry",
                                    entryId.toString(),
                                    null,
                                    null,
                                    s.toJson())
                                .map(s)))
        .onSuccess(
            s -> {
              ctx.response().putHeader("Location", "/v1/manage/schedules/" + s.id());
              Bodies.send(ctx, 201, s.toJson());
            })
        .onFailure(ctx::fail);
  }

  private void list(RoutingContext ctx) {
    UUID entryId = null;
    String status = null;
    int limit = 100;
    for (String p : ctx.queryParams().names()) {
      String v = ctx.queryParams().get(p);
      switch (p) {
        case "entry" -> {
          try {
            entryId = UUID.fromString(v);
          } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest("entry must be an entry id.");
          }
        }
        case "status" -> {
          if (!STATUSES.contains(v)) {
            throw ProblemException.badRequest("status must be one of " + STATUSES + ".");
          }
          status = v;
        }
        case "limit" -> limit = Bodies.limitParam(v, 500);
        default ->
            throw ProblemException.badRequest(
                "Unknown query parameter '" + p + "'; this endpoint takes entry, status, limit.");
      }
    }
    schedules
        .list(pool, entryId, status, limit)
        .onSuccess(
            all -> {
              JsonArray items = new JsonArray();
              all.forEach(s -> items.add(s.toJson()));
              Bodies.send(ctx, 200, new JsonObject().put("items", items));
            })
        .onFailure(ctx::fail);
  }

  private void cancel(RoutingContext ctx) {
    UUID id = Bodies.uuidParam(ctx, "sid");
    Principal actor = ctx.get(Principal.CONTEXT_KEY);
    pool.withTransaction(
            conn ->
                schedules
                    .cancel(conn, id)
                    .compose(
                        s -> {
                          if (s.isEmpty()) {
                            throw ProblemException.conflict(
                                "No pending scheduled action "
                                    + id
                                    + " (it ran, failed, was"
                                    + " cancelled, or never existed).");
                          }
                          return audit.append(
                              conn,
                              actor,
                              "entry.schedule.cancel",
                              "entry",
                              s.get().entryId().toString(),
                              null,
                              null,
                              s.get().toJson());
                        }))
        .onSuccess(x -> ctx.response().setStatusCode(204).end())
        .onFailure(ctx::fail);
  }
}
