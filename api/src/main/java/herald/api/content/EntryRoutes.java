package herald.api.content;

import herald.api.auth.ApiKeys;
import herald.api.auth.Principal;
import herald.api.auth.Role;
import herald.api.http.Bodies;
import herald.api.http.ProblemException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Management of entries: drafts, versions, publish, unpublish. */
public final class EntryRoutes {
  private final Pool pool;
  private final EntryRepository entries;
  private final VersionRepository versions;
  private final EntryService service;
  private final ApiKeys keys;
  private final List<String> locales;
  private final CursorCodec cursors;

  public EntryRoutes(
      Pool pool,
      EntryRepository entries,
      VersionRepository versions,
      EntryService service,
      ApiKeys keys,
      List<String> locales,
      CursorCodec cursors) {
    this.cursors = cursors;
    this.pool = pool;
    this.entries = entries;
    this.versions = versions;
    this.service = service;
    this.keys = keys;
    this.locales = List.copyOf(locales);
  }

  public void mount(Router router) {
    router.get("/v1/manage/entries").handler(keys.require(Role.AUTHOR)).handler(this::list);
    router.post("/v1/manage/entries").handler(keys.require(Role.AUTHOR)).handler(this::create);
    router.get("/v1/manage/entries/:id").handler(keys.require(Role.AUTHOR)).handler(this::get);
    router.put("/v1/manage/entries/:id").handler(keys.require(Role.AUTHOR)).handler(this::update);
    router
        .delete("/v1/manage/entries/:id")
        .handler(keys.require(Role.EDITOR))
        .handler(this::delete);
    router
        .get("/v1/manage/entries/:id/versions")
        .handler(keys.require(Role.AUTHOR))
        .handler(this::versions);
    router
        .get("/v1/manage/entries/:id/versions/:version")
        .handler(keys.require(Role.AUTHOR))
        .handler(this::version);
    router
        .get("/v1/manage/entries/:id/diff")
        .handler(keys.require(Role.AUTHOR))
        .handler(this::diff);
    router
        .post("/v1/manage/entries/:id/versions/:version/restore")
        .handler(keys.require(Role.AUTHOR))
        .handler(this::restore);
    router
        .post("/v1/manage/entries/:id/publish")
        .handler(keys.require(Role.EDITOR))
        .handler(this::publish);
    router
        .post("/v1/manage/entries/:id/unpublish")
        .handler(keys.require(Role.EDITOR))
        .handler(this::unpublish);
  }

  private void list(RoutingContext ctx) {
    EntryList query = EntryList.parse(ctx.queryParams(), cursors);
    query.page(pool, cursors).onSuccess(page -> Bodies.send(ctx, 200, page)).onFailure(ctx::fail);
  }

  private void create(RoutingContext ctx) {
    JsonObject body = Bodies.object(ctx);
    reply(ctx, 201, service.create(actor(ctx), body));
  }

  private void get(RoutingContext ctx) {
    UUID id = Bodies.uuidParam(ctx, "id");
    reply(ctx, 200, existing(id));
  }

  private void update(RoutingContext ctx) {
    UUID id = Bodies.uuidParam(ctx, "id");
    JsonObject body = Bodies.object(ctx);
    reply(ctx, 200, service.update(actor(ctx), id, ctx.request().getHeader("If-Match"), body));
  }

  private void delete(RoutingContext ctx) {
    UUID id = Bodies.uuidParam(ctx, "id");
    service
        .delete(actor(ctx), id, ctx.request().getHeader("If-Match"))
        .onSuccess(x -> ctx.response().setStatusCode(204).end())
        .onFailure(ctx::fail);
  }

  private void versions(RoutingContext ctx) {
    UUID id = Bodies.uuidParam(ctx, "id");
    existing(id)
        .compose(e -> versions.list(pool, id))
        .onSuccess(
            list -> {
              JsonArray items = new JsonArray();
              list.forEach(v -> items.add(v.toJson()));
              Bodies.send(ctx, 200, new JsonObject().put("items", items));
            })
        .onFailure(ctx::fail);
  }

  private void version(RoutingContext ctx) {
    UUID id = Bodies.uuidParam(ctx, "id");
    long v = versionParam(ctx.pathParam("version"), "version");
    findVersion(id, v).onSuccess(ver -> Bodies.send(ctx, 200, ver.toJson())).onFailure(ctx::fail);
  }

  private void diff(RoutingContext ctx) {
    UUID id = Bodies.uuidParam(ctx, "id");
    for (String p : ctx.queryParams().names()) {
      if (!p.equals("from") && !p.equals("to")) {
        throw ProblemException.badRequest("Unknown query parameter '" + p + "'; use from and to.");
      }
    }
    long from = versionParam(ctx.queryParams().get("from"), "from");
    long to = versionParam(ctx.queryParams().get("to"), "to");
    findVersion(id, from)
        .compose(a -> findVersion(id, to).map(b -> new VersionRepository.Version[] {a, b}))
        .onSuccess(
            ab ->
                Bodies.send(
                    ctx,
                    200,
                    new JsonObject()
                        .put("entryId", id.toString())
                        .put("from", from)
                        .put("to", to)
                        .put("changes", JsonDiff.diff(content(ab[0]), content(ab[1])))))
        .onFailure(ctx::fail);
  }

  private void restore(RoutingContext ctx) {
    UUID id = Bodies.uuidParam(ctx, "id");
    long v = versionParam(ctx.pathParam("version"), "version");
    reply(ctx, 200, service.restore(actor(ctx), id, v, ctx.request().getHeader("If-Match")));
  }

  private void publish(RoutingContext ctx) {
    UUID id = Bodies.uuidParam(ctx, "id");
    reply(ctx, 200, service.publish(actor(ctx), id, localesParam(ctx)));
  }

  private void unpublish(RoutingContext ctx) {
    UUID id = Bodies.uuidParam(ctx, "id");
    reply(ctx, 200, service.unpublish(actor(ctx), id, localesParam(ctx)));
  }

  /** The optional body {@code {"locales": [...]}} of publish and unpublish; null = all locales. */
  private List<String> localesParam(RoutingContext ctx) {
    if (Bodies.isEmpty(ctx)) {
      return null;
    }
    return localesOf(Bodies.object(ctx).getValue("locales"), locales);
  }

  static List<String> localesOf(Object value, List<String> configured) {
    if (value == null) {
      return null;
    }
    if (!(value instanceof JsonArray a) || a.isEmpty()) {
      throw ProblemException.invalid(
          "locales must be a non-empty array.",
          new JsonArray().add(ProblemException.fieldError("locales", "a non-empty array")));
    }
    List<String> out = new ArrayList<>();
    for (Object o : a) {
      if (!(o instanceof String s) || !configured.contains(s)) {
        throw ProblemException.invalid(
            "Unknown locale " + o + ".",
            new JsonArray()
                .add(
                    ProblemException.fieldError(
                        "locales", "unknown locale '" + o + "'; configured: " + configured)));
      }
      if (!out.contains(s)) {
        out.add(s);
      }
    }
    return out;
  }

  private Future<Entry> existing(UUID id) {
    return entries
        .find(pool, id)
        .map(e -> e.orElseThrow(() -> ProblemException.notFound("No entry " + id + ".")));
  }

  private Future<VersionRepository.Version> findVersion(UUID id, long v) {
    return versions
        .find(pool, id, v)
        .map(
            found ->
                found.orElseThrow(
                    () -> ProblemException.notFound("Entry " + id + " has no version " + v + ".")));
  }

  private static JsonObject content(VersionRepository.Version v) {
    return new JsonObject()
        .put("slug", v.slug())
        .put("fields", v.fields())
        .put("channels", v.channels());
  }

  private static long versionParam(String s, String name) {
    try {
      long v = Long.parseLong(s == null ? "" : s);
      if (v > 0) {
        return v;
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    throw ProblemException.badRequest(name + " must be a version number (1, 2, …).");
  }

  static Principal actor(RoutingContext ctx) {
    return ctx.get(Principal.CONTEXT_KEY);
  }

  private static void reply(RoutingContext ctx, int status, Future<Entry> result) {
    result
        .onSuccess(
            e -> {
              ctx.response().putHeader("ETag", e.etag());
              if (status == 201) {
                ctx.response().putHeader("Location", "/v1/manage/entries/" + e.id());
              }
              Bodies.send(ctx, status, e.toManagementJson());
            })
        .onFailure(ctx::fail);
  }
}
