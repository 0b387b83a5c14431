package herald.api.studio;

import herald.api.auth.Role;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The newsletter's subscribers for editors: searched by part of the address as one types, filtered
 * by status, 50 a page; exported as CSV; unsubscribed on their request. The publisher keeps them;
 * every call goes through the api as the signed-in editor.
 */
final class SubscriberScreens {
  private static final String API = NewsletterScreens.API;

  private final StudioWeb web;
  private final ApiClient api;

  SubscriberScreens(StudioWeb web, ApiClient api) {
    this.web = web;
    this.api = api;
  }

  void mount(Router r) {
    r.get("/newsletter/subscribers").handler(web.require(Role.EDITOR)).handler(this::subscribers);
    r.get("/newsletter/subscribers/export").handler(web.require(Role.EDITOR)).handler(this::export);
    r.post("/newsletter/subscribers/:id/unsubscribe")
        .handler(web.require(Role.EDITOR))
        .handler(this::unsubscribe);
  }

  private void subscribers(RoutingContext ctx) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    String q = limit(ctx.queryParams().get("q"), 200);
    String status = ctx.queryParams().get("status");
    if (status != null && !List.of("pending", "confirmed", "unsubscribed").contains(status)) {
      status = null;
    }
    String cursor = ctx.queryParams().get("cursor");
    if (cursor != null && !cursor.matches("[A-Za-z0-9_-]{1,2000}")) {
      cursor = null;
    }
    StringBuilder path = new StringBuilder(API + "/subscribers/search?limit=50");
    if (q != null && !q.isBlank()) {
      path.append("&q=").append(ContentRoutes.enc(q.strip()));
    }
    if (status != null) {
      path.append("&status=").append(status);
    }
    if (cursor != null) {
      path.append("&cursor=").append(cursor);
    }
    String st = status;
    Future<ApiClient.Answer> list = api.get(s, path.toString());
    Future<ApiClient.Answer> counts = api.get(s, API + "/subscribers");
    Future.join(list, counts)
        .onComplete(
            x -> {
              Page page = web.page(ctx, "subscribers.title", "newsletter");
              if (!ok(list)) {
                unavailable(ctx, page, list);
                return;
              }
              String gone = ctx.queryParams().get("unsubscribed");
              if (gone != null && gone.length() < 300) {
                page.notice(page.t().f("subscribers.unsubscribed", gone));
              }
              String next = list.result().json().getString("nextCursor");
              StringBuilder nextHref = null;
              if (next != null) {
                nextHref = new StringBuilder("/studio/newsletter/subscribers?cursor=" + next);
                if (q != null && !q.isBlank()) {
                  nextHref.append("&q=").append(ContentRoutes.enc(q.strip()));
                }
                if (st != null) {
                  nextHref.append("&status=").append(st);
                }
              }
              Map<String, Object> m = new HashMap<>();
              m.put("rows", objects(list.result().json().getJsonArray("items")));
              m.put("q", q == null ? "" : q);
              m.put("status", st == null ? "" : st);
              m.put("counts", ok(counts) ? counts.result().json() : new JsonObject());
              m.put("nextHref", nextHref == null ? null : nextHref.toString());
              m.put(
                  "exportHref",
                  "/studio/newsletter/subscribers/export" + (st == null ? "" : "?status=" + st));
              boolean fragment =
                  StudioWeb.isHtmx(ctx) && "results".equals(ctx.request().getHeader("HX-Target"));
              web.render(ctx, 200, fragment ? "subscriber-rows" : "subscribers", page, m);
            });
  }

  /** The CSV of the api, passed on as a download. */
  private void export(RoutingContext ctx) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    String status = ctx.queryParams().get("status");
    String path =
        API
            + "/subscribers/export"
            + (status != null && List.of("pending", "confirmed", "unsubscribed").contains(status)
                ? "?status=" + status
                : "");
    api.get(s, path)
        .onSuccess(
            a -> {
              if (!a.ok()) {
                failed(ctx, a);
                return;
              }
              web.headers(ctx)
                  .putHeader("Content-Type", "text/csv; charset=utf-8")
                  .putHeader(
                      "Content-Disposition", "attachment; filename=\"newsletter-subscribers.csv\"")
                  .end(String.valueOf(a.body()));
            })
        .onFailure(ctx::fail);
  }

  private void unsubscribe(RoutingContext ctx) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    UUID id = uuid(ctx);
    if (id == null) {
      notFound(ctx);
      return;
    }
    api.send(s, HttpMethod.POST, API + "/subscribers/" + id + "/unsubscribe", null, null)
        .onSuccess(
            a -> {
              if (a.ok()) {
                web.redirect(
                    ctx,
                    "/studio/newsletter/subscribers?unsubscribed="
                        + ContentRoutes.enc(a.json().getString("email", "")));
              } else {
                failed(ctx, a);
              }
            })
        .onFailure(ctx::fail);
  }

  private static boolean ok(Future<ApiClient.Answer> f) {
    return NewsletterScreens.ok(f);
  }

  private static List<JsonObject> objects(io.vertx.core.json.JsonArray a) {
    return NewsletterScreens.objects(a);
  }

  private void unavailable(RoutingContext ctx, Page page, Future<ApiClient.Answer> f) {
    NewsletterScreens.unavailable(web, ctx, page, f);
  }

  private void failed(RoutingContext ctx, ApiClient.Answer a) {
    NewsletterScreens.failed(web, ctx, a);
  }

  private void notFound(RoutingContext ctx) {
    NewsletterScreens.notFound(web, ctx);
  }

  private static UUID uuid(RoutingContext ctx) {
    return NewsletterScreens.uuid(ctx);
  }

  private static String limit(String s, int max) {
    return NewsletterScreens.limit(s, max);
  }
}
