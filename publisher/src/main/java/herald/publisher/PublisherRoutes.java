package herald.publisher;

import herald.events.health.Readiness;
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
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The publisher's HTTP interface: the generated site, health checks and metrics. */
public final class PublisherRoutes {

  private static final Logger LOG = LoggerFactory.getLogger(PublisherRoutes.class);
  private static final String JSON = "application/json";
  private static final String PROBLEM_JSON = "application/problem+json";

  private final Vertx vertx;
  private final Readiness readiness;
  private final Handler<RoutingContext> metrics;
  private final Handler<RoutingContext> site;
  private final InternalGuard guard;

  /**
   * Routes over the given parts of a running publisher, ready when every check of {@code readiness}
   * is up, whose internal routes want {@code internalToken}.
   */
  public PublisherRoutes(
      Vertx vertx,
      Readiness readiness,
      PrometheusMeterRegistry registry,
      Path siteDir,
      Optional<String> internalToken) {
    this.guard = new InternalGuard(internalToken);
    this.vertx = vertx;
    this.readiness = readiness;
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

  /** 200 when every check is up, else 503; the body names each check and the ones down. */
  private void ready(RoutingContext ctx) {
    Readiness.Report report = readiness.report();
    ctx.response()
        .setStatusCode(report.up() ? 200 : 503)
        .putHeader("content-type", JSON)
        .putHeader("Cache-Control", "no-store")
        .end(new JsonObject(report.toMap()).encode() + "\n");
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
