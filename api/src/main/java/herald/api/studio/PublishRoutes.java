package herald.api.studio;

import herald.api.auth.Role;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Publishing from Studio: per locale, now or at a time (publish or unpublish), with the social
 * posts previewed first by the publisher ({@code POST /v1/social/preview}); then the delivery
 * panel, which follows every channel's state live over server-sent events and retries a delivery.
 */
final class PublishRoutes {
  /** How often the live panel looks at the deliveries. */
  static final long POLL_MS = 1_000;

  /** A live panel reconnects after this long, so no connection is held open forever. */
  static final long STREAM_MS = 10 * 60_000;

  private final Vertx vertx;
  private final StudioWeb web;
  private final ApiClient api;
  private final List<String> locales;

  PublishRoutes(Vertx vertx, StudioWeb web, ApiClient api, List<String> locales) {
    this.vertx = vertx;
    this.web = web;
    this.api = api;
    this.locales = List.copyOf(locales);
  }

  void mount(Router r) {
    r.get("/entries/:id/publish").handler(web.require(Role.AUTHOR)).handler(this::page);
    r.post("/entries/:id/publish").handler(web.require(Role.AUTHOR)).handler(this::publish);
    r.get("/entries/:id/preview/:channel")
        .handler(web.require(Role.AUTHOR))
        .handler(this::channelPreview);
    r.get("/entries/:id/deliveries").handler(web.require(Role.AUTHOR)).handler(this::deliveries);
    r.get("/entries/:id/deliveries/stream").handler(web.require(Role.AUTHOR)).handler(this::stream);
    r.post("/deliveries/:id/retry").handler(web.require(Role.AUTHOR)).handler(this::retry);
  }

  /** The publish page: locales, previews of each social network's post, now or at a time. */
  private void page(RoutingContext ctx) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    UUID id = uuid(ctx);
    if (id == null) {
      notFound(ctx);
      return;
    }
    api.get(s, "/v1/manage/entries/" + id)
        .compose(
            e -> {
              if (!e.ok()) {
                return Future.succeededFuture((Object[]) null);
              }
              JsonObject entry = e.json();
              List<String> have = localesOf(entry);
              List<Future<ApiClient.Answer>> previews = new ArrayList<>();
              for (String l : have) {
                JsonObject body =
                    new JsonObject()
                        .put("type", entry.getString("type"))
                        .put("slug", entry.getString("slug"))
                        .put("fields", entry.getJsonObject("fields"))
                        .put("entryId", entry.getString("id"))
                        .put("locale", l);
                previews.add(api.send(s, HttpMethod.POST, "/v1/social/preview", body, null));
              }
              return Future.join(previews)
                  .otherwiseEmpty()
                  .map(
                      x -> {
                        List<SocialPreview> out = new ArrayList<>();
                        for (int i = 0; i < have.size(); i++) {
                          Future<ApiClient.Answer> f = previews.get(i);
                          out.add(
                              SocialPreview.of(
                                  have.get(i),
                                  entry,
                                  f.succeeded() && f.result().ok() ? f.result().json() : null));
                        }
                        return new Object[] {entry, have, out};
                      });
            })
        .onSuccess(
            x -> {
              if (x == null) {
                notFound(ctx);
                return;
              }
              JsonObject entry = (JsonObject) x[0];
              Page page = web.page(ctx, "publish.title", "content");
              Map<String, Object> m = new HashMap<>();
              m.put("entry", entry);
              m.put("title", EntryForm.title(entry, locales));
              m.put("have", x[1]);
              m.put("previews", x[2]);
              m.put("status", ContentRoutes.statusOf(entry));
              m.put("mayPublish", StudioWeb.user(ctx).can(Role.EDITOR));
              List<String> chosen = new ArrayList<>();
              for (String c : List.of("website", "newsletter")) {
                if (entry.getJsonArray("channels", new JsonArray()).contains(c)) {
                  chosen.add(c);
                }
              }
              m.put("frames", chosen);
              web.render(ctx, 200, "publish", page, m);
            })
        .onFailure(ctx::fail);
  }

  /**
   * The draft as the website page or the newsletter item it would become, rendered by the
   * publisher's own renderers (through the api, as the user), for the publish page's frames.
   */
  private void channelPreview(RoutingContext ctx) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    UUID id = uuid(ctx);
    String channel = ctx.pathParam("channel");
    String locale = ctx.queryParams().get("locale");
    if (id == null
        || !List.of("website", "newsletter").contains(channel)
        || (locale != null && !locales.contains(locale))) {
      notFound(ctx);
      return;
    }
    api.get(
            s,
            "/v1/manage/entries/"
                + id
                + "/preview/"
                + channel
                + (locale == null ? "" : "?locale=" + ContentRoutes.enc(locale)))
        .onSuccess(a -> web.frame(ctx, a))
        .onFailure(ctx::fail);
  }

  /** Publish or unpublish now, or schedule either, for the chosen locales. */
  private void publish(RoutingContext ctx) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    UUID id = uuid(ctx);
    if (id == null) {
      notFound(ctx);
      return;
    }
    JsonArray chosen = new JsonArray();
    for (String l : ctx.request().formAttributes().getAll("locales")) {
      if (locales.contains(l) && !chosen.contains(l)) {
        chosen.add(l);
      }
    }
    String action = ctx.request().getFormAttribute("action");
    String when = ctx.request().getFormAttribute("when");
    Page page = web.page(ctx, "publish.title", "content");
    if (chosen.isEmpty() || !("publish".equals(action) || "unpublish".equals(action))) {
      web.error(ctx, 422, page, page.t().t("publish.chooseLocale"));
      return;
    }
    JsonObject body = new JsonObject().put("locales", chosen);
    Future<ApiClient.Answer> done;
    if ("later".equals(when)) {
      String local = ctx.request().getFormAttribute("at.local");
      String zone = ctx.request().getFormAttribute("at.zone");
      if (local == null || local.isBlank()) {
        web.error(ctx, 422, page, page.t().t("publish.chooseTime"));
        return;
      }
      body.put("action", action)
          .put(
              "at",
              EntryForm.dateTime(
                  local.strip(), zone == null || zone.isBlank() ? "UTC" : zone.strip()));
      done = api.send(s, HttpMethod.POST, "/v1/manage/entries/" + id + "/schedule", body, null);
    } else {
      done = api.send(s, HttpMethod.POST, "/v1/manage/entries/" + id + "/" + action, body, null);
    }
    done.onSuccess(
            a -> {
              if (a.ok()) {
                web.redirect(
                    ctx,
                    "/studio/entries/"
                        + id
                        + ("later".equals(when) ? "/publish?scheduled" : "/deliveries"));
              } else {
                web.error(
                    ctx,
                    a.status() >= 500 ? 502 : a.status(),
                    web.page(
                        ctx, a.status() == 403 ? "forbidden.title" : "publish.title", "content"),
                    a.json().getString("detail", "HTTP " + a.status()));
              }
            })
        .onFailure(ctx::fail);
  }

  /** The delivery panel: rendered once, then kept current by the stream. */
  private void deliveries(RoutingContext ctx) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    UUID id = uuid(ctx);
    if (id == null) {
      notFound(ctx);
      return;
    }
    Future<ApiClient.Answer> e = api.get(s, "/v1/manage/entries/" + id);
    Future<ApiClient.Answer> d = api.get(s, "/v1/manage/entries/" + id + "/deliveries");
    Future.all(e, d)
        .onSuccess(
            x -> {
              if (!e.result().ok()) {
                notFound(ctx);
                return;
              }
              Page page = web.page(ctx, "deliveries.title", "content");
              Map<String, Object> m = new HashMap<>();
              m.put("entry", e.result().json());
              m.put("title", EntryForm.title(e.result().json(), locales));
              m.put("panel", panel(ctx, d.result()));
              web.render(ctx, 200, "deliveries", page, m);
            })
        .onFailure(ctx::fail);
  }

  /** The panel's table as HTML, from the api's deliveries of the entry. */
  private String panel(RoutingContext ctx, ApiClient.Answer a) {
    List<JsonObject> rows = new ArrayList<>();
    for (Object o : a.json().getJsonArray("deliveries", new JsonArray())) {
      rows.add((JsonObject) o);
    }
    Page page = web.page(ctx, "deliveries.title", "content");
    Map<String, Object> m = new HashMap<>();
    m.put("page", page);
    m.put("rows", rows);
    m.put("mayRetry", StudioWeb.user(ctx).can(Role.EDITOR));
    return web.templates.render("delivery-rows", m).toString();
  }

  /**
   * Server-sent events: the panel's HTML whenever it changes (event {@code deliveries}), looked at
   * every second with the user's own session; a comment every 15 s keeps proxies from closing it.
   */
  private void stream(RoutingContext ctx) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    UUID id = uuid(ctx);
    if (id == null) {
      notFound(ctx);
      return;
    }
    HttpServerResponse resp = web.headers(ctx);
    resp.setChunked(true)
        .putHeader("Content-Type", "text/event-stream; charset=utf-8")
        .putHeader("X-Accel-Buffering", "no");
    resp.write("retry: 2000\n\n");
    String[] last = {null};
    long started = System.currentTimeMillis();
    long[] ticks = {0};
    boolean[] busy = {false};
    long timer =
        vertx.setPeriodic(
            0,
            POLL_MS,
            t -> {
              if (busy[0] || resp.closed()) {
                return;
              }
              if (System.currentTimeMillis() - started > STREAM_MS) {
                vertx.cancelTimer(t);
                resp.end();
                return;
              }
              busy[0] = true;
              api.get(s, "/v1/manage/entries/" + id + "/deliveries")
                  .onComplete(
                      ar -> {
                        busy[0] = false;
                        if (resp.closed() || ar.failed()) {
                          return;
                        }
                        // The session ended, or its browser is throttled: the page reloads.
                        int st = ar.result().status();
                        if (st == 401 || st == 403 || st == 429) {
                          vertx.cancelTimer(t);
                          resp.end();
                          return;
                        }
                        String html = panel(ctx, ar.result());
                        if (!html.equals(last[0])) {
                          last[0] = html;
                          StringBuilder ev = new StringBuilder("event: deliveries\n");
                          for (String line : html.split("\n", -1)) {
                            ev.append("data: ").append(line).append('\n');
                          }
                          resp.write(ev.append('\n').toString());
                        } else if (++ticks[0] % 15 == 0) {
                          resp.write(": still here\n\n");
                        }
                      });
            });
    resp.closeHandler(v -> vertx.cancelTimer(timer));
    ctx.request().connection().closeHandler(v -> vertx.cancelTimer(timer));
  }

  private void retry(RoutingContext ctx) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    UUID id = uuid(ctx);
    String entry = ctx.request().getFormAttribute("entry");
    if (id == null || entry == null || !entry.matches("[0-9a-f-]{36}")) {
      notFound(ctx);
      return;
    }
    api.send(s, HttpMethod.POST, "/v1/manage/deliveries/" + id + "/retry", null, null)
        .onSuccess(
            a -> {
              if (a.ok()) {
                web.redirect(ctx, "/studio/entries/" + entry + "/deliveries");
              } else {
                web.error(
                    ctx,
                    a.status() >= 500 ? 502 : a.status(),
                    web.page(
                        ctx, a.status() == 403 ? "forbidden.title" : "deliveries.title", "content"),
                    a.json().getString("detail", "HTTP " + a.status()));
              }
            })
        .onFailure(ctx::fail);
  }

  private List<String> localesOf(JsonObject entry) {
    java.util.Set<String> have = new java.util.LinkedHashSet<>();
    for (Object v : entry.getJsonObject("fields", new JsonObject()).getMap().values()) {
      if (v instanceof Map<?, ?> m) {
        for (String l : locales) {
          if (m.containsKey(l)) {
            have.add(l);
          }
        }
      }
    }
    List<String> out = new ArrayList<>();
    for (String l : locales) {
      if (have.contains(l)) {
        out.add(l);
      }
    }
    return out.isEmpty() ? List.of(locales.get(0)) : out;
  }

  private void notFound(RoutingContext ctx) {
    Page page = web.page(ctx, "notFound.title", "content");
    web.error(ctx, 404, page, page.t().t("notFound.detail"));
  }

  private static UUID uuid(RoutingContext ctx) {
    try {
      return UUID.fromString(ctx.pathParam("id"));
    } catch (IllegalArgumentException | NullPointerException e) {
      return null;
    }
  }
}
