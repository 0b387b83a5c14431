package herald.api.studio;

import herald.api.auth.Role;
import herald.api.content.RichText;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Content screens: the types, a type's entries (search as you type through the index, filters,
 * sort, pages), the editor generated from the type (every field kind, locales side by side,
 * validation at the field, autosave), versions with diff and restore, and the helpers the editor
 * calls (Markdown preview by the api's renderer, reference picker, transliteration).
 */
final class ContentRoutes {
  static final int PAGE = 25;
  static final List<String> CHANNELS = List.of("website", "social", "newsletter");
  private static final Pattern TYPE_ID = Pattern.compile("[a-z][a-z0-9_-]{0,63}");
  private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9._~-]{1,2048}");
  private static final int MAX_QUERY = 200;

  private final StudioWeb web;
  private final ApiClient api;
  private final List<String> locales;
  private final Presence presence;

  ContentRoutes(StudioWeb web, ApiClient api, List<String> locales, Presence presence) {
    this.web = web;
    this.api = api;
    this.locales = List.copyOf(locales);
    this.presence = presence;
  }

  void mount(Router r) {
    r.get("/content").handler(web.require(Role.AUTHOR)).handler(this::types);
    r.get("/content/:type").handler(web.require(Role.AUTHOR)).handler(this::list);
    r.get("/content/:type/new").handler(web.require(Role.AUTHOR)).handler(this::newEntry);
    r.post("/content/:type").handler(web.require(Role.AUTHOR)).handler(this::create);
    r.get("/entries/:id").handler(web.require(Role.AUTHOR)).handler(this::edit);
    r.post("/entries/:id").handler(web.require(Role.AUTHOR)).handler(ctx -> save(ctx, false));
    r.post("/entries/:id/autosave")
        .handler(web.require(Role.AUTHOR))
        .handler(ctx -> save(ctx, true));
    r.post("/entries/:id/merge").handler(web.require(Role.AUTHOR)).handler(this::merge);
    r.get("/entries/:id/presence").handler(web.require(Role.AUTHOR)).handler(this::presence);
    r.get("/entries/:id/versions").handler(web.require(Role.AUTHOR)).handler(this::versions);
    r.get("/entries/:id/diff").handler(web.require(Role.AUTHOR)).handler(this::diff);
    r.post("/entries/:id/versions/:v/restore")
        .handler(web.require(Role.AUTHOR))
        .handler(this::restore);
    r.post("/markdown").handler(web.require(Role.AUTHOR)).handler(this::markdown);
    r.post("/transliterate").handler(web.require(Role.AUTHOR)).handler(this::transliterate);
    r.get("/pick").handler(web.require(Role.AUTHOR)).handler(this::pick);
  }

  // --- types and lists ---

  private void types(RoutingContext ctx) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    api.get(s, "/v1/manage/types")
        .onSuccess(
            a -> {
              Page page = web.page(ctx, "content.title", "content");
              List<JsonObject> types = new ArrayList<>();
              a.json()
                  .getJsonArray("items", new JsonArray())
                  .forEach(o -> types.add((JsonObject) o));
              web.render(ctx, 200, "types", page, Map.of("types", types));
            })
        .onFailure(ctx::fail);
  }

  private void list(RoutingContext ctx) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    String type = ctx.pathParam("type");
    if (!TYPE_ID.matcher(type).matches()) {
      notFound(ctx);
      return;
    }
    MultiMap q = ctx.queryParams();
    String search = limit(q.get("q"), MAX_QUERY);
    String status = oneOf(q.get("status"), List.of("draft", "published", "changed"));
    String sort =
        oneOf(q.get("sort"), List.of("-updatedAt", "updatedAt", "-createdAt", "createdAt"));
    String tag = limit(q.get("tag"), 100);
    String channel = oneOf(q.get("channel"), CHANNELS);
    String cursor =
        q.get("cursor") != null && TOKEN.matcher(q.get("cursor")).matches()
            ? q.get("cursor")
            : null;
    Future<JsonObject> page;
    if (search != null && !search.isBlank()) {
      page = searchPage(s, type, search, status);
    } else {
      StringBuilder path =
          new StringBuilder("/v1/manage/entries?limit=" + PAGE + "&type=" + enc(type));
      add(path, "status", status);
      add(path, "sort", sort);
      add(path, "tag", tag);
      add(path, "channel", channel);
      add(path, "cursor", cursor);
      page =
          api.get(s, path.toString())
              .map(
                  a -> {
                    if (!a.ok()) {
                      throw new IllegalStateException(
                          "entry list answered " + a.status() + ": " + a.body());
                    }
                    return a.json();
                  });
    }
    Future<JsonObject> typeDef =
        api.get(s, "/v1/manage/types/" + enc(type)).map(ApiClient.Answer::json);
    Future.all(page, typeDef)
        .onSuccess(
            x -> {
              JsonObject t = typeDef.result();
              if (t.getString("id") == null) {
                notFound(ctx);
                return;
              }
              List<EntryRow> rows = rows(page.result().getJsonArray("items", new JsonArray()));
              String next = page.result().getString("nextCursor");
              Map<String, String> filters = new LinkedHashMap<>();
              filters.put("q", search == null ? "" : search);
              filters.put("status", status == null ? "" : status);
              filters.put("sort", sort == null ? "-updatedAt" : sort);
              filters.put("tag", tag == null ? "" : tag);
              filters.put("channel", channel == null ? "" : channel);
              String nextHref = null;
              if (next != null) {
                StringBuilder h =
                    new StringBuilder("/studio/content/" + type + "?cursor=" + enc(next));
                filters.forEach((k, v) -> add(h, k, v.isEmpty() ? null : v));
                nextHref = h.toString();
              }
              Map<String, Object> model = new HashMap<>();
              model.put("type", t);
              model.put("rows", rows);
              model.put("filters", filters);
              model.put("nextHref", nextHref);
              model.put("paged", cursor != null);
              model.put("channels", CHANNELS);
              Page p = web.page(ctx, "content.title", "content");
              boolean fragment =
                  StudioWeb.isHtmx(ctx) && "results".equals(ctx.request().getHeader("HX-Target"));
              web.render(ctx, 200, fragment ? "content-results" : "content-list", p, model);
            })
        .onFailure(ctx::fail);
  }

  /**
   * Search as you type: the index ranks published entries; their current state comes from the api.
   */
  private Future<JsonObject> searchPage(
      StudioSessions.Session s, String type, String q, String status) {
    return api.get(s, "/v1/search?limit=" + PAGE + "&type=" + enc(type) + "&q=" + enc(q))
        .compose(
            a -> {
              LinkedHashSet<String> ids = new LinkedHashSet<>();
              for (Object h : a.json().getJsonArray("hits", new JsonArray())) {
                if (h instanceof JsonObject hit && hit.getString("id") != null) {
                  ids.add(hit.getString("id"));
                }
              }
              if (ids.isEmpty()) {
                return Future.succeededFuture(new JsonObject().put("items", new JsonArray()));
              }
              return api.get(s, "/v1/manage/entries?limit=100&ids=" + enc(String.join(",", ids)))
                  .map(
                      b -> {
                        Map<String, JsonObject> byId = new HashMap<>();
                        for (Object o : b.json().getJsonArray("items", new JsonArray())) {
                          JsonObject e = (JsonObject) o;
                          byId.put(e.getString("id"), e);
                        }
                        JsonArray ranked = new JsonArray();
                        for (String id : ids) {
                          JsonObject e = byId.get(id);
                          if (e != null && (status == null || statusOf(e).equals(status))) {
                            ranked.add(e);
                          }
                        }
                        return new JsonObject().put("items", ranked);
                      });
            });
  }

  private List<EntryRow> rows(JsonArray items) {
    List<EntryRow> rows = new ArrayList<>();
    for (Object o : items) {
      JsonObject e = (JsonObject) o;
      Set<String> ls = new LinkedHashSet<>();
      for (Object v : e.getJsonObject("fields", new JsonObject()).getMap().values()) {
        if (v instanceof Map<?, ?> m) {
          for (Object k : m.keySet()) {
            if (locales.contains(String.valueOf(k))) {
              ls.add(String.valueOf(k));
            }
          }
        }
      }
      List<String> ch = new ArrayList<>();
      e.getJsonArray("channels", new JsonArray()).forEach(c -> ch.add(String.valueOf(c)));
      rows.add(
          new EntryRow(
              e.getString("id"),
              EntryForm.title(e, locales),
              statusOf(e),
              new ArrayList<>(ls),
              e.getString("updatedAt", "").replace('T', ' ').replaceAll("\\.\\d+Z$|Z$", " UTC"),
              ch));
    }
    return rows;
  }

  static String statusOf(JsonObject e) {
    if (!"published".equals(e.getString("status"))) {
      return "draft";
    }
    Long pv = e.getLong("publishedVersion");
    return pv != null && e.getLong("version", 0L) > pv ? "changed" : "published";
  }

  // --- the editor ---

  private void newEntry(RoutingContext ctx) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    String type = ctx.pathParam("type");
    if (!TYPE_ID.matcher(type).matches()) {
      notFound(ctx);
      return;
    }
    api.get(s, "/v1/manage/types/" + enc(type))
        .onSuccess(
            t -> {
              if (!t.ok()) {
                notFound(ctx);
                return;
              }
              List<String> shown = shownLocales(ctx, new JsonObject());
              JsonObject entry =
                  new JsonObject()
                      .put("type", type)
                      .put("fields", new JsonObject())
                      .put("channels", new JsonArray().add("website"));
              editor(ctx, 200, t.json(), entry, shown, Map.of(), Map.of(), null);
            })
        .onFailure(ctx::fail);
  }

  private void create(RoutingContext ctx) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    String type = ctx.pathParam("type");
    if (!TYPE_ID.matcher(type).matches()) {
      notFound(ctx);
      return;
    }
    api.get(s, "/v1/manage/types/" + enc(type))
        .onSuccess(
            t -> {
              if (!t.ok()) {
                notFound(ctx);
                return;
              }
              MultiMap form = ctx.request().formAttributes();
              List<String> shown = localesOf(form.get("locales"));
              JsonObject body = draftOf(t.json(), form, shown, new JsonObject()).put("type", type);
              api.send(s, HttpMethod.POST, "/v1/manage/entries", body, null)
                  .onSuccess(
                      a -> {
                        if (a.status() == 201) {
                          web.redirect(
                              ctx,
                              "/studio/entries/"
                                  + a.json().getString("id")
                                  + "?locales="
                                  + enc(String.join(",", shown))
                                  + "&created");
                        } else if (a.status() == 422) {
                          editor(
                              ctx,
                              422,
                              t.json(),
                              body,
                              shown,
                              labelsOf(form),
                              EntryForm.errors(a.json()),
                              problem(a));
                        } else {
                          failed(ctx, a);
                        }
                      })
                  .onFailure(ctx::fail);
            })
        .onFailure(ctx::fail);
  }

  private void edit(RoutingContext ctx) {
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
              return api.get(s, "/v1/manage/types/" + enc(e.json().getString("type")))
                  .compose(
                      t ->
                          referenceLabels(s, e.json())
                              .map(l -> new Object[] {e.json(), t.json(), l}));
            })
        .onSuccess(
            x -> {
              if (x == null) {
                notFound(ctx);
                return;
              }
              JsonObject entry = (JsonObject) x[0];
              @SuppressWarnings("unchecked")
              Map<String, String> labels = (Map<String, String>) x[2];
              String notice =
                  ctx.queryParams().contains("created")
                      ? "editor.created"
                      : ctx.queryParams().contains("saved")
                          ? "editor.saved"
                          : ctx.queryParams().contains("restored") ? "editor.restored" : null;
              presence.seen(id, StudioWeb.user(ctx));
              editor(
                  ctx,
                  200,
                  (JsonObject) x[1],
                  entry,
                  shownLocales(ctx, entry),
                  labels,
                  Map.of(),
                  notice == null ? null : web.page(ctx, "x", null).t().t(notice));
            })
        .onFailure(ctx::fail);
  }

  /** Saves the form as the entry's draft, with the version it was based on (If-Match). */
  private void save(RoutingContext ctx, boolean auto) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    UUID id = uuid(ctx);
    MultiMap form = ctx.request().formAttributes();
    String version = form.get("version");
    if (id == null || version == null || !version.matches("\\d{1,18}")) {
      notFound(ctx);
      return;
    }
    List<String> shown = localesOf(form.get("locales"));
    api.get(s, "/v1/manage/entries/" + id)
        .compose(
            e -> {
              if (!e.ok()) {
                return Future.succeededFuture((Object[]) null);
              }
              return api.get(s, "/v1/manage/types/" + enc(e.json().getString("type")))
                  .map(t -> new Object[] {e.json(), t.json()});
            })
        .onSuccess(
            x -> {
              if (x == null) {
                notFound(ctx);
                return;
              }
              JsonObject current = (JsonObject) x[0];
              JsonObject type = (JsonObject) x[1];
              JsonObject draft =
                  draftOf(type, form, shown, current.getJsonObject("fields", new JsonObject()));
              boolean unchanged =
                  draft.getJsonObject("fields").equals(current.getJsonObject("fields"))
                      && draft.getJsonArray("channels").equals(current.getJsonArray("channels"))
                      && draft
                          .getString("slug", current.getString("slug"))
                          .equals(current.getString("slug"));
              Page page = web.page(ctx, "editor.title", "content");
              if (unchanged && Long.parseLong(version) == current.getLong("version")) {
                if (auto) {
                  saveStatus(
                      ctx, page, 200, page.t().t("editor.upToDate"), current.getLong("version"));
                } else {
                  web.redirect(
                      ctx,
                      "/studio/entries/"
                          + id
                          + "?locales="
                          + enc(String.join(",", shown))
                          + "&saved");
                }
                return;
              }
              MultiMap h =
                  MultiMap.caseInsensitiveMultiMap()
                      .add("If-Match", "\"" + id + "-v" + version + "\"");
              api.send(s, HttpMethod.PUT, "/v1/manage/entries/" + id, draft, h)
                  .onSuccess(
                      a -> {
                        if (a.ok()) {
                          presence.seen(id, StudioWeb.user(ctx));
                          if (auto) {
                            saveStatus(
                                ctx,
                                page,
                                200,
                                page.t().f("editor.autosaved", a.json().getLong("version")),
                                a.json().getLong("version"));
                          } else {
                            web.redirect(
                                ctx,
                                "/studio/entries/"
                                    + id
                                    + "?locales="
                                    + enc(String.join(",", shown))
                                    + "&saved");
                          }
                        } else if (a.status() == 422) {
                          if (auto) {
                            saveStatus(
                                ctx,
                                page,
                                200,
                                page.t().f("editor.invalid", EntryForm.errors(a.json()).size()),
                                null);
                          } else {
                            draft
                                .put("id", id.toString())
                                .put("type", current.getString("type"))
                                .put("version", Long.parseLong(version))
                                .put("status", current.getString("status"));
                            editor(
                                ctx,
                                422,
                                type,
                                draft,
                                shown,
                                labelsOf(form),
                                EntryForm.errors(a.json()),
                                problem(a));
                          }
                        } else if (a.status() == 412) {
                          if (auto) {
                            saveStatus(ctx, page, 200, page.t().t("editor.conflictAuto"), null);
                          } else {
                            conflict(ctx, s, type, current, draft, Long.parseLong(version), shown);
                          }
                        } else {
                          failed(ctx, a);
                        }
                      })
                  .onFailure(ctx::fail);
            })
        .onFailure(ctx::fail);
  }

  private void saveStatus(RoutingContext ctx, Page page, int status, String text, Long version) {
    Map<String, Object> m = new HashMap<>();
    m.put("text", text);
    m.put("version", version);
    web.render(ctx, status, "save-status", page, m);
  }

  /**
   * Someone saved meanwhile (412): their draft beside this one, field by field, against the version
   * this one started from; fields only one side changed are taken from that side.
   */
  private void conflict(
      RoutingContext ctx,
      StudioSessions.Session s,
      JsonObject type,
      JsonObject current,
      JsonObject mine,
      long baseVersion,
      List<String> shown) {
    UUID id = UUID.fromString(current.getString("id"));
    api.get(s, "/v1/manage/entries/" + id + "/versions/" + baseVersion)
        .onSuccess(
            b -> {
              JsonObject base = b.json().getJsonObject("fields", new JsonObject());
              JsonObject theirs = current.getJsonObject("fields", new JsonObject());
              JsonObject ours = mine.getJsonObject("fields", new JsonObject());
              List<Merge.Choice> choices = Merge.choices(type, base, theirs, ours, shown);
              JsonObject merged = Merge.auto(type, base, theirs, ours);
              Page page = web.page(ctx, "conflict.title", "content");
              Map<String, Object> m = new HashMap<>();
              m.put("entry", current);
              m.put("choices", choices);
              m.put("merged", merged.encode());
              m.put("mine", ours.encode());
              m.put("locales", String.join(",", shown));
              m.put("channels", mine.getJsonArray("channels", new JsonArray()).encode());
              web.render(ctx, 409, "conflict", page, m);
            })
        .onFailure(ctx::fail);
  }

  /**
   * Saves the merge the editor chose after a conflict, on top of the version they compared with.
   */
  private void merge(RoutingContext ctx) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    UUID id = uuid(ctx);
    MultiMap form = ctx.request().formAttributes();
    String version = form.get("version");
    JsonObject merged;
    JsonObject mine;
    JsonArray channels;
    try {
      merged = new JsonObject(form.get("merged"));
      mine = new JsonObject(form.get("mine"));
      channels = new JsonArray(form.get("channelsJson"));
    } catch (RuntimeException e) {
      merged = null;
      mine = null;
      channels = null;
    }
    if (id == null || version == null || !version.matches("\\d{1,18}") || merged == null) {
      notFound(ctx);
      return;
    }
    Set<String> takeMine = new LinkedHashSet<>();
    for (Map.Entry<String, String> e : form) {
      if (e.getKey().startsWith("pick.") && "mine".equals(e.getValue())) {
        takeMine.add(e.getKey().substring(5));
      }
    }
    JsonObject body =
        new JsonObject()
            .put("fields", Merge.resolve(merged, mine, takeMine))
            .put("channels", channels);
    List<String> shown = localesOf(form.get("locales"));
    MultiMap h =
        MultiMap.caseInsensitiveMultiMap().add("If-Match", "\"" + id + "-v" + version + "\"");
    api.send(s, HttpMethod.PUT, "/v1/manage/entries/" + id, body, h)
        .onSuccess(
            a -> {
              if (a.ok()) {
                web.redirect(
                    ctx,
                    "/studio/entries/"
                        + id
                        + "?locales="
                        + enc(String.join(",", shown))
                        + "&saved");
              } else if (a.status() == 412) {
                Page page = web.page(ctx, "conflict.title", "content");
                web.error(ctx, 409, page, page.t().t("conflict.again"));
              } else {
                failed(ctx, a);
              }
            })
        .onFailure(ctx::fail);
  }

  private void editor(
      RoutingContext ctx,
      int status,
      JsonObject type,
      JsonObject entry,
      List<String> shown,
      Map<String, String> labels,
      Map<String, String> errors,
      String message) {
    Page page =
        web.page(ctx, entry.getString("id") == null ? "editor.new" : "editor.title", "content");
    if (status == 422 && message != null) {
      page.alert(message);
    } else if (message != null) {
      page.notice(message);
    }
    Map<String, Object> m = new HashMap<>();
    m.put("type", type);
    m.put("entry", entry);
    m.put("title", entry.getString("id") == null ? "" : EntryForm.title(entry, shown));
    m.put(
        "fields",
        EntryForm.view(
            type, entry.getJsonObject("fields", new JsonObject()), shown, labels, errors));
    m.put("shown", shown);
    m.put("allLocales", locales);
    m.put("channels", CHANNELS);
    m.put("chosen", entry.getJsonArray("channels", new JsonArray()).getList());
    m.put("errors", errors);
    m.put("status", entry.getString("id") == null ? "new" : statusOf(entry));
    web.render(ctx, status, "editor", page, m);
  }

  // --- versions ---

  private void versions(RoutingContext ctx) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    UUID id = uuid(ctx);
    if (id == null) {
      notFound(ctx);
      return;
    }
    Future<ApiClient.Answer> e = api.get(s, "/v1/manage/entries/" + id);
    Future<ApiClient.Answer> v = api.get(s, "/v1/manage/entries/" + id + "/versions");
    Future.all(e, v)
        .onSuccess(
            x -> {
              if (!e.result().ok()) {
                notFound(ctx);
                return;
              }
              Page page = web.page(ctx, "versions.title", "content");
              Map<String, Object> m = new HashMap<>();
              m.put("entry", e.result().json());
              m.put("title", EntryForm.title(e.result().json(), locales));
              List<JsonObject> items = new ArrayList<>();
              v.result()
                  .json()
                  .getJsonArray("items", new JsonArray())
                  .forEach(o -> items.add((JsonObject) o));
              java.util.Collections.reverse(items);
              m.put("versions", items);
              web.render(ctx, 200, "versions", page, m);
            })
        .onFailure(ctx::fail);
  }

  private void diff(RoutingContext ctx) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    UUID id = uuid(ctx);
    String from = ctx.queryParams().get("from");
    String to = ctx.queryParams().get("to");
    if (id == null
        || from == null
        || to == null
        || !from.matches("\\d{1,18}")
        || !to.matches("\\d{1,18}")) {
      notFound(ctx);
      return;
    }
    Future<ApiClient.Answer> a = api.get(s, "/v1/manage/entries/" + id + "/versions/" + from);
    Future<ApiClient.Answer> b = api.get(s, "/v1/manage/entries/" + id + "/versions/" + to);
    Future.all(a, b)
        .onSuccess(
            x -> {
              if (!a.result().ok() || !b.result().ok()) {
                notFound(ctx);
                return;
              }
              Page page = web.page(ctx, "diff.title", "content");
              Map<String, Object> m = new HashMap<>();
              m.put("id", id.toString());
              m.put("from", from);
              m.put("to", to);
              m.put("rows", Merge.sideBySide(a.result().json(), b.result().json()));
              web.render(ctx, 200, "diff", page, m);
            })
        .onFailure(ctx::fail);
  }

  private void restore(RoutingContext ctx) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    UUID id = uuid(ctx);
    String v = ctx.pathParam("v");
    String current = ctx.request().getFormAttribute("version");
    if (id == null
        || v == null
        || !v.matches("\\d{1,18}")
        || current == null
        || !current.matches("\\d{1,18}")) {
      notFound(ctx);
      return;
    }
    MultiMap h =
        MultiMap.caseInsensitiveMultiMap().add("If-Match", "\"" + id + "-v" + current + "\"");
    api.send(
            s, HttpMethod.POST, "/v1/manage/entries/" + id + "/versions/" + v + "/restore", null, h)
        .onSuccess(
            a -> {
              if (a.ok()) {
                web.redirect(ctx, "/studio/entries/" + id + "?restored");
              } else {
                failed(ctx, a);
              }
            })
        .onFailure(ctx::fail);
  }

  // --- presence ---

  private void presence(RoutingContext ctx) {
    UUID id = uuid(ctx);
    if (id == null) {
      notFound(ctx);
      return;
    }
    StudioUser me = StudioWeb.user(ctx);
    presence
        .seen(id, me)
        .compose(x -> presence.others(id, me))
        .onSuccess(
            names -> {
              Page page = web.page(ctx, "editor.title", "content");
              web.render(ctx, 200, "presence", page, Map.of("names", names));
            })
        .onFailure(ctx::fail);
  }

  // --- helpers the editor calls ---

  private void markdown(RoutingContext ctx) {
    MultiMap form = ctx.request().formAttributes();
    String source = form.get("source");
    String md = source == null ? null : form.get(source);
    String html = md == null ? "" : RichText.render(md).getString("html");
    web.headers(ctx).putHeader("Content-Type", "text/html; charset=utf-8").end(html);
  }

  private void transliterate(RoutingContext ctx) {
    String text = ctx.request().getFormAttribute("text");
    String to = ctx.request().getFormAttribute("to");
    if (text == null || text.length() > 500_000 || to == null) {
      ctx.response().setStatusCode(400).end();
      return;
    }
    String out =
        "sr-Latn".equals(to) ? Transliteration.toLatin(text) : Transliteration.toCyrillic(text);
    web.headers(ctx).putHeader("Content-Type", "text/plain; charset=utf-8").end(out);
  }

  /** The reference picker: entries of the allowed types found by the index. */
  private void pick(RoutingContext ctx) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    String q = limit(ctx.queryParams().get("q"), MAX_QUERY);
    String types = ctx.queryParams().get("types");
    String target = ctx.queryParams().get("target");
    Page page = web.page(ctx, "editor.title", "content");
    if (q == null || q.isBlank() || target == null || !target.matches("[A-Za-z0-9_\\-]{1,300}")) {
      web.render(
          ctx,
          200,
          "picks",
          page,
          Map.of(
              "hits",
              List.of(),
              "target",
              target == null ? "" : target,
              "titles",
              Map.of(),
              "site",
              web.config.siteUrl()));
      return;
    }
    String typeFilter =
        types == null || !types.matches("[a-z0-9_,-]{1,500}") ? "" : "&type=" + enc(types);
    api.get(s, "/v1/search?limit=8" + typeFilter + "&q=" + enc(q))
        .onSuccess(
            a -> {
              List<EntryForm.Ref> hits = new ArrayList<>();
              Map<String, String> titles = new HashMap<>();
              Set<String> seen = new LinkedHashSet<>();
              for (Object o : a.json().getJsonArray("hits", new JsonArray())) {
                JsonObject h = (JsonObject) o;
                if (seen.add(h.getString("id"))) {
                  titles.put(h.getString("id"), h.getString("title", h.getString("id")));
                  hits.add(
                      new EntryForm.Ref(
                          h.getString("id"),
                          h.getString("title", h.getString("id"))
                              + " · "
                              + h.getString("type", "")));
                }
              }
              web.render(
                  ctx,
                  200,
                  "picks",
                  page,
                  Map.of(
                      "hits",
                      hits,
                      "target",
                      target,
                      "titles",
                      titles,
                      "site",
                      web.config.siteUrl()));
            })
        .onFailure(ctx::fail);
  }

  // --- shared ---

  /** The entry body for the api from a form: slug, channels and the fields. */
  private static JsonObject draftOf(
      JsonObject type, MultiMap form, List<String> shown, JsonObject currentFields) {
    JsonObject body =
        new JsonObject().put("fields", EntryForm.read(type, form, shown, currentFields));
    JsonArray ch = new JsonArray();
    for (String c : form.getAll("channels")) {
      if (CHANNELS.contains(c) && !ch.contains(c)) {
        ch.add(c);
      }
    }
    body.put("channels", ch);
    String slug = form.get("slug");
    if (slug != null && !slug.isBlank()) {
      body.put("slug", slug.strip());
    }
    return body;
  }

  /**
   * Labels of the references in a submitted form (kept in data attributes), for showing it again.
   */
  private static Map<String, String> labelsOf(MultiMap form) {
    Map<String, String> out = new HashMap<>();
    for (Map.Entry<String, String> e : form) {
      if (e.getKey().startsWith("label.")) {
        out.put(e.getKey().substring(6), e.getValue());
      }
    }
    return out;
  }

  /** Titles of the entries an entry references, for the editor's reference lists. */
  private Future<Map<String, String>> referenceLabels(StudioSessions.Session s, JsonObject entry) {
    Set<String> ids = new LinkedHashSet<>();
    collectIds(entry.getJsonObject("fields", new JsonObject()), ids);
    if (ids.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    List<String> some = new ArrayList<>(ids).subList(0, Math.min(ids.size(), 100));
    return api.get(s, "/v1/manage/entries?limit=100&ids=" + enc(String.join(",", some)))
        .map(
            a -> {
              Map<String, String> out = new HashMap<>();
              for (Object o : a.json().getJsonArray("items", new JsonArray())) {
                JsonObject e = (JsonObject) o;
                out.put(
                    e.getString("id"), EntryForm.title(e, locales) + " · " + e.getString("type"));
              }
              return out;
            });
  }

  private static final Pattern UUID_TEXT =
      Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

  private static void collectIds(Object v, Set<String> ids) {
    if (v instanceof String s && UUID_TEXT.matcher(s).matches()) {
      ids.add(s);
    } else if (v instanceof JsonObject o) {
      o.forEach(e -> collectIds(e.getValue(), ids));
    } else if (v instanceof JsonArray a) {
      a.forEach(x -> collectIds(x, ids));
    }
  }

  /** The locales shown side by side: as asked, else those with content, else the default one. */
  private List<String> shownLocales(RoutingContext ctx, JsonObject entry) {
    String asked = ctx.queryParams().get("locales");
    if (asked == null && !ctx.queryParams().getAll("l").isEmpty()) {
      asked = String.join(",", ctx.queryParams().getAll("l"));
    }
    if (asked != null) {
      List<String> l = localesOf(asked);
      if (!l.isEmpty()) {
        return l;
      }
    }
    Set<String> have = new LinkedHashSet<>();
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
      if (have.contains(l) && out.size() < 3) {
        out.add(l);
      }
    }
    return out.isEmpty() ? List.of(locales.get(0)) : out;
  }

  private List<String> localesOf(String csv) {
    List<String> out = new ArrayList<>();
    if (csv != null) {
      for (String l : csv.split(",")) {
        if (locales.contains(l.strip()) && !out.contains(l.strip()) && out.size() < 4) {
          out.add(l.strip());
        }
      }
    }
    return out.isEmpty() ? List.of(locales.get(0)) : out;
  }

  private static String problem(ApiClient.Answer a) {
    return a.json().getString("detail", a.json().getString("title", "HTTP " + a.status()));
  }

  private void failed(RoutingContext ctx, ApiClient.Answer a) {
    Page page = web.page(ctx, a.status() == 403 ? "forbidden.title" : "failure.title", "content");
    web.error(ctx, a.status() >= 500 ? 502 : a.status(), page, problem(a));
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

  private static String limit(String s, int max) {
    return s == null ? null : s.length() > max ? s.substring(0, max) : s;
  }

  private static String oneOf(String s, List<String> allowed) {
    return s != null && allowed.contains(s) ? s : null;
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static void add(StringBuilder path, String name, String value) {
    if (value != null && !value.isEmpty()) {
      path.append('&').append(name).append('=').append(enc(value));
    }
  }
}
