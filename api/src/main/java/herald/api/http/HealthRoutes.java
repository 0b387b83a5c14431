package herald.api.http;

import herald.events.health.Readiness;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/** Liveness, readiness and Prometheus metrics. */
public final class HealthRoutes {
  private final Readiness readiness;
  private final PrometheusMeterRegistry registry;

  /** {@code readiness} names the dependencies and consumers the api needs; none of them blocks. */
  public HealthRoutes(Readiness readiness, PrometheusMeterRegistry registry) {
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

  /** 200 when every check is up, else 503; the body names each check and the ones down. */
  private void ready(RoutingContext ctx) {
    Readiness.Report report = readiness.report();
    ctx.response().putHeader("Cache-Control", "no-store");
    Bodies.send(ctx, report.up() ? 200 : 503, new JsonObject(report.toMap()));
  }

  private void metrics(RoutingContext ctx) {
    ctx.response()
        .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        .end(registry.scrape());
  }
}
