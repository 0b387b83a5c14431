package herald.api.http;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Supplier;

/** Liveness, readiness and Prometheus metrics. */
public final class HealthRoutes {
  private final Supplier<Future<JsonObject>> readiness;
  private final PrometheusMeterRegistry registry;

  /**
   * @param readiness completes with the checks' details when the service can do its job, fails
   *     otherwise
   */
  public HealthRoutes(Supplier<Future<JsonObject>> readiness, PrometheusMeterRegistry registry) {
    this.readiness = readiness;
    this.registry = registry;
  }

  public void mount(Router router) {
    router.get("/health/live").handler(this::live);
    router.get("/health/ready").handler(this::ready);
    router.get("/metrics").handler(this::metrics);
  }

  private void live(RoutingContext ctx) {
    Bodies.send(ctx, 200, new JsonObject().put("status", "UP"));
  }

  private void ready(RoutingContext ctx) {
    readiness
        .get()
        .onSuccess(
            d -> Bodies.send(ctx, 200, new JsonObject().put("status", "UP").put("checks", d)))
        .onFailure(
            t ->
                Bodies.send(
                    ctx,
                    503,
                    new JsonObject().put("status", "DOWN").put("reason", t.getMessage())));
  }

  private void metrics(RoutingContext ctx) {
    ctx.response()
        .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        .end(registry.scrape());
  }
}
