package herald.api.webhooks;

import herald.api.auth.ApiKeys;
import herald.api.auth.Role;
import herald.api.http.Bodies;
import herald.api.http.ProblemException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/** Management of webhook endpoints: registration, secret rotation, the delivery log, redelivery. */
public final class WebhookRoutes {
  static final Set<String> EVENTS = Set.of("entry.published", "entry.unpublished");

  private final io.vertx.core.Vertx vertx;
  private final Pool pool;
  private final WebhookRepository repo;
  private final UrlGuard guard;
  private final ApiKeys keys;
  private final List<String> locales;
  private final Duration defaultOverlap;
  private final Runnable wake;

  public WebhookRoutes(
      io.vertx.core.Vertx vertx,
      Pool pool,
      WebhookRepository repo,
      UrlGuard guard,
      ApiKeys keys,
      List<String> locales,
      Duration defaultOverlap,
      Runnable wake) {
    this.vertx = vertx;
    this.pool = pool;
    this.repo = repo;
    this.guard = guard;
    this.keys = keys;
    this.locales = List.copyOf(locales);
    this.defaultOverlap = defaultOverlap;
    this.wake = wake;
  }

  public void mount(Router router) {
    router.post("/v1/manage/webhooks").handler(keys.require(Role.ADMIN)).handler(this::create);
    router.get("/v1/manage/webhooks").handler(keys.require(Role.ADMIN)).handler(this::list);
    router.get("/v1/manage/webhooks/:id").handler(keys.require(Role.ADMIN)).handler(this::get);
    router
        .delete("/v1/manage/webhooks/:id")
        .handler(keys.require(Role.ADMIN))
        .handler(this::delete);
    router
        .post("/v1/manage/webhooks/:id/enable")
        .handler(keys.require(Role.ADMIN))
        .handler(this::enable);
    router
        .post("/v1/manage/webhooks/:id/rotate-secret")
        .handler(keys.require(Role.ADMIN))
        .handler(this::rotate);
    router
        .get("/v1/manage/webhooks/:id/deliveries")
        .handler(keys.require(Role.ADMIN))
        .handler(this::deliveries);
    router
        .post("/v1/manage/webhooks/:id/deliveries/:deliveryId/redeliver")
        .handler(keys.require(Role.ADMIN))
        .handler(this::redeliver);
  }

  private void create(RoutingContext ctx) {
    JsonObject body = Bodies.object(ctx);
    JsonArray errors = new JsonArray();
    String url = body.getValue("url") instanceof String s ? s : null;
    if (url == null) {
      errors.add(ProblemException.fieldError("url", "required"));
    }
    List<String> events = strings(body, "events", errors);
    if (events == null) {
      events = List.copyOf(new java.util.TreeSet<>(EVENTS));
    } else if (events.isEmpty()) {
      errors.add(ProblemException.fieldError("events", "name at least one event"));
    } else {
      for (String e : events) {
        if (!EVENTS.contains(e)) {
          errors.add(ProblemException.fieldError("events", "unknown event " + e));
        }
      }
    }
    List<String> types = strings(body, "types", errors);
    List<String> ls = strings(body, "locales", errors);
    if (ls != null) {
      ls.stream()
          .filter(l -> !locales.contains(l))
          .forEach(l -> errors.add(ProblemException.fieldError("locales", "unknown locale " + l)));
    }
    if (!errors.isEmpty()) {
      throw ProblemException.invalid("The webhook endpoint is not valid.", errors);
    }
    String description = body.getString("description");
    List<String> ev = events;
    checkUrl(url)
        .compose(
            ok ->
                repo.insert(
                    pool,
                    new WebhookRepository.Endpoint(
                        UUID.randomUUID(),
                        url,
                        description,
                        ev,
                        types,
                        ls,
                        WebhookSigner.newSecret(),
                        null,
                        null,
                        true,
                        null,
                        null)))
        .onSuccess(
            e -> {
              ctx.response().putHeader("Location", "/v1/manage/webhooks/" + e.id());
              Bodies.send(ctx, 201, e.toJson(true));
            })
        .onFailure(ctx::fail);
  }

  /** Checks the URL (resolving it, off the event loop); a refusal is a 422 naming the reason. */
  private Future<Void> checkUrl(String url) {
    return vertx
        .executeBlocking(() -> guard.check(url), false)
        .recover(
            t ->
                Future.failedFuture(
                    t instanceof UrlGuard.Refused
                        ? ProblemException.invalid(
                            "The webhook URL is not allowed: " + t.getMessage() + ".",
                            new JsonArray().add(ProblemException.fieldError("url", t.getMessage())))
                        : t))
        .mapEmpty();
  }

  private void list(RoutingContext ctx) {
    repo.list(pool)
        .onSuccess(
            l ->
                Bodies.send(
                    ctx,
                    200,
                    new JsonObject()
                        .put(
                            "items", new JsonArray(l.stream().map(e -> e.toJson(false)).toList()))))
        .onFailure(ctx::fail);
  }

  private void get(RoutingContext ctx) {
    UUID id = Bodies.uuidParam(ctx, "id");
    repo.find(pool, id)
        .map(e -> found(e, id).toJson(false))
        .onSuccess(json -> Bodies.send(ctx, 200, json))
        .onFailure(ctx::fail);
  }

  private void delete(RoutingContext ctx) {
    UUID id = Bodies.uuidParam(ctx, "id");
    repo.delete(pool, id)
        .onSuccess(
            d -> {
              if (!d) {
                ctx.fail(notFound(id));
              } else {
                ctx.response().setStatusCode(204).end();
              }
            })
        .onFailure(ctx::fail);
  }

  private void enable(RoutingContext ctx) {
    UUID id = Bodies.uuidParam(ctx, "id");
    repo.find(pool, id)
        .compose(e -> checkUrl(found(e, id).url()))
        .compose(x -> repo.setEnabled(pool, id, true, null))
        .map(e -> found(e, id).toJson(false))
        .onSuccess(json -> Bodies.send(ctx, 200, json))
        .onFailure(ctx::fail);
  }

  private void rotate(RoutingContext ctx) {
    UUID id = Bodies.uuidParam(ctx, "id");
    long overlap = defaultOverlap.toSeconds();
    if (!Bodies.isEmpty(ctx)) {
      JsonObject body = Bodies.object(ctx);
      if (body.containsKey("overlapSeconds")) {
        overlap = body.getLong("overlapSeconds");
      }
    }
    repo.rotate(pool, id, WebhookSigner.newSecret(), overlap)
        .map(e -> found(e, id).toJson(true))
        .onSuccess(json -> Bodies.send(ctx, 200, json))
        .onFailure(ctx::fail);
  }

  private void deliveries(RoutingContext ctx) {
    UUID id = Bodies.uuidParam(ctx, "id");
    String l = ctx.queryParams().get("limit");
    int limit = l == null ? 50 : Bodies.limitParam(l, 100);
    String status = ctx.queryParams().get("status");
    repo.find(pool, id)
        .compose(
            e -> {
              found(e, id);
              return repo.deliveries(pool, id, status, limit);
            })
        .onSuccess(
            list -> Bodies.send(ctx, 200, new JsonObject().put("items", new JsonArray(list))))
        .onFailure(ctx::fail);
  }

  private void redeliver(RoutingContext ctx) {
    UUID id = Bodies.uuidParam(ctx, "id");
    UUID delivery = Bodies.uuidParam(ctx, "deliveryId");
    repo.redeliver(pool, id, delivery)
        .onSuccess(
            r -> {
              if (r instanceof WebhookRepository.Redelivery.Queued q) {
                wake.run();
                Bodies.send(ctx, 202, q.delivery());
              } else if (r instanceof WebhookRepository.Redelivery.InFlight) {
                ctx.fail(
                    ProblemException.conflict(
                        "Delivery "
                            + delivery
                            + " is being sent; redeliver it once that attempt has ended."));
              } else {
                ctx.fail(
                    ProblemException.notFound(
                        "No delivery " + delivery + " of endpoint " + id + "."));
              }
            })
        .onFailure(ctx::fail);
  }

  private static <T> T found(java.util.Optional<T> o, UUID id) {
    return o.orElseThrow(() -> notFound(id));
  }

  private static ProblemException notFound(UUID id) {
    return ProblemException.notFound("No webhook endpoint with id " + id + ".");
  }

  private static List<String> strings(JsonObject body, String name, JsonArray errors) {
    Object v = body.getValue(name);
    if (v == null) {
      return null;
    }
    if (!(v instanceof JsonArray a) || a.stream().anyMatch(x -> !(x instanceof String))) {
      errors.add(ProblemException.fieldError(name, "a list of strings"));
      return null;
    }
    return a.stream().map(String::valueOf).toList();
  }
}
