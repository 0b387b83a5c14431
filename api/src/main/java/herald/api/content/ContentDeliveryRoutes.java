package herald.api.content;

import herald.api.auth.ApiKeys;
import herald.api.auth.Role;
import herald.api.http.Bodies;
import herald.api.http.ProblemException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The delivery API (published content) and the preview API (latest drafts, for preview keys): lists
 * with filters, sort, cursor pagination, field selection and linked entries, one entry by id or by
 * slug; strong ETags, Cache-Control and surrogate keys.
 */
public final class ContentDeliveryRoutes {
  private static final Set<String> ONE_PARAMS = Set.of("locale", "include", "fields");
  private final Pool pool;
  private final EntryRepository entries;
  private final TypeCache types;
  private final ApiKeys keys;
  private final List<String> locales;
  private final boolean publicDelivery;
  private final EntryView view;
  private final CursorCodec cursors;
  private final ResponseCache cache;
  private final EntryValidator validator;

  public ContentDeliveryRoutes(
      Pool pool,
      EntryRepository entries,
      TypeCache types,
      ApiKeys keys,
      List<String> locales,
      boolean publicDelivery,
      EntryView view,
      CursorCodec cursors,
      ResponseCache cache) {
    this.pool = pool;
    this.entries = entries;
    this.types = types;
    this.keys = keys;
    this.locales = List.copyOf(locales);
    this.publicDelivery = publicDelivery;
    this.view = view;
    this.cursors = cursors;
    this.cache = cache;
    this.validator = new EntryValidator(locales);
  }

  public void mount(Router router) {
    router.get("/v1/entries").handler(access()).handler(cached(this::list));
    router.get("/v1/entries/:id").handler(access()).handler(cached(this::byId));
    router.get("/v1/types/:type/entries/:slug").handler(access()).handler(cached(this::bySlug));
    router
        .get("/v1/preview/entries")
        .handler(keys.require(Role.PREVIEW))
        .handler(this::previewList);
    router
        .get("/v1/preview/entries/:id")
        .handler(keys.require(Role.PREVIEW))
        .handler(this::previewById);
    router
        .get("/v1/preview/types/:type/entries/:slug")
        .handler(keys.require(Role.PREVIEW))
        .handler(this::previewBySlug);
  }

  /**
   * Answers a GET for public content from the response cache, before body handling and contract
   * validation; anything else goes on.
   */
  public Handler<RoutingContext> fastPath() {
    return ctx -> {
      if (publicDelivery && ctx.request().getHeader("Authorization") == null) {
        ResponseCache.Cached hit = cache.peek(ctx.request().uri());
        if (hit != null) {
          send(ctx, hit, true);
          return;
        }
      }
      ctx.next();
    };
  }

  /** Published content is public unless HERALD_PUBLIC_DELIVERY=false asks for delivery keys. */
  private Handler<RoutingContext> access() {
    return keys.deliveryAccess(publicDelivery);
  }

  /** A response body with the surrogate keys of the entries (and lists) it shows. */
  private record Result(JsonObject body, Set<String> keys) {}

  private interface Producer {
    Future<Result> produce(RoutingContext ctx);
  }

  /** Serves from the response cache, or computes, caches and serves. */
  private Handler<RoutingContext> cached(Producer producer) {
    return ctx -> {
      String key = ctx.request().uri();
      ResponseCache.Cached hit = cache.get(key);
      if (hit != null) {
        send(ctx, hit, true);
        return;
      }
      long gen = cache.generation();
      producer
          .produce(ctx)
          .onSuccess(
              r -> {
                ResponseCache.Cached c = toCached(r);
                cache.put(key, gen, c);
                send(ctx, c, true);
              })
          .onFailure(ctx::fail);
    };
  }

  private void previewList(RoutingContext ctx) {
    respondUncached(ctx, listOf(ctx, EntryQuery.Source.DRAFT));
  }

  private void previewById(RoutingContext ctx) {
    respondUncached(ctx, oneById(ctx, EntryQuery.Source.DRAFT));
  }

  private void previewBySlug(RoutingContext ctx) {
    respondUncached(ctx, oneBySlug(ctx, EntryQuery.Source.DRAFT));
  }

  private Future<Result> list(RoutingContext ctx) {
    return listOf(ctx, EntryQuery.Source.PUBLISHED);
  }

  private Future<Result> byId(RoutingContext ctx) {
    return oneById(ctx, EntryQuery.Source.PUBLISHED);
  }

  private Future<Result> bySlug(RoutingContext ctx) {
    return oneBySlug(ctx, EntryQuery.Source.PUBLISHED);
  }

  private Future<Result> listOf(RoutingContext ctx, EntryQuery.Source source) {
    MultiMap q = ctx.queryParams();
    String typeId = q.get("type");
    Future<Optional<ContentType>> type =
        typeId == null ? Future.succeededFuture(Optional.empty()) : types.get(typeId);
    return type.compose(
        t -> {
          if (typeId != null && t.isEmpty()) {
            throw ProblemException.badRequest("Unknown content type '" + typeId + "'.");
          }
          EntryQuery query = EntryQuery.parse(q, source, t.orElse(null), locales, cursors);
          return pool.preparedQuery(query.sql())
              .execute(query.params())
              .compose(
                  rs -> {
                    List<Entry> page = new ArrayList<>();
                    String lastKey = null;
                    int n = 0;
                    for (Row r : rs) {
                      if (n++ == query.limit) {
                        break;
                      }
                      page.add(EntryRepository.toEntry(r));
                      lastKey = r.getString("sort_key");
                    }
                    boolean more = rs.size() > query.limit;
                    String next =
                        more ? query.next(cursors, lastKey, page.get(page.size() - 1).id()) : null;
                    return contents(page, source)
                        .compose(
                            cs -> {
                              Set<String> keys = new LinkedHashSet<>();
                              keys.add(typeId == null ? "type:*" : "type:" + typeId);
                              List<UUID> refs = new ArrayList<>();
                              JsonArray items = new JsonArray();
                              for (EntryView.Content c : cs) {
                                items.add(view.render(c, query.locale, query.select, refs));
                                keys.add(c.entry().id().toString());
                              }
                              Set<UUID> shown = new LinkedHashSet<>();
                              cs.forEach(c -> shown.add(c.entry().id()));
                              return includes(
                                      refs, shown, query.include, query.locale, source, keys)
                                  .map(
                                      inc ->
                                          new Result(
                                              new JsonObject()
                                                  .put("items", items)
                                                  .put("nextCursor", next)
                                                  .put("includes", inc),
                                              keys));
                            });
                  });
        });
  }

  private Future<Result> oneById(RoutingContext ctx, EntryQuery.Source source) {
    checkOneParams(ctx);
    UUID id = Bodies.uuidParam(ctx, "id");
    return entries.find(pool, id).compose(e -> one(ctx, e, source, "entry " + id));
  }

  private Future<Result> oneBySlug(RoutingContext ctx, EntryQuery.Source source) {
    checkOneParams(ctx);
    String type = ctx.pathParam("type");
    String slug = ctx.pathParam("slug");
    return entries
        .findBySlug(pool, type, slug)
        .compose(e -> one(ctx, e, source, type + " '" + slug + "'"));
  }

  private Future<Result> one(
      RoutingContext ctx, Optional<Entry> found, EntryQuery.Source source, String what) {
    String locale = ctx.queryParams().get("locale");
    int include = includeParam(ctx.queryParams().get("include"));
    if (found.isEmpty()
        || source == EntryQuery.Source.PUBLISHED && found.get().published() == null) {
      throw ProblemException.notFound(
          "No " + (source == EntryQuery.Source.PUBLISHED ? "published " : "") + what + ".");
    }
    return contents(List.of(found.get()), source)
        .compose(
            cs -> {
              EntryView.Content c = cs.get(0);
              Set<String> select = selectParam(ctx.queryParams().get("fields"), c);
              List<UUID> refs = new ArrayList<>();
              JsonObject body = view.render(c, locale, select, refs);
              Set<String> keys = new LinkedHashSet<>();
              keys.add(c.entry().id().toString());
              if (include == 0) {
                return Future.succeededFuture(new Result(body, keys));
              }
              return includes(refs, Set.of(c.entry().id()), include, locale, source, keys)
                  .map(inc -> new Result(body.put("includes", inc), keys));
            });
  }

  /** Each entry as the source shows it; drafts are checked against their current type. */
  private Future<List<EntryView.Content>> contents(List<Entry> page, EntryQuery.Source source) {
    if (source == EntryQuery.Source.PUBLISHED) {
      List<EntryView.Content> out = new ArrayList<>();
      page.forEach(e -> out.add(EntryView.published(e)));
      return Future.succeededFuture(out);
    }
    Map<String, Future<Optional<ContentType>>> byType = new HashMap<>();
    page.forEach(e -> byType.computeIfAbsent(e.type(), types::get));
    return Future.all(new ArrayList<>(byType.values()))
        .map(
            x -> {
              List<EntryView.Content> out = new ArrayList<>();
              for (Entry e : page) {
                ContentType t = byType.get(e.type()).result().orElseThrow();
                out.add(EntryView.draft(e, t, validator.localesOf(t, e.fields())));
              }
              return out;
            });
  }

  /**
   * Linked entries up to {@code depth} levels, each once, keyed by id; entries already shown as
   * items are not repeated.
   */
  private Future<JsonObject> includes(
      List<UUID> refs,
      Set<UUID> shown,
      int depth,
      String locale,
      EntryQuery.Source source,
      Set<String> keys) {
    JsonObject out = new JsonObject();
    Set<UUID> seen = new LinkedHashSet<>(shown);
    return level(refs, seen, depth, locale, source, keys, out).map(out);
  }

  private Future<Void> level(
      List<UUID> refs,
      Set<UUID> seen,
      int depth,
      String locale,
      EntryQuery.Source source,
      Set<String> keys,
      JsonObject out) {
    List<UUID> wanted = new ArrayList<>();
    for (UUID id : refs) {
      if (seen.add(id)) {
        wanted.add(id);
      }
    }
    if (depth == 0 || wanted.isEmpty()) {
      return Future.succeededFuture();
    }
    // Every linked entry this level would show names the response, found or not: one that is a
    // draft now must drop the response when it is published.
    wanted.forEach(id -> keys.add(id.toString()));
    return entries
        .byIds(pool, wanted)
        .compose(
            found ->
                contents(
                    source == EntryQuery.Source.PUBLISHED
                        ? found.stream().filter(e -> e.published() != null).toList()
                        : found,
                    source))
        .compose(
            cs -> {
              List<UUID> next = new ArrayList<>();
              for (EntryView.Content c : cs) {
                out.put(c.entry().id().toString(), view.render(c, locale, null, next));
                keys.add(c.entry().id().toString());
              }
              return level(next, seen, depth - 1, locale, source, keys, out);
            });
  }

  private void checkOneParams(RoutingContext ctx) {
    for (String p : ctx.queryParams().names()) {
      if (!ONE_PARAMS.contains(p)) {
        throw ProblemException.badRequest(
            "Unknown query parameter '" + p + "'; this endpoint takes " + ONE_PARAMS + ".");
      }
    }
    String locale = ctx.queryParams().get("locale");
    if (locale != null && !locales.contains(locale)) {
      throw ProblemException.badRequest(
          "Unknown locale '" + locale + "'; configured locales: " + locales + ".");
    }
  }

  private static int includeParam(String v) {
    if (v == null) {
      return 0;
    }
    try {
      int n = Integer.parseInt(v);
      if (n >= 0 && n <= EntryQuery.MAX_INCLUDE) {
        return n;
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    throw ProblemException.badRequest("include must be 0 to " + EntryQuery.MAX_INCLUDE + ".");
  }

  private static Set<String> selectParam(String v, EntryView.Content c) {
    if (v == null) {
      return null;
    }
    Set<String> out = new LinkedHashSet<>();
    for (String f : v.split(",")) {
      if (c.schema().stream().noneMatch(d -> d.id().equals(f))) {
        throw ProblemException.badRequest(
            "Type '" + c.entry().type() + "' has no field '" + f + "' (fields).");
      }
      out.add(f);
    }
    return out;
  }

  private void respondUncached(RoutingContext ctx, Future<Result> result) {
    result.onSuccess(r -> send(ctx, toCached(r), false)).onFailure(ctx::fail);
  }

  private static ResponseCache.Cached toCached(Result r) {
    Buffer bytes = Buffer.buffer(r.body().encode() + "\n");
    return new ResponseCache.Cached(
        bytes, "\"" + sha256(bytes.getBytes()) + "\"", String.join(" ", r.keys()), r.keys());
  }

  /** Sends with a strong ETag, answering a matching If-None-Match with 304. */
  private static void send(RoutingContext ctx, ResponseCache.Cached c, boolean published) {
    ctx.response()
        .putHeader("ETag", c.etag())
        .putHeader("Surrogate-Key", c.surrogateKeys())
        .putHeader("Vary", "Authorization");
    if (!published) {
      ctx.response().putHeader("Cache-Control", "private, no-store");
    } else if (ctx.request().getHeader("Authorization") == null) {
      // Browsers revalidate soon; shared caches keep it until purged by surrogate key.
      ctx.response().putHeader("Cache-Control", "public, max-age=30, s-maxage=3600");
    } else {
      ctx.response().putHeader("Cache-Control", "private, max-age=0, must-revalidate");
    }
    String inm = ctx.request().getHeader("If-None-Match");
    if (inm != null && (inm.contains(c.etag()) || inm.trim().equals("*"))) {
      ctx.response().setStatusCode(304).end();
      return;
    }
    ctx.response().putHeader("Content-Type", "application/json; charset=utf-8").end(c.body());
  }

  private static String sha256(byte[] bytes) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(bytes);
      return HexFormat.of().formatHex(d, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
