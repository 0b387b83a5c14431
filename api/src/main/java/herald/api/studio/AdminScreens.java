package herald.api.studio;

import herald.api.auth.Role;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Admins' screens: the content model ({@link ModelScreens}), API keys (secret shown once, revoke),
 * webhooks with their delivery log and redelivery, partners' scopes, the audit log, and the search
 * index (state, rebuild). Every action is the api's own, called as the signed-in admin.
 */
final class AdminScreens {
  static final List<String> KEY_ROLES =
      List.of("author", "editor", "admin", "delivery", "preview", "partner");

  private final StudioWeb web;
  private final ApiClient api;
  private final List<String> locales;
  private final UserRepository users;
  private final io.vertx.sqlclient.Pool pool;

  AdminScreens(
      StudioWeb web,
      ApiClient api,
      List<String> locales,
      UserRepository users,
      io.vertx.sqlclient.Pool pool) {
    this.web = web;
    this.api = api;
    this.locales = List.copyOf(locales);
    this.users = users;
    this.pool = pool;
  }

  void mount(Router r) {
    r.get("/admin").handler(web.require(Role.ADMIN)).handler(this::home);
    new ModelScreens(web, api).mount(r);
    r.get("/admin/keys").handler(web.require(Role.ADMIN)).handler(this::keys);
    r.post("/admin/keys").handler(web.require(Role.ADMIN)).handler(this::createKey);
    r.post("/admin/keys/:id/revoke").handler(web.require(Role.ADMIN)).handler(this::revokeKey);
    r.get("/admin/webhooks").handler(web.require(Role.ADMIN)).handler(this::webhooks);
    r.post("/admin/webhooks").handler(web.require(Role.ADMIN)).handler(this::createWebhook);
    r.get("/admin/webhooks/:id").handler(web.require(Role.ADMIN)).handler(this::webhook);
    r.post("/admin/webhooks/:id/deliveries/:delivery/redeliver")
        .handler(web.require(Role.ADMIN))
        .handler(this::redeliver);
    r.get("/admin/partners").handler(web.require(Role.ADMIN)).handler(this::partners);
    r.post("/admin/partners/:id/scope").handler(web.require(Role.ADMIN)).handler(this::scope);
    r.get("/admin/audit").handler(web.require(Role.ADMIN)).handler(this::audit);
    r.get("/admin/index").handler(web.require(Role.ADMIN)).handler(this::index);
    r.post("/admin/index/rebuild").handler(web.require(Role.ADMIN)).handler(this::rebuild);
  }

  private void home(RoutingContext ctx) {
    web.render(ctx, 200, "admin", web.page(ctx, "admin.title", "admin"), Map.of());
  }

  // --- keys ---

  private void keys(RoutingContext ctx) {
    keysPage(ctx, 200, null, null);
  }

  private void keysPage(RoutingContext ctx, int status, JsonObject created, String alert) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    api.get(s, "/v1/manage/keys")
        .onSuccess(
            a -> {
              Page page = web.page(ctx, "admin.keys", "admin");
              if (alert != null) {
                page.alert(alert);
              }
              String revoked = ctx.queryParams().get("revoked");
              if (revoked != null && revoked.length() < 300) {
                page.notice(page.t().f("admin.keyRevoked", revoked));
              }
              Map<String, Object> m = new HashMap<>();
              m.put("keys", NewsletterScreens.objects(a.json().getJsonArray("items")));
              m.put("roles", KEY_ROLES);
              m.put("created", created);
              web.render(ctx, status, "admin-keys", page, m);
            })
        .onFailure(ctx::fail);
  }

  /** Creates a key and shows its secret on this one answer, which nothing caches. */
  private void createKey(RoutingContext ctx) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    JsonObject body =
        new JsonObject()
            .put("name", strip(StudioWeb.form(ctx, "name")))
            .put("role", strip(StudioWeb.form(ctx, "role")));
    String expires = strip(StudioWeb.form(ctx, "expires"));
    if (!expires.isEmpty()) {
      try {
        body.put(
            "expiresAt",
            LocalDate.parse(expires).atStartOfDay().atOffset(ZoneOffset.UTC).toString());
      } catch (java.time.DateTimeException e) {
        body.put("expiresAt", expires);
      }
    }
    api.send(s, HttpMethod.POST, "/v1/manage/keys", body, null)
        .onSuccess(
            a -> {
              if (a.ok()) {
                keysPage(ctx, 201, a.json(), null);
              } else if (a.status() == 422) {
                keysPage(ctx, 422, null, problemText(a));
              } else {
                failed(ctx, a);
              }
            })
        .onFailure(ctx::fail);
  }

  private void revokeKey(RoutingContext ctx) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    UUID id = uuid(ctx.pathParam("id"));
    if (id == null) {
      notFound(ctx);
      return;
    }
    api.send(s, HttpMethod.DELETE, "/v1/manage/keys/" + id, null, null)
        .onSuccess(
            a -> {
              if (a.ok()) {
                web.redirect(
                    ctx,
                    "/studio/admin/keys?revoked="
                        + ContentRoutes.enc(
                            StudioWeb.form(ctx, "name") == null
                                ? id.toString()
                                : StudioWeb.form(ctx, "name")));
              } else {
                failed(ctx, a);
              }
            })
        .onFailure(ctx::fail);
  }

  // --- webhooks ---

  private void webhooks(RoutingContext ctx) {
    webhooksPage(ctx, 200, null, null);
  }

  private void webhooksPage(RoutingContext ctx, int status, JsonObject created, String alert) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    api.get(s, "/v1/manage/webhooks")
        .onSuccess(
            a -> {
              Page page = web.page(ctx, "admin.webhooks", "admin");
              if (alert != null) {
                page.alert(alert);
              }
              Map<String, Object> m = new HashMap<>();
              m.put("hooks", NewsletterScreens.objects(a.json().getJsonArray("items")));
              m.put("created", created);
              web.render(ctx, status, "admin-webhooks", page, m);
            })
        .onFailure(ctx::fail);
  }

  private void createWebhook(RoutingContext ctx) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    JsonObject body = new JsonObject().put("url", strip(StudioWeb.form(ctx, "url")));
    String description = strip(StudioWeb.form(ctx, "description"));
    if (!description.isEmpty()) {
      body.put("description", description);
    }
    api.send(s, HttpMethod.POST, "/v1/manage/webhooks", body, null)
        .onSuccess(
            a -> {
              if (a.ok()) {
                webhooksPage(ctx, 201, a.json(), null);
              } else if (a.status() == 422 || a.status() == 400) {
                webhooksPage(ctx, a.status(), null, problemText(a));
              } else {
                failed(ctx, a);
              }
            })
        .onFailure(ctx::fail);
  }

  private void webhook(RoutingContext ctx) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    UUID id = uuid(ctx.pathParam("id"));
    if (id == null) {
      notFound(ctx);
      return;
    }
    Future<ApiClient.Answer> hook = api.get(s, "/v1/manage/webhooks/" + id);
    Future<ApiClient.Answer> log = api.get(s, "/v1/manage/webhooks/" + id + "/deliveries");
    Future.all(hook, log)
        .onSuccess(
            x -> {
              if (!hook.result().ok()) {
                notFound(ctx);
                return;
              }
              Page page = web.page(ctx, "admin.webhook", "admin");
              if (ctx.queryParams().contains("redelivered")) {
                page.notice(page.t().t("admin.redelivered"));
              }
              Map<String, Object> m = new HashMap<>();
              m.put("hook", hook.result().json());
              m.put(
                  "deliveries",
                  NewsletterScreens.objects(log.result().json().getJsonArray("items")));
              web.render(ctx, 200, "admin-webhook", page, m);
            })
        .onFailure(ctx::fail);
  }

  private void redeliver(RoutingContext ctx) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    UUID id = uuid(ctx.pathParam("id"));
    UUID delivery = uuid(ctx.pathParam("delivery"));
    if (id == null || delivery == null) {
      notFound(ctx);
      return;
    }
    api.send(
            s,
            HttpMethod.POST,
            "/v1/manage/webhooks/" + id + "/deliveries/" + delivery + "/redeliver",
            null,
            null)
        .onSuccess(
            a -> {
              if (a.ok()) {
                web.redirect(ctx, "/studio/admin/webhooks/" + id + "?redelivered");
              } else {
                failed(ctx, a);
              }
            })
        .onFailure(ctx::fail);
  }

  // --- partners ---

  private void partners(RoutingContext ctx) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    Future<ApiClient.Answer> keys = api.get(s, "/v1/manage/keys");
    Future<ApiClient.Answer> types = api.get(s, "/v1/manage/types");
    Future.all(keys, types)
        .compose(
            x -> {
              List<JsonObject> partners = new ArrayList<>();
              for (JsonObject k :
                  NewsletterScreens.objects(keys.result().json().getJsonArray("items"))) {
                if ("partner".equals(k.getString("role")) && k.getBoolean("active", false)) {
                  partners.add(k);
                }
              }
              List<Future<ApiClient.Answer>> scopes = new ArrayList<>();
              for (JsonObject p : partners) {
                scopes.add(api.get(s, "/v1/manage/partners/" + p.getString("id") + "/scope"));
              }
              return Future.all(scopes)
                  .map(
                      y -> {
                        for (int i = 0; i < partners.size(); i++) {
                          partners.get(i).put("scope", scopes.get(i).result().json());
                        }
                        return partners;
                      });
            })
        .onSuccess(
            partners -> {
              Page page = web.page(ctx, "admin.partners", "admin");
              String saved = ctx.queryParams().get("saved");
              if (saved != null && saved.length() < 300) {
                page.notice(page.t().f("admin.scopeSaved", saved));
              }
              List<String> typeIds = new ArrayList<>();
              NewsletterScreens.objects(types.result().json().getJsonArray("items"))
                  .forEach(t -> typeIds.add(t.getString("id")));
              Map<String, Object> m = new HashMap<>();
              m.put("partners", partners);
              m.put("types", typeIds);
              m.put("locales", locales);
              web.render(ctx, 200, "admin-partners", page, m);
            })
        .onFailure(ctx::fail);
  }

  /** Sets the partner's scope: the chosen types and locales, or all when none is chosen. */
  private void scope(RoutingContext ctx) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    UUID id = uuid(ctx.pathParam("id"));
    if (id == null) {
      notFound(ctx);
      return;
    }
    MultiMap form = ctx.request().formAttributes();
    List<String> types = form.getAll("types");
    List<String> ls = form.getAll("locales");
    JsonObject body =
        new JsonObject()
            .put("types", types.isEmpty() ? null : new JsonArray(types))
            .put("locales", ls.isEmpty() ? null : new JsonArray(ls));
    Future<ApiClient.Answer> done =
        types.isEmpty() && ls.isEmpty()
            ? api.send(s, HttpMethod.DELETE, "/v1/manage/partners/" + id + "/scope", null, null)
            : api.send(s, HttpMethod.PUT, "/v1/manage/partners/" + id + "/scope", body, null);
    done.onSuccess(
            a -> {
              if (a.ok()) {
                web.redirect(
                    ctx,
                    "/studio/admin/partners?saved="
                        + ContentRoutes.enc(strip(StudioWeb.form(ctx, "name"))));
              } else {
                failed(ctx, a);
              }
            })
        .onFailure(ctx::fail);
  }

  // --- audit ---

  /** The audit log, a page at a time, by who (a Studio user or a key) and by entry. */
  private void audit(RoutingContext ctx) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    String actor = ctx.queryParams().get("actor");
    String entity = ctx.queryParams().get("entity");
    String cursor = ctx.queryParams().get("cursor");
    StringBuilder path = new StringBuilder("/v1/manage/audit?limit=50");
    if (actor != null && actor.matches("(user:)?[0-9a-fA-F-]{36}|env")) {
      path.append("&actor=").append(ContentRoutes.enc(actor));
    } else {
      actor = null;
    }
    if (entity != null && !entity.isBlank() && entity.length() <= 200) {
      path.append("&entity=").append(ContentRoutes.enc(entity.strip()));
    } else {
      entity = null;
    }
    if (cursor != null && cursor.matches("\\d{1,19}")) {
      path.append("&cursor=").append(cursor);
    }
    String a0 = actor;
    String e0 = entity;
    Future<ApiClient.Answer> log = api.get(s, path.toString());
    Future<List<StudioUser>> people = users.all(pool, 500);
    Future<ApiClient.Answer> keys = api.get(s, "/v1/manage/keys");
    Future.all(log, people, keys)
        .onSuccess(
            x -> {
              if (!log.result().ok()) {
                failed(ctx, log.result());
                return;
              }
              String next = log.result().json().getString("nextCursor");
              StringBuilder nextHref = null;
              if (next != null) {
                nextHref = new StringBuilder("/studio/admin/audit?cursor=" + next);
                if (a0 != null) {
                  nextHref.append("&actor=").append(ContentRoutes.enc(a0));
                }
                if (e0 != null) {
                  nextHref.append("&entity=").append(ContentRoutes.enc(e0));
                }
              }
              List<String[]> actors = new ArrayList<>();
              for (StudioUser u : people.result()) {
                actors.add(new String[] {"user:" + u.id(), u.name() + " <" + u.email() + ">"});
              }
              for (JsonObject k :
                  NewsletterScreens.objects(keys.result().json().getJsonArray("items"))) {
                actors.add(
                    new String[] {
                      k.getString("id"), k.getString("name") + " (" + k.getString("role") + ")"
                    });
              }
              Map<String, Object> m = new HashMap<>();
              m.put("items", NewsletterScreens.objects(log.result().json().getJsonArray("items")));
              m.put("actors", actors);
              m.put("actor", a0 == null ? "" : a0);
              m.put("entity", e0 == null ? "" : e0);
              m.put("nextHref", nextHref == null ? null : nextHref.toString());
              web.render(ctx, 200, "admin-audit", web.page(ctx, "admin.audit", "admin"), m);
            })
        .onFailure(ctx::fail);
  }

  // --- index ---

  private void index(RoutingContext ctx) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    api.get(s, "/v1/admin/index")
        .onSuccess(
            a -> {
              Page page = web.page(ctx, "admin.index", "admin");
              if (ctx.queryParams().contains("rebuilding")) {
                page.notice(page.t().t("admin.rebuildStarted"));
              }
              if (!a.ok()) {
                page.alert(problemText(a));
              }
              Map<String, Object> m = new HashMap<>();
              List<String[]> facts = new ArrayList<>();
              flatten("", a.ok() ? a.json() : new JsonObject(), facts);
              m.put("facts", facts);
              web.render(ctx, 200, "admin-index", page, m);
            })
        .onFailure(ctx::fail);
  }

  /** The index's state as name/value lines (nested objects as dotted names). */
  private static void flatten(String prefix, JsonObject o, List<String[]> out) {
    for (Map.Entry<String, Object> e : o) {
      String name = prefix + e.getKey();
      if (e.getValue() instanceof JsonObject inner) {
        flatten(name + ".", inner, out);
      } else {
        out.add(new String[] {name, String.valueOf(e.getValue())});
      }
    }
  }

  private void rebuild(RoutingContext ctx) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    api.send(s, HttpMethod.POST, "/v1/admin/index/rebuild", null, null)
        .onSuccess(
            a -> {
              if (a.ok()) {
                web.redirect(ctx, "/studio/admin/index?rebuilding");
              } else {
                failed(ctx, a);
              }
            })
        .onFailure(ctx::fail);
  }

  // --- shared ---

  static String problemText(ApiClient.Answer a) {
    StringBuilder out = new StringBuilder(a.json().getString("detail", "HTTP " + a.status()));
    for (JsonObject e : NewsletterScreens.objects(a.json().getJsonArray("errors"))) {
      out.append(" ")
          .append(e.getString("field", ""))
          .append(": ")
          .append(e.getString("detail", ""));
    }
    return out.toString();
  }

  static String strip(String s) {
    return s == null ? "" : s.strip();
  }

  private void failed(RoutingContext ctx, ApiClient.Answer a) {
    failed(web, ctx, a);
  }

  /** The api's problem as an error page of the admin's screens. */
  static void failed(StudioWeb web, RoutingContext ctx, ApiClient.Answer a) {
    Page page = web.page(ctx, a.status() == 403 ? "forbidden.title" : "admin.title", "admin");
    web.error(ctx, a.status() >= 500 ? 502 : a.status(), page, problemText(a));
  }

  private void notFound(RoutingContext ctx) {
    notFound(web, ctx);
  }

  static void notFound(StudioWeb web, RoutingContext ctx) {
    Page page = web.page(ctx, "notFound.title", "admin");
    web.error(ctx, 404, page, page.t().t("notFound.detail"));
  }

  private static UUID uuid(String s) {
    try {
      return UUID.fromString(s);
    } catch (IllegalArgumentException | NullPointerException e) {
      return null;
    }
  }
}
