package herald.api.delivery;

import herald.api.auth.ApiKeys;
import herald.api.auth.Principal;
import herald.api.auth.Role;
import herald.api.http.Problem;
import herald.api.http.ProblemException;
import herald.events.DeliveryCommand;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * Editors' view of deliveries: per entry, every delivery (one per version, channel and target) with
 * its state and attempts, and a retry of a failed or dead one.
 *
 * <p>A retry is a {@code delivery.retry} command on Kafka that the publisher consumes (rather than
 * an HTTP call to the publisher): the api needs no address of, or credentials for, the publisher,
 * the request survives a publisher restart, and the outcome comes back like every other state
 * change, as status events. Hence 202 Accepted.
 */
final class DeliveryStatusRoutes {

  /** States from which an editor may ask for a retry. */
  static final Set<String> RETRYABLE = Set.of("dead", "retry_scheduled");

  private final Pool pool;
  private final DeliveryReadRepository repository;
  private final ApiKeys keys;
  private final Function<DeliveryCommand, Future<Void>> commands;

  DeliveryStatusRoutes(
      Pool pool,
      DeliveryReadRepository repository,
      ApiKeys keys,
      Function<DeliveryCommand, Future<Void>> commands) {
    this.pool = pool;
    this.repository = repository;
    this.keys = keys;
    this.commands = commands;
  }

  void mount(Router router) {
    router
        .get("/v1/manage/entries/:id/deliveries")
        .handler(keys.require(Role.AUTHOR))
        .handler(this::ofEntry);
    router.get("/v1/manage/deliveries/:id").handler(keys.require(Role.AUTHOR)).handler(this::one);
    router
        .post("/v1/manage/deliveries/:id/retry")
        .handler(keys.require(Role.EDITOR))
        .handler(this::retry);
  }

  private void ofEntry(RoutingContext ctx) {
    UUID entryId = uuid(ctx);
    repository
        .byEntry(pool, entryId)
        .onSuccess(
            list ->
                send(
                    ctx,
                    200,
                    new JsonObject()
                        .put("entryId", entryId.toString())
                        .put("deliveries", new JsonArray(list))))
        .onFailure(ctx::fail);
  }

  private void one(RoutingContext ctx) {
    UUID id = uuid(ctx);
    repository
        .find(pool, id)
        .map(d -> d.orElseThrow(() -> ProblemException.notFound("No delivery " + id + ".")))
        .onSuccess(d -> send(ctx, 200, d))
        .onFailure(ctx::fail);
  }

  private void retry(RoutingContext ctx) {
    UUID id = uuid(ctx);
    Principal who = ctx.get(Principal.CONTEXT_KEY);
    repository
        .find(pool, id)
        .compose(
            found -> {
              JsonObject d =
                  found.orElseThrow(() -> ProblemException.notFound("No delivery " + id + "."));
              String state = d.getString("state");
              if (!RETRYABLE.contains(state)) {
                throw new ProblemException(
                    Problem.of(
                        409,
                        "delivery-not-retryable",
                        "The delivery cannot be retried",
                        "Only a failed (retry_scheduled) or dead delivery can be retried; this one"
                            + " is "
                            + state
                            + "."));
              }
              DeliveryCommand command =
                  DeliveryCommand.retry(
                      id, UUID.fromString(d.getString("entryId")), who == null ? null : who.name());
              return commands
                  .apply(command)
                  .recover(
                      e ->
                          Future.failedFuture(
                              new ProblemException(
                                  Problem.of(
                                      503,
                                      "unavailable",
                                      "Service unavailable",
                                      "The retry could not be handed to the publisher; try"
                                          + " again shortly."))))
                  .compose(v -> repository.markRetryRequested(pool, id))
                  .map(
                      v ->
                          d.put("retryRequestedAt", command.requestedAt().toString())
                              .put(
                                  "retry",
                                  new JsonObject()
                                      .put("commandId", command.commandId().toString())
                                      .put("requestedAt", command.requestedAt().toString())));
            })
        .onSuccess(d -> send(ctx, 202, d))
        .onFailure(ctx::fail);
  }

  private static UUID uuid(RoutingContext ctx) {
    String v = ctx.pathParam("id");
    try {
      return UUID.fromString(v);
    } catch (IllegalArgumentException e) {
      throw ProblemException.notFound("'" + v + "' is not an id: ids are UUIDs.");
    }
  }

  private static void send(RoutingContext ctx, int status, JsonObject body) {
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(body.encode() + "\n");
  }
}
