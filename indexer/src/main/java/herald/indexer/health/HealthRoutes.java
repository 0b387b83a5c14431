package herald.indexer.health;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.util.function.BooleanSupplier;

/** Liveness, readiness and metrics for operators and orchestrators. */
public final class HealthRoutes {
  private final BooleanSupplier ready;
  private final Handler<RoutingContext> scrape;

  /** {@code ready} says whether the index is open and the consumer is polling its partitions. */
  public HealthRoutes(BooleanSupplier ready, PrometheusMeterRegistry registry) {
    this.ready = ready;
    this.scrape = PrometheusScrapingHandler.create(registry);
  }

  public void mount(Router router) {
    router.get("/health/live").handler(this::live);
    router.get("/health/ready").handler(this::ready);
    router.get("/metrics").handler(this::metrics);
  }

  private void live(RoutingContext ctx) {
    send(ctx, 200, "UP");
  }

  private void ready(RoutingContext ctx) {
    boolean up = ready.getAsBoolean();
    send(ctx, up ? 200 : 503, up ? "UP" : "DOWN");
  }

  private void metrics(RoutingContext ctx) {
    scrape.handle(ctx);
  }

  private static void send(RoutingContext ctx, int status, String state) {
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(new JsonObject().put("status", state).encode() + "\n");
  }
}
