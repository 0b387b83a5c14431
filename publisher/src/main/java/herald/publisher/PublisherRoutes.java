package herald.publisher;

import herald.events.ConsumerLoop;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.FileSystemAccess;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.sqlclient.Pool;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The publisher's HTTP interface: the generated site, health checks and metrics. */
public final class PublisherRoutes {

  private static final Logger LOG = LoggerFactory.getLogger(PublisherRoutes.class);
  private static final String JSON = "application/json";
  private static final String PROBLEM_JSON = "application/problem+json";
  private static final long READY_DB_TIMEOUT_MS = 2_000;

  private final Vertx vertx;
  private final Pool pool;
  private final ConsumerLoop consumer;
  private final Handler<RoutingContext> metrics;
  private final Handler<RoutingContext> site;
  private final BooleanSupplier statusRelayHealthy;
  private final InternalGuard guard;

  /**
   * Routes over the given parts of a running publisher, whose readiness also needs the status relay
   * to reach Kafka (editors would otherwise not see what went out), and whose internal routes want
   * {@code internalToken}.
   */
  public PublisherRoutes(
      Vertx vertx,
      Pool pool,
      ConsumerLoop consumer,
      PrometheusMeterRegistry registry,
      Path siteDir,
      BooleanSupplier statusRelayHealthy,
      Optional<String> internalToken) {
    this.statusRelayHealthy = statusRelayHealthy;
    this.guard = new InternalGuard(internalToken);
    this.vertx = vertx;
    this.pool = pool;
    this.consumer = consumer;
    this.metrics = PrometheusScrapingHandler.create(registry);
    this.site =
        StaticHandler.create(FileSystemAccess.ROOT, siteDir.toAbsolutePath().toString())
            // Pages change on every publish and vanish on unpublish: no cached file properties.
            .setCachingEnabled(false)
            .setFilesReadOnly(false)
            .setDirectoryListing(false)
            // NOTE: the hidden check looks at the whole path, and the default data dir is
            // ./.herald, so it must stay off; temporary page files have unguessable names.
            .setIncludeHidden(true);
  }

  /**
   * The router; the route table comes first. Routes mounted on it later (newsletter, social) are
   * internal unless {@link InternalGuard} names them public.
   */
  public Router router() {
    Router router = Router.router(vertx);
    router.route().handler(guard);
    router.route("/site/*").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(site);
    router.get("/health/live").handler(this::live);
    router.get("/health/ready").handler(this::ready);
    router.get("/metrics").handler(metrics);

    router.route().failureHandler(this::problem);
    router.errorHandler(404, this::problem);
    router.errorHandler(405, this::problem);
    return router;
  }

  private void live(RoutingContext ctx) {
    ctx.response()
        .putHeader("content-type", JSON)
        .end(new JsonObject().put("status", "UP").encode() + "\n");
  }

  /** Ready when the database answers, the consumer is running and status events go out. */
  private void ready(RoutingContext ctx) {
    ConsumerLoop.Status consumerStatus = consumer.status();
    pool.query("SELECT 1")
        .execute()
        .timeout(READY_DB_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .map(rows -> true)
        .otherwise(false)
        .onSuccess(
            dbUp -> {
              boolean relayUp = statusRelayHealthy.getAsBoolean();
              boolean up = dbUp && relayUp && consumerStatus.ready();
              JsonObject body =
                  new JsonObject()
                      .put("status", up ? "UP" : "DOWN")
                      .put(
                          "checks",
                          new JsonObject()
                              .put("database", dbUp ? "UP" : "DOWN")
                              .put("consumer", consumerStatus.state().name())
                              .put("statusRelay", relayUp ? "UP" : "DOWN"));
              ctx.response()
                  .setStatusCode(up ? 200 : 503)
                  .putHeader("content-type", JSON)
                  .end(body.encode() + "\n");
            });
  }

  /** The one failure handler: every error becomes RFC 9457 problem details, without internals. */
  private void problem(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    int status = ctx.statusCode();
    if (failure instanceof HttpException http) {
      status = http.getStatusCode();
    } else if (failure != null || status < 400) {
      status = 500;
    }
    if (status >= 500) {
      LOG.error("{} {} failed", ctx.request().method(), ctx.request().path(), failure);
    }
    if (ctx.response().headWritten()) {
      // Too late for a problem body; cut the response so the client sees it is incomplete.
      ctx.response().reset();
      return;
    }
    JsonObject body =
        new JsonObject()
            .put("type", "about:blank")
            .put("title", HttpResponseStatus.valueOf(status).reasonPhrase())
            .put("status", status);
    if (status == 404) {
      body.put("detail", "Nothing is published at this path.");
    } else if (status == 405) {
      body.put("detail", "This path does not accept " + ctx.request().method() + ".");
    }
    body.put("instance", ctx.request().path());
    ctx.response()
        .setStatusCode(status)
        .putHeader("content-type", PROBLEM_JSON)
        .end(body.encode() + "\n");
  }
}
