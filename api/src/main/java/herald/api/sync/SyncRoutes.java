package herald.api.sync;

import herald.api.auth.ApiKeys;
import herald.api.auth.Principal;
import herald.api.auth.Role;
import herald.api.content.Entry;
import herald.api.content.EntryRepository;
import herald.api.content.EntryView;
import herald.api.http.Bodies;
import herald.api.http.ProblemException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The sync API: an initial sync pages through the published entries and ends with a sync token; a
 * sync token gives everything that changed since, new and updated entries and deletions as
 * tombstones.
 *
 * <p>Why it never misses a change: a token is a position in {@code sync_log}, the api's copy of its
 * content topic in partition-offset order, and every commit that changes an entry's published state
 * reaches that log (outbox → Kafka → consumer) after it commits. A delta returns each entry with a
 * log row in the range in its <em>current</em> state, read after the range's end was taken, so the
 * last answer that shows an entry shows it as of its last change. An initial sync takes the log's
 * end before its first page; whatever changes while the client pages is in the delta after.
 */
public final class SyncRoutes {
  static final int MAX_LIMIT = 500;
  private static final UUID ZERO = new UUID(0, 0);
  private static final Set<String> PARAMS = Set.of("initial", "token", "type", "locale", "limit");

  private final Pool pool;
  private final SyncLogRepository log;
  private final EntryRepository entries;
  private final PartnerScopeRepository scopes;
  private final EntryView view;
  private final SyncTokens tokens;
  private final ApiKeys keys;
  private final RateLimiter limiter;
  private final List<String> locales;
  private final int pageSize;

  public SyncRoutes(
      Pool pool,
      SyncLogRepository log,
      EntryRepository entries,
      PartnerScopeRepository scopes,
      EntryView view,
      SyncTokens tokens,
      ApiKeys keys,
      RateLimiter limiter,
      List<String> locales,
      int pageSize) {
    this.pool = pool;
    this.log = log;
    this.entries = entries;
    this.scopes = scopes;
    this.view = view;
    this.tokens = tokens;
    this.keys = keys;
    this.limiter = limiter;
    this.locales = List.copyOf(locales);
    this.pageSize = Math.min(MAX_LIMIT, pageSize);
  }

  public void mount(Router router) {
    router
        .get("/v1/sync")
        .handler(keys.require(Role.PARTNER))
        .handler(limiter.handler())
        .handler(this::sync);
    router
        .get("/v1/manage/partners/:keyId/scope")
        .handler(keys.require(Role.ADMIN))
        .handler(this::getScope);
    router
        .put("/v1/manage/partners/:keyId/scope")
        .handler(keys.require(Role.ADMIN))
        .handler(this::putScope);
    router
        .delete("/v1/manage/partners/:keyId/scope")
        .handler(keys.require(Role.ADMIN))
        .handler(this::deleteScope);
  }

  /** What one request asks for, after the token and the key's scope are applied. */
  private record Ask(SyncTokens.Token token, List<String> types, String locale, int limit) {}

  private void sync(RoutingContext ctx) {
    for (String p : ctx.queryParams().names()) {
      if (!PARAMS.contains(p)) {
        throw ProblemException.badRequest(
            "Unknown query parameter '" + p + "'; use initial, token, type, locale, limit.");
      }
    }
    String tokenParam = ctx.queryParams().get("token");
    boolean initial = "true".equals(ctx.queryParams().get("initial"));
    if (initial == (tokenParam != null)) {
      throw ProblemException.badRequest(
          "Ask for either initial=true (a first, full sync) or token=… (the next page or delta).");
    }
    String type = ctx.queryParams().get("type");
    String locale = ctx.queryParams().get("locale");
    SyncTokens.Token token = tokenParam == null ? null : tokens.decode(tokenParam);
    // A page size asked for once holds for the pages that follow, unless asked for again.
    int limit =
        ctx.queryParams().get("limit") != null
            ? Bodies.limitParam(ctx.queryParams().get("limit"), MAX_LIMIT)
            : token != null && token.limit() > 0 ? token.limit() : pageSize;
    if (token != null) {
      // A token carries the filters it was made with; a request may repeat them, not change them.
      if (type != null && !type.equals(token.type())
          || locale != null && !locale.equals(token.locale())) {
        throw ProblemException.badRequest(
            "This token was made for type "
                + token.type()
                + " and locale "
                + token.locale()
                + "; start a new initial sync to change them.");
      }
      type = token.type();
      locale = token.locale();
    }
    if (locale != null && !locales.contains(locale)) {
      throw ProblemException.badRequest("Unknown locale '" + locale + "'.");
    }
    Principal who = ctx.get(Principal.CONTEXT_KEY);
    String t = type;
    String l = locale;
    scopes
        .find(pool, who.keyId())
        .map(scope -> ask(scope, token, t, l, limit))
        .compose(ask -> ask.token() == null ? initialPage(ask) : page(ask))
        .onSuccess(json -> Bodies.send(ctx, 200, json))
        .onFailure(ctx::fail);
  }

  private Ask ask(
      PartnerScopeRepository.Scope scope,
      SyncTokens.Token token,
      String type,
      String locale,
      int limit) {
    List<String> types = type == null ? null : List.of(type);
    if (scope.types() != null) {
      if (type != null && !scope.types().contains(type)) {
        throw ProblemException.forbidden("This key may not sync type '" + type + "'.");
      }
      types = type == null ? scope.types() : types;
    }
    if (scope.locales() != null) {
      if (locale == null) {
        throw ProblemException.badRequest(
            "This key syncs only locales " + scope.locales() + ": add locale=… to the request.");
      }
      if (!scope.locales().contains(locale)) {
        throw ProblemException.forbidden("This key may not sync locale '" + locale + "'.");
      }
    }
    return new Ask(token, types, locale, limit);
  }

  private Future<JsonObject> initialPage(Ask ask) {
    return log.end(pool)
        .compose(
            end ->
                page(
                    new Ask(
                        new SyncTokens.Token(
                            true, true, end, null, null, type(ask), ask.locale(), ask.limit()),
                        ask.types(),
                        ask.locale(),
                        ask.limit())));
  }

  private static String type(Ask ask) {
    return ask.types() != null && ask.types().size() == 1 ? ask.types().get(0) : null;
  }

  /** One page: of the published set for an initial sync, of a delta otherwise. */
  private Future<JsonObject> page(Ask ask) {
    SyncTokens.Token tok = ask.token();
    UUID after = tok.after() == null ? ZERO : tok.after();
    if (tok.initial()) {
      return log.publishedIds(pool, after, ask.types(), ask.limit() + 1)
          .compose(
              ids -> {
                boolean more = ids.size() > ask.limit();
                List<UUID> shown = more ? ids.subList(0, ask.limit()) : ids;
                return render(shown, ask)
                    .map(
                        body ->
                            finish(
                                body,
                                ask,
                                more,
                                new SyncTokens.Token(
                                    true,
                                    true,
                                    tok.from(),
                                    null,
                                    last(shown),
                                    tok.type(),
                                    tok.locale(),
                                    ask.limit()),
                                tok.from()));
              });
    }
    Future<Map<Integer, Long>> to = tok.page() ? Future.succeededFuture(tok.to()) : log.end(pool);
    return to.compose(
        end ->
            log.changed(pool, tok.from(), end, after, ask.types(), ask.limit() + 1)
                .compose(
                    changed -> {
                      boolean more = changed.size() > ask.limit();
                      List<SyncLogRepository.Changed> shown =
                          more ? changed.subList(0, ask.limit()) : changed;
                      return render(shown.stream().map(SyncLogRepository.Changed::id).toList(), ask)
                          .map(
                              body -> {
                                Set<String> present = new java.util.HashSet<>();
                                body.getJsonArray("entries")
                                    .forEach(o -> present.add(((JsonObject) o).getString("id")));
                                JsonArray deleted = new JsonArray();
                                for (SyncLogRepository.Changed c : shown) {
                                  if (!present.contains(c.id().toString())) {
                                    deleted.add(
                                        new JsonObject()
                                            .put("id", c.id().toString())
                                            .put("type", c.type()));
                                  }
                                }
                                body.put("deleted", deleted);
                                UUID lastId =
                                    shown.isEmpty() ? null : shown.get(shown.size() - 1).id();
                                return finish(
                                    body,
                                    ask,
                                    more,
                                    new SyncTokens.Token(
                                        true,
                                        false,
                                        tok.from(),
                                        end,
                                        lastId,
                                        tok.type(),
                                        tok.locale(),
                                        ask.limit()),
                                    end);
                              });
                    }));
  }

  private JsonObject finish(
      JsonObject body, Ask ask, boolean more, SyncTokens.Token next, Map<Integer, Long> end) {
    if (!body.containsKey("deleted")) {
      body.put("deleted", new JsonArray());
    }
    if (more) {
      return body.put("nextPageToken", tokens.encode(next)).putNull("nextSyncToken");
    }
    return body.putNull("nextPageToken")
        .put(
            "nextSyncToken",
            tokens.encode(
                new SyncTokens.Token(
                    false, false, end, null, null, next.type(), next.locale(), next.limit())));
  }

  private static UUID last(List<UUID> ids) {
    return ids.isEmpty() ? null : ids.get(ids.size() - 1);
  }

  /** The published ones among the ids, rendered as delivery renders them, in id order. */
  private Future<JsonObject> render(List<UUID> ids, Ask ask) {
    if (ids.isEmpty()) {
      return Future.succeededFuture(new JsonObject().put("entries", new JsonArray()));
    }
    return entries
        .byIds(pool, ids)
        .map(
            list -> {
              List<Entry> sorted = new ArrayList<>(list);
              sorted.sort(Comparator.comparing(Entry::id));
              JsonArray out = new JsonArray();
              for (Entry e : sorted) {
                EntryView.Content c = EntryView.published(e);
                if (c == null || ask.types() != null && !ask.types().contains(e.type())) {
                  continue;
                }
                out.add(view.render(c, ask.locale(), null, new ArrayList<>()));
              }
              return new JsonObject().put("entries", out);
            });
  }

  private void getScope(RoutingContext ctx) {
    String keyId = ctx.pathParam("keyId");
    existingKey(keyId)
        .compose(x -> scopes.find(pool, keyId))
        .onSuccess(
            s ->
                Bodies.send(
                    ctx,
                    200,
                    (s.keyId() == null ? new PartnerScopeRepository.Scope(keyId, null, null) : s)
                        .toJson()))
        .onFailure(ctx::fail);
  }

  private void putScope(RoutingContext ctx) {
    String keyId = ctx.pathParam("keyId");
    JsonObject body = Bodies.object(ctx);
    List<String> types = strings(body, "types");
    List<String> ls = strings(body, "locales");
    if (ls != null) {
      for (String l : ls) {
        if (!locales.contains(l)) {
          throw ProblemException.invalid(
              "Unknown locale '" + l + "'.",
              new JsonArray().add(ProblemException.fieldError("locales", "unknown locale " + l)));
        }
      }
    }
    scopes
        .keyExists(pool, keyId)
        .compose(
            exists -> {
              if (!exists) {
                throw ProblemException.notFound("No API key with id '" + keyId + "'.");
              }
              return scopes.upsert(pool, new PartnerScopeRepository.Scope(keyId, types, ls));
            })
        .onSuccess(s -> Bodies.send(ctx, 200, s.toJson()))
        .onFailure(ctx::fail);
  }

  private void deleteScope(RoutingContext ctx) {
    String keyId = ctx.pathParam("keyId");
    existingKey(keyId)
        .compose(x -> scopes.delete(pool, keyId))
        .onSuccess(x -> ctx.response().setStatusCode(204).end())
        .onFailure(ctx::fail);
  }

  /** Succeeds when an API key has this id; a 404 problem otherwise. */
  private io.vertx.core.Future<Void> existingKey(String keyId) {
    return scopes
        .keyExists(pool, keyId)
        .map(
            exists -> {
              if (!exists) {
                throw ProblemException.notFound("No API key with id '" + keyId + "'.");
              }
              return null;
            });
  }

  private static List<String> strings(JsonObject body, String name) {
    Object v = body.getValue(name);
    if (v == null) {
      return null;
    }
    if (!(v instanceof JsonArray a) || a.stream().anyMatch(x -> !(x instanceof String))) {
      throw ProblemException.invalid(
          name + " must be a list of strings or null.",
          new JsonArray().add(ProblemException.fieldError(name, "a list of strings or null")));
    }
    return a.stream().map(String::valueOf).toList();
  }
}
