package herald.indexer.health;

import herald.events.health.Readiness;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.micrometer.PrometheusScrapingHandler;

/** Liveness, readiness and metrics for operators and orchestrators. */
public final class HealthRoutes {
  private final Readiness readiness;
  private final Handler<RoutingContext> scrape;

  /** {@code readiness}: the index is open, Kafka answers and the consumer follows the log. */
  public HealthRoutes(Readiness readiness, PrometheusMeterRegistry registry) {
    this.readiness = readiness;
    this.scrape = PrometheusScrapingHandler.create(registry);
  }

  public void mount(Router router) {
    router.get("/health/live").handler(this::live);
    router.get("/health/ready").handler(this::ready);
    router.get("/metrics").handler(this::metrics);
  }

  private void live(RoutingContext ctx) {
    send(ctx, 200, new JsonObject().put("status", "UP"));
  }

  /** 200 when every check is up, else 503; the body names each check and the ones down. */
  private void ready(RoutingContext ctx) {
    Readiness.Report report = readiness.report();
    send(ctx, report.up() ? 200 : 503, new JsonObject(report.toMap()));
  }

  private void metrics(RoutingContext ctx) {
    scrape.handle(ctx);
  }

  private static void send(RoutingContext ctx, int status, JsonObject body) {
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(body.encode() + "\n");
  }
}
