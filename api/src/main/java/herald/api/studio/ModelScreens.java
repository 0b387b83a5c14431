package herald.api.studio;

import herald.api.auth.Role;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The admin's content model screens: the types, and each type's fields as rows of a form; the api's
 * 409 for a change that would drop values entries hold is explained, with a forced save.
 */
final class ModelScreens {
  static final List<String> FIELD_TYPES =
      List.of(
          "text",
          "richtext",
          "number",
          "boolean",
          "date",
          "datetime",
          "url",
          "email",
          "enum",
          "tags",
          "location",
          "reference",
          "references",
          "media",
          "group");
  private static final Pattern ID = Pattern.compile("[a-z][a-z0-9_-]{0,63}");
  private static final Pattern FIELD_ID = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,63}");

  private final StudioWeb web;
  private final ApiClient api;

  ModelScreens(StudioWeb web, ApiClient api) {
    this.web = web;
    this.api = api;
  }

  void mount(Router r) {
    r.get("/admin/types").handler(web.require(Role.ADMIN)).handler(this::types);
    r.post("/admin/types").handler(web.require(Role.ADMIN)).handler(this::createType);
    r.get("/admin/types/:id").handler(web.require(Role.ADMIN)).handler(this::type);
    r.post("/admin/types/:id").handler(web.require(Role.ADMIN)).handler(this::saveType);
  }

  private void types(RoutingContext ctx) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    api.get(s, "/v1/manage/types")
        .onSuccess(
            a -> {
              Map<String, Object> m = new HashMap<>();
              m.put("types", NewsletterScreens.objects(a.json().getJsonArray("items")));
              web.render(ctx, 200, "admin-types", web.page(ctx, "admin.types", "admin"), m);
            })
        .onFailure(ctx::fail);
  }

  private void createType(RoutingContext ctx) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    String id = StudioWeb.form(ctx, "id");
    String name = StudioWeb.form(ctx, "name");
    JsonObject body =
        new JsonObject()
            .put("id", id == null ? "" : id)
            .put("name", name == null || name.isEmpty() ? id : name)
            .put(
                "fields",
                new JsonArray()
                    .add(
                        new JsonObject()
                            .put("id", "title")
                            .put("type", "text")
                            .put("required", true)
                            .put("localized", true)));
    api.send(s, HttpMethod.POST, "/v1/manage/types", body, null)
        .onSuccess(
            a -> {
              if (a.ok()) {
                web.redirect(ctx, "/studio/admin/types/" + a.json().getString("id") + "?created");
              } else {
                failed(ctx, a);
              }
            })
        .onFailure(ctx::fail);
  }

  private void type(RoutingContext ctx) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    String id = ctx.pathParam("id");
    if (!ID.matcher(id).matches()) {
      notFound(ctx);
      return;
    }
    api.get(s, "/v1/manage/types/" + id)
        .onSuccess(
            a -> {
              if (!a.ok()) {
                notFound(ctx);
                return;
              }
              Page page = web.page(ctx, "admin.type", "admin");
              if (ctx.queryParams().contains("saved")) {
                page.notice(page.t().t("admin.typeSaved"));
              } else if (ctx.queryParams().contains("created")) {
                page.notice(page.t().t("admin.typeCreated"));
              }
              typeEditor(ctx, 200, page, a.json(), rows(a.json()), null);
            })
        .onFailure(ctx::fail);
  }

  private static List<FieldRow> rows(JsonObject type) {
    List<FieldRow> out = new ArrayList<>();
    for (JsonObject f : NewsletterScreens.objects(type.getJsonArray("fields"))) {
      JsonObject extra = f.copy();
      for (String k : List.of("id", "type", "required", "localized", "values", "referenceTypes")) {
        extra.remove(k);
      }
      out.add(
          new FieldRow(
              f.getString("id"),
              f.getString("type"),
              f.getBoolean("required", false),
              f.getBoolean("localized", false),
              join(f.getJsonArray("values")),
              join(f.getJsonArray("referenceTypes")),
              extra.encode(),
              true,
              false));
    }
    return out;
  }

  private static String join(JsonArray a) {
    if (a == null) {
      return "";
    }
    List<String> out = new ArrayList<>();
    a.forEach(o -> out.add(String.valueOf(o)));
    return String.join(", ", out);
  }

  /**
   * Saves the fields as edited (rows {@code f.N.*}; a row marked removed is left out, a new row
   * without an id is ignored); {@code force} confirms a change the api refused with 409.
   */
  private void saveType(RoutingContext ctx) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    String id = ctx.pathParam("id");
    if (!ID.matcher(id).matches()) {
      notFound(ctx);
      return;
    }
    MultiMap form = ctx.request().formAttributes();
    List<FieldRow> rows = new ArrayList<>();
    JsonArray fields = new JsonArray();
    List<String> bad = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      String p = "f." + i + ".";
      if (form.get(p + "type") == null) {
        break;
      }
      String fid = strip(form.get(p + "id"));
      boolean existing = "true".equals(form.get(p + "existing"));
      if (fid.isEmpty() && !existing) {
        continue;
      }
      FieldRow row =
          new FieldRow(
              fid,
              strip(form.get(p + "type")),
              form.get(p + "required") != null,
              form.get(p + "localized") != null,
              strip(form.get(p + "values")),
              strip(form.get(p + "referenceTypes")),
              form.get(p + "extra") == null ? "{}" : form.get(p + "extra"),
              existing,
              form.get(p + "remove") != null);
      rows.add(row);
      if (row.remove()) {
        continue;
      }
      if (!FIELD_ID.matcher(fid).matches() || !FIELD_TYPES.contains(row.type())) {
        bad.add(fid.isEmpty() ? "?" : fid);
        continue;
      }
      JsonObject f;
      try {
        f = new JsonObject(row.extra());
      } catch (RuntimeException e) {
        f = new JsonObject();
      }
      f.put("id", fid).put("type", row.type());
      if (row.required()) {
        f.put("required", true);
      }
      if (row.localized()) {
        f.put("localized", true);
      }
      if (!row.values().isEmpty()) {
        f.put("values", list(row.values()));
      }
      if (!row.referenceTypes().isEmpty()) {
        f.put("referenceTypes", list(row.referenceTypes()));
      }
      fields.add(f);
    }
    boolean force = "true".equals(form.get("force"));
    api.get(s, "/v1/manage/types/" + id)
        .compose(
            current -> {
              if (!current.ok()) {
                return Future.succeededFuture(current);
              }
              JsonObject body = current.json().copy();
              body.remove("createdAt");
              body.remove("updatedAt");
              body.remove("version");
              String name = StudioWeb.form(ctx, "name");
              if (name != null && !name.isEmpty()) {
                body.put("name", name);
              }
              body.put("fields", fields);
              if (!bad.isEmpty()) {
                Page page = web.page(ctx, "admin.type", "admin");
                page.alert(page.t().f("admin.badFields", String.join(", ", bad)));
                typeEditor(ctx, 422, page, body, rows, null);
                return Future.succeededFuture((ApiClient.Answer) null);
              }
              return api.send(
                      s,
                      HttpMethod.PUT,
                      "/v1/manage/types/" + id + (force ? "?force=true" : ""),
                      body,
                      null)
                  .map(
                      a -> {
                        if (a.status() == 409 || a.status() == 422) {
                          Page page = web.page(ctx, "admin.type", "admin");
                          page.alert(a.json().getString("detail", "HTTP " + a.status()));
                          typeEditor(ctx, a.status(), page, body, rows, a.json());
                          return null;
                        }
                        return a;
                      });
            })
        .onSuccess(
            a -> {
              if (a == null) {
                return;
              }
              if (a.ok()) {
                web.redirect(ctx, "/studio/admin/types/" + id + "?saved");
              } else {
                failed(ctx, a);
              }
            })
        .onFailure(ctx::fail);
  }

  private void typeEditor(
      RoutingContext ctx,
      int status,
      Page page,
      JsonObject type,
      List<FieldRow> rows,
      JsonObject problem) {
    Map<String, Object> m = new HashMap<>();
    m.put("type", type);
    m.put("rows", rows);
    m.put("fieldTypes", FIELD_TYPES);
    m.put("conflict", problem != null && problem.getInteger("status", 0) == 409);
    List<String> errors = new ArrayList<>();
    if (problem != null) {
      for (JsonObject e : NewsletterScreens.objects(problem.getJsonArray("errors"))) {
        errors.add(e.getString("field", "") + ": " + e.getString("detail", ""));
      }
    }
    m.put("errors", errors);
    web.render(ctx, status, "admin-type", page, m);
  }

  private void failed(RoutingContext ctx, ApiClient.Answer a) {
    AdminScreens.failed(web, ctx, a);
  }

  private void notFound(RoutingContext ctx) {
    AdminScreens.notFound(web, ctx);
  }

  private static String strip(String s) {
    return AdminScreens.strip(s);
  }

  /** Comma-separated values as a JSON array, blanks left out. */
  private static JsonArray list(String csv) {
    JsonArray out = new JsonArray();
    for (String v : csv.split(",")) {
      if (!v.isBlank()) {
        out.add(v.strip());
      }
    }
    return out;
  }
}
