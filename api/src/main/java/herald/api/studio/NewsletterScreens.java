package herald.api.studio;

import herald.api.auth.Role;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The newsletter in Studio: issues composed from the queued items (reorder, add, drop), previewed
 * as desktop and mobile readers see them, test-sent, sent now or at a time, their sending followed
 * live; and the subscribers (search, export, unsubscribe). Everything goes through the api's {@code
 * /v1/manage/newsletter/…} as the signed-in editor.
 */
final class NewsletterScreens {
  static final String API = "/v1/manage/newsletter";

  private final StudioWeb web;
  private final ApiClient api;
  private final List<String> locales;

  NewsletterScreens(StudioWeb web, ApiClient api, List<String> locales) {
    this.web = web;
    this.api = api;
    this.locales = List.copyOf(locales);
  }

  void mount(Router r) {
    new SubscriberScreens(web, api).mount(r);
    r.get("/newsletter").handler(web.require(Role.EDITOR)).handler(this::overview);
    r.post("/newsletter/issues").handler(web.require(Role.EDITOR)).handler(this::create);
    r.get("/newsletter/issues/:id").handler(web.require(Role.EDITOR)).handler(this::issue);
    r.get("/newsletter/issues/:id/progress")
        .handler(web.require(Role.EDITOR))
        .handler(this::progress);
    r.get("/newsletter/issues/:id/preview")
        .handler(web.require(Role.EDITOR))
        .handler(this::preview);
    r.post("/newsletter/issues/:id/subject")
        .handler(web.require(Role.EDITOR))
        .handler(this::subject);
    r.post("/newsletter/issues/:id/items").handler(web.require(Role.EDITOR)).handler(this::items);
    r.post("/newsletter/issues/:id/test").handler(web.require(Role.EDITOR)).handler(this::test);
    r.post("/newsletter/issues/:id/send").handler(web.require(Role.EDITOR)).handler(this::send);
  }

  /** The issues, the queue, the subscribers' counts, and a form for a new issue. */
  private void overview(RoutingContext ctx) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    Future<ApiClient.Answer> issues = api.get(s, API + "/issues");
    Future<ApiClient.Answer> queue = api.get(s, API + "/entries");
    Future<ApiClient.Answer> counts = api.get(s, API + "/subscribers");
    Future.join(issues, queue, counts)
        .onComplete(
            x -> {
              Page page = web.page(ctx, "newsletter.title", "newsletter");
              if (!ok(issues)) {
                unavailable(ctx, page, issues);
                return;
              }
              List<JsonObject> list = objects(issues.result().json().getJsonArray("issues"));
              java.util.Collections.reverse(list);
              Map<String, Object> m = new HashMap<>();
              m.put("issues", list);
              m.put(
                  "queued",
                  ok(queue) ? objects(queue.result().json().getJsonArray("entries")) : List.of());
              m.put("counts", ok(counts) ? counts.result().json() : new JsonObject());
              web.render(ctx, 200, "newsletter", page, m);
            });
  }

  private void create(RoutingContext ctx) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    String subject = StudioWeb.form(ctx, "subject");
    JsonObject body = new JsonObject();
    if (subject != null && !subject.isEmpty()) {
      body.put("subject", subject);
    }
    api.send(s, HttpMethod.POST, API + "/issues", body, null)
        .onSuccess(
            a -> {
              if (a.ok()) {
                web.redirect(ctx, "/studio/newsletter/issues/" + a.json().getString("id"));
              } else {
                failed(ctx, a);
              }
            })
        .onFailure(ctx::fail);
  }

  /** Composing one issue: subject, items, previews, test, send; or its progress once sent. */
  private void issue(RoutingContext ctx) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    UUID id = uuid(ctx);
    if (id == null) {
      notFound(ctx);
      return;
    }
    Future<ApiClient.Answer> issue = api.get(s, API + "/issues/" + id);
    Future<ApiClient.Answer> queue = api.get(s, API + "/entries");
    Future.join(issue, queue)
        .onComplete(
            x -> {
              if (issue.succeeded() && issue.result().status() == 404) {
                notFound(ctx);
                return;
              }
              Page page = web.page(ctx, "newsletter.issue", "newsletter");
              if (!ok(issue)) {
                unavailable(ctx, page, issue);
                return;
              }
              JsonObject i = issue.result().json();
              List<JsonObject> items = objects(i.getJsonArray("items"));
              java.util.Set<String> in = new java.util.HashSet<>();
              items.forEach(it -> in.add(it.getString("entryId")));
              List<JsonObject> addable = new ArrayList<>();
              if (ok(queue)) {
                for (JsonObject e : objects(queue.result().json().getJsonArray("entries"))) {
                  if (!in.contains(e.getString("entryId"))) {
                    addable.add(e);
                  }
                }
              }
              String notice = ctx.queryParams().get("notice");
              if (notice != null && notice.matches("[a-zA-Z]{1,40}")) {
                String to = ctx.queryParams().get("to");
                page.notice(page.t().f("newsletter.notice." + notice, to == null ? "" : to));
              }
              String locale = locale(ctx);
              Map<String, Object> m = new HashMap<>();
              m.put("issue", i);
              m.put("items", items);
              m.put("addable", addable);
              m.put("editable", editable(i));
              m.put("locale", locale);
              m.put("locales", locales);
              m.put("me", StudioWeb.user(ctx).email());
              m.put("progress", progressHtml(ctx, i));
              web.render(ctx, 200, "newsletter-issue", page, m);
            });
  }

  /** The sending's progress, polled by the page while the issue is being sent. */
  private void progress(RoutingContext ctx) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    UUID id = uuid(ctx);
    if (id == null) {
      notFound(ctx);
      return;
    }
    api.get(s, API + "/issues/" + id)
        .onSuccess(
            a -> {
              if (!a.ok()) {
                // The page reloads and says what is wrong.
                ctx.response().putHeader("HX-Refresh", "true").setStatusCode(204).end();
                return;
              }
              web.headers(ctx)
                  .putHeader("Content-Type", "text/html; charset=utf-8")
                  .end(progressHtml(ctx, a.json()));
            })
        .onFailure(ctx::fail);
  }

  private String progressHtml(RoutingContext ctx, JsonObject issue) {
    Map<String, Object> m = new HashMap<>();
    m.put("page", web.page(ctx, "newsletter.issue", "newsletter"));
    m.put("issue", issue);
    m.put("recipients", issue.getJsonObject("recipients", new JsonObject()));
    return web.templates.render("newsletter-progress", m).toString();
  }

  /** The issue's HTML as a reader in a locale gets it, for the page's frames. */
  private void preview(RoutingContext ctx) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    UUID id = uuid(ctx);
    if (id == null) {
      notFound(ctx);
      return;
    }
    api.get(s, API + "/issues/" + id + "/preview?locale=" + ContentRoutes.enc(locale(ctx)))
        .onSuccess(a -> web.frame(ctx, a))
        .onFailure(ctx::fail);
  }

  private void subject(RoutingContext ctx) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    UUID id = uuid(ctx);
    String subject = StudioWeb.form(ctx, "subject");
    if (id == null) {
      notFound(ctx);
      return;
    }
    api.send(
            s,
            HttpMethod.PUT,
            API + "/issues/" + id,
            new JsonObject().put("subject", subject == null ? "" : subject),
            null)
        .onSuccess(a -> afterChange(ctx, id, a, "saved"))
        .onFailure(ctx::fail);
  }

  /**
   * Reorders, adds or drops one item ({@code op} = up, down, drop or add, {@code entry} its id):
   * the new order is worked out here from the issue as it is now and sent whole.
   */
  private void items(RoutingContext ctx) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    UUID id = uuid(ctx);
    String op = StudioWeb.form(ctx, "op");
    String entry = StudioWeb.form(ctx, "entry");
    if (id == null
        || entry == null
        || !entry.matches("[0-9a-f-]{36}")
        || !List.of("up", "down", "drop", "add").contains(op)) {
      notFound(ctx);
      return;
    }
    api.get(s, API + "/issues/" + id)
        .compose(
            a -> {
              if (!a.ok()) {
                return Future.succeededFuture(a);
              }
              List<String> order = new ArrayList<>();
              objects(a.json().getJsonArray("items"))
                  .forEach(i -> order.add(i.getString("entryId")));
              int at = order.indexOf(entry);
              switch (op) {
                case "up" -> {
                  if (at > 0) {
                    java.util.Collections.swap(order, at, at - 1);
                  }
                }
                case "down" -> {
                  if (at >= 0 && at < order.size() - 1) {
                    java.util.Collections.swap(order, at, at + 1);
                  }
                }
                case "drop" -> order.remove(entry);
                default -> {
                  if (at < 0) {
                    order.add(entry);
                  }
                }
              }
              return api.send(
                  s,
                  HttpMethod.PUT,
                  API + "/issues/" + id,
                  new JsonObject().put("items", new JsonArray(order)),
                  null);
            })
        .onSuccess(a -> afterChange(ctx, id, a, null))
        .onFailure(ctx::fail);
  }

  /** One test copy, "[Test]" before the subject, to an address (the editor's own by default). */
  private void test(RoutingContext ctx) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    UUID id = uuid(ctx);
    String email = StudioWeb.form(ctx, "email");
    if (id == null) {
      notFound(ctx);
      return;
    }
    JsonObject body =
        new JsonObject()
            .put("email", email == null || email.isEmpty() ? StudioWeb.user(ctx).email() : email)
            .put("locale", formLocale(ctx));
    api.send(s, HttpMethod.POST, API + "/issues/" + id + "/test", body, null)
        .onSuccess(
            a -> {
              if (a.ok()) {
                web.redirect(
                    ctx,
                    "/studio/newsletter/issues/"
                        + id
                        + "?notice=tested&to="
                        + ContentRoutes.enc(a.json().getString("to", ""))
                        + "&locale="
                        + ContentRoutes.enc(body.getString("locale")));
              } else {
                failed(ctx, a);
              }
            })
        .onFailure(ctx::fail);
  }

  /** Sends now, or schedules for a local time in a zone. */
  private void send(RoutingContext ctx) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    UUID id = uuid(ctx);
    if (id == null) {
      notFound(ctx);
      return;
    }
    JsonObject body = new JsonObject();
    if ("later".equals(StudioWeb.form(ctx, "when"))) {
      String local = StudioWeb.form(ctx, "at.local");
      String zone = StudioWeb.form(ctx, "at.zone");
      try {
        body.put(
            "at",
            LocalDateTime.parse(local)
                .atZone(ZoneId.of(zone == null || zone.isEmpty() ? "UTC" : zone))
                .toInstant()
                .toString());
      } catch (java.time.DateTimeException | NullPointerException e) {
        Page page = web.page(ctx, "newsletter.issue", "newsletter");
        web.error(ctx, 422, page, page.t().t("publish.chooseTime"));
        return;
      }
    }
    api.send(s, HttpMethod.POST, API + "/issues/" + id + "/send", body, null)
        .onSuccess(
            a ->
                afterChange(
                    ctx,
                    id,
                    a,
                    "scheduled".equals(a.json().getString("status")) ? "scheduled" : "sending"))
        .onFailure(ctx::fail);
  }

  // --- shared ---

  private void afterChange(RoutingContext ctx, UUID id, ApiClient.Answer a, String notice) {
    if (a.ok()) {
      web.redirect(
          ctx,
          "/studio/newsletter/issues/"
              + id
              + (notice == null ? "" : "?notice=" + notice)
              + "#"
              + (notice == null ? "items" : "main"));
    } else {
      failed(ctx, a);
    }
  }

  static boolean editable(JsonObject issue) {
    String st = issue.getString("status", "");
    return st.equals("draft") || st.equals("scheduled");
  }

  private String locale(RoutingContext ctx) {
    String l = ctx.queryParams().get("locale");
    return l != null && locales.contains(l) ? l : locales.get(0);
  }

  private String formLocale(RoutingContext ctx) {
    String l = StudioWeb.form(ctx, "locale");
    return l != null && locales.contains(l) ? l : locales.get(0);
  }

  static boolean ok(Future<ApiClient.Answer> f) {
    return f.succeeded() && f.result().ok();
  }

  static List<JsonObject> objects(JsonArray a) {
    List<JsonObject> out = new ArrayList<>();
    if (a != null) {
      a.forEach(o -> out.add((JsonObject) o));
    }
    return out;
  }

  private void unavailable(RoutingContext ctx, Page page, Future<ApiClient.Answer> f) {
    unavailable(web, ctx, page, f);
  }

  static void unavailable(
      StudioWeb web, RoutingContext ctx, Page page, Future<ApiClient.Answer> f) {
    String detail =
        f.succeeded()
            ? f.result().json().getString("detail", "HTTP " + f.result().status())
            : page.t().t("failure.detail");
    web.error(ctx, 502, page, detail);
  }

  private void failed(RoutingContext ctx, ApiClient.Answer a) {
    failed(web, ctx, a);
  }

  static void failed(StudioWeb web, RoutingContext ctx, ApiClient.Answer a) {
    Page page =
        web.page(ctx, a.status() == 403 ? "forbidden.title" : "newsletter.title", "newsletter");
    web.error(
        ctx,
        a.status() >= 500 ? 502 : a.status(),
        page,
        a.json().getString("detail", "HTTP " + a.status()));
  }

  private void notFound(RoutingContext ctx) {
    notFound(web, ctx);
  }

  static void notFound(StudioWeb web, RoutingContext ctx) {
    Page page = web.page(ctx, "notFound.title", "newsletter");
    web.error(ctx, 404, page, page.t().t("notFound.detail"));
  }

  static UUID uuid(RoutingContext ctx) {
    try {
      return UUID.fromString(ctx.pathParam("id"));
    } catch (IllegalArgumentException | NullPointerException e) {
      return null;
    }
  }

  static String limit(String s, int max) {
    return s == null ? null : s.length() > max ? s.substring(0, max) : s;
  }
}
