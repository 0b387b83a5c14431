package herald.api;

import herald.api.http.HealthRoutes;
import herald.api.http.OpenApiValidation;
import herald.api.http.ProblemHandler;
import herald.api.outbox.OutboxRelay;
import herald.events.DatabaseSettings;
import herald.events.Topics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Tuple;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The content API: management, delivery, the outbox relay and the search front door. Starting it
 * migrates the database, builds the object graph ({@link ApiWiring}), mounts the route table
 * ({@link ApiRoutes}) and listens.
 */
public final class ApiVerticle extends VerticleBase {
  /**
   * No HTTP/2 upgrade on clear text: the JDK's HTTP client asks for one on every first request, and
   * a large answer then reached it as HTTP/1.1 bytes it read as HTTP/2 frames ("Frame type(34)
   * exceeds MAX_FRAME_SIZE"). HTTP/2 belongs to the TLS proxy in front.
   */
  private static final HttpServerOptions SERVER_OPTIONS =
      new HttpServerOptions().setHttp2ClearTextEnabled(false);

  private static final Logger LOG = LoggerFactory.getLogger(ApiVerticle.class);

  /** CloudEvents {@code source} of everything the api announces. */
  public static final String EVENT_SOURCE = "/herald/api";

  private final ApiConfig config;
  private final PrometheusMeterRegistry registry;
  private final Map<String, Supplier<Future<String>>> extraReadiness = new LinkedHashMap<>();
  private Pool pool;
  private ApiWiring wiring;
  private HttpServer server;
  private Router router;

  public ApiVerticle(ApiConfig config, PrometheusMeterRegistry registry) {
    this.config = config;
    this.registry = registry;
  }

  public ApiVerticle(ApiConfig config) {
    this(config, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  /**
   * Adds a condition to {@code /health/ready}, reported under {@code name}: its future's value when
   * it succeeds, and not ready when it fails (e.g. the all-in-one's demo content not yet
   * searchable). Call before deploying.
   */
  public ApiVerticle withReadinessCheck(String name, Supplier<Future<String>> check) {
    extraReadiness.put(name, check);
    return this;
  }

  /** The port the HTTP server listens on (useful when configured as 0). */
  public int actualPort() {
    return server.actualPort();
  }

  /** The router, for the test that checks every route against the OpenAPI document. */
  public Router router() {
    return router;
  }

  /** The path of the one-time link that creates Studio's first admin, while nobody has one. */
  public Optional<String> studioSetupPath() {
    return wiring == null ? Optional.empty() : wiring.studio.setupPath();
  }

  /** The relay, for tests that look at leadership. */
  public OutboxRelay relay() {
    return wiring.relay;
  }

  @Override
  public Future<?> start() {
    PgConnectOptions pg =
        new PgConnectOptions()
            .setHost(config.database().host())
            .setPort(config.database().port())
            .setDatabase(config.database().database())
            .setUser(config.database().user())
            .setPassword(config.database().password());
    return vertx
        .executeBlocking(
            () -> {
              migrate();
              Topics.ensure(
                  config.kafka().bootstrapServers(),
                  config.kafka().contentTopic(),
                  Topics.CONTENT_PARTITIONS);
              return null;
            })
        .compose(
            v -> {
              pool =
                  PgBuilder.pool()
                      .with(new PoolOptions().setMaxSize(config.database().poolSize()))
                      .connectingTo(pg)
                      .using(vertx)
                      .build();
              Future<byte[]> secret = secret("cursor");
              Future<OpenApiValidation> contract = OpenApiValidation.load(vertx);
              return Future.all(secret, contract)
                  .map(
                      x ->
                          new ApiWiring(
                              vertx,
                              config,
                              registry,
                              pool,
                              pg,
                              secret.result(),
                              contract.result(),
                              () -> server.actualPort()));
            })
        .compose(
            w -> {
              wiring = w;
              router = Router.router(vertx);
              ApiRoutes.mount(router, w, new HealthRoutes(w.readiness(extraReadiness), registry));
              return w.start();
            })
        .compose(x -> listen());
  }

  /** A random secret shared by all api instances through the database, made on first use. */
  private Future<byte[]> secret(String name) {
    byte[] fresh = new byte[32];
    new SecureRandom().nextBytes(fresh);
    return pool.preparedQuery(
            "insert into api_secrets (name, value) values ($1, $2) on conflict (name) do nothing")
        .execute(Tuple.of(name, Buffer.buffer(fresh)))
        .compose(
            x ->
                pool.preparedQuery("select value from api_secrets where name = $1")
                    .execute(Tuple.of(name)))
        .map(rs -> rs.iterator().next().getBuffer(0).getBytes());
  }

  private Future<HttpServer> listen() {
    // NOTE: a negative port makes Vert.x pick one random port that all the servers share; port 0
    // would give each server a port of its own.
    int port = config.http().port() == 0 ? -1 : config.http().port();
    return vertx
        .createHttpServer(SERVER_OPTIONS)
        .requestHandler(router)
        .invalidRequestHandler(ProblemHandler::invalidRequest)
        .listen(port, config.http().bindHost())
        .compose(
            s -> {
              server = s;
              int extra = config.http().eventLoops() - 1;
              if (extra <= 0) {
                return Future.succeededFuture(s);
              }
              // More servers on the same port, each on its own event loop: Vert.x spreads the
              // connections over them, so request handling uses every core.
              return vertx
                  .deployVerticle(
                      () -> new HttpServerVerticle(router, port, config.http().bindHost()),
                      new DeploymentOptions().setInstances(extra))
                  .map(id -> s);
            })
        .onSuccess(
            s ->
                LOG.info(
                    "api listening on {}:{} with {} event loops",
                    config.http().bindHost(),
                    s.actualPort(),
                    Math.max(1, config.http().eventLoops())));
  }

  /** One more HTTP server on the api's port and router, on its own event loop. */
  private static final class HttpServerVerticle extends VerticleBase {
    private final Router router;
    private final int port;
    private final String host;

    HttpServerVerticle(Router router, int port, String host) {
      this.router = router;
      this.port = port;
      this.host = host;
    }

    @Override
    public Future<?> start() {
      return vertx
          .createHttpServer(SERVER_OPTIONS)
          .requestHandler(router)
          .invalidRequestHandler(ProblemHandler::invalidRequest)
          .listen(port, host);
    }
  }

  @Override
  public Future<?> stop() {
    Future<Void> w = wiring == null ? Future.succeededFuture() : wiring.stop(vertx);
    return w.eventually(() -> server == null ? Future.succeededFuture() : server.close())
        .eventually(() -> pool == null ? Future.succeededFuture() : pool.close());
  }

  private void migrate() {
    DatabaseSettings db = config.database();
    Flyway.configure()
        .dataSource(db.jdbcUrl(), db.user(), db.password())
        .locations("classpath:db/api")
        .load()
        .migrate();
  }
}
