package herald.api;

import herald.api.audit.AuditRepository;
import herald.api.audit.AuditRoutes;
import herald.api.auth.ApiKeyRepository;
import herald.api.auth.ApiKeys;
import herald.api.auth.KeyRoutes;
import herald.api.auth.Role;
import herald.api.content.ContentDeliveryRoutes;
import herald.api.content.ContentTypeRepository;
import herald.api.content.ContentTypeRoutes;
import herald.api.content.CursorCodec;
import herald.api.content.EntryRepository;
import herald.api.content.EntryRoutes;
import herald.api.content.EntryService;
import herald.api.content.EntryValidator;
import herald.api.content.EntryView;
import herald.api.content.ResponseCache;
import herald.api.content.TypeCache;
import herald.api.content.VersionRepository;
import herald.api.delivery.DeliveryModule;
import herald.api.http.HealthRoutes;
import herald.api.http.JsonLimits;
import herald.api.http.OpenApiValidation;
import herald.api.http.ProblemHandler;
import herald.api.http.RequestTarget;
import herald.api.http.ServiceProxy;
import herald.api.outbox.OutboxRelay;
import herald.api.outbox.OutboxRepository;
import herald.api.outbox.RelayHoldSeam;
import herald.api.partners.PartnerConfig;
import herald.api.partners.PartnerModule;
import herald.api.schedule.ScheduleRepository;
import herald.api.schedule.ScheduleRoutes;
import herald.api.schedule.ScheduleRunner;
import herald.api.search.SearchFrontDoor;
import herald.api.studio.StudioConfig;
import herald.api.studio.StudioModule;
import herald.events.DeliveryTopics;
import herald.events.Topics;
import herald.events.health.Check;
import herald.events.health.Probe;
import herald.events.health.Readiness;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The content API: management, delivery, the outbox relay and the search front door. */
public final class ApiVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ApiVerticle.class);

  /** CloudEvents {@code source} of everything the api announces. */
  public static final String EVENT_SOURCE = "/herald/api";

  private final ApiConfig config;
  private final PrometheusMeterRegistry registry;
  private Pool pool;
  private Producer<String, byte[]> producer;
  private OutboxRelay relay;
  private ServiceProxy indexer;
  private ServiceProxy publisher;
  private ResponseCache cache;
  private ScheduleRunner scheduler;
  private DeliveryModule deliveries;
  private PartnerModule partners;
  private StudioModule studio;
  private HttpServer server;
  private Router router;
  private final Map<String, Supplier<Future<String>>> extraReadiness = new LinkedHashMap<>();
  private final List<Probe> probes = new ArrayList<>();
  private Probe database;
  private Probe kafka;

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
  public java.util.Optional<String> studioSetupPath() {
    return studio == null ? java.util.Optional.empty() : studio.setupPath();
  }

  /** The relay, for tests that look at leadership. */
  public OutboxRelay relay() {
    return relay;
  }

  @Override
  public Future<?> start() {
    PgConnectOptions pg =
        new PgConnectOptions()
            .setHost(config.pgHost())
            .setPort(config.pgPort())
            .setDatabase(config.pgDatabase())
            .setUser(config.pgUser())
            .setPassword(config.pgPassword());
    return vertx
        .executeBlocking(
            () -> {
              migrate();
              Topics.ensure(
                  config.kafkaBootstrapServers(), config.contentTopic(), Topics.CONTENT_PARTITIONS);
              return null;
            })
        .compose(
            v -> {
              pool =
                  PgBuilder.pool()
                      .with(new PoolOptions().setMaxSize(config.pgPoolSize()))
                      .connectingTo(pg)
                      .using(vertx)
                      .build();
              database =
                  track(
                      new Probe(
                              "database",
                              () -> pool.query("select 1").execute().toCompletionStage(),
                              null)
                          .start());
              kafka = track(Probe.kafka(config.kafkaBootstrapServers()).start());
              producer = new KafkaProducer<>(producerProps());
              OutboxRepository outbox = new OutboxRepository();
              relay =
                  new OutboxRelay(
                      vertx,
                      pool,
                      pg,
                      producer,
                      config.contentTopic(),
                      EVENT_SOURCE,
                      config.relayPollInterval(),
                      outbox,
                      registry);
              RelayHoldSeam.fromEnv(config.env()).ifPresent(relay::afterAck);
              cache = new ResponseCache(vertx, pg, config.responseCacheSize(), registry);
              return relay
                  .start()
                  .compose(x -> cache.start())
                  .compose(x -> secret("cursor"))
                  .compose(
                      secret ->
                          OpenApiValidation.load(vertx)
                              .compose(contract -> listen(outbox, secret, contract)));
            });
  }

  /** A random secret shared by all api instances through the database, made on first use. */
  private Future<byte[]> secret(String name) {
    byte[] fresh = new byte[32];
    new java.security.SecureRandom().nextBytes(fresh);
    return pool.preparedQuery(
            "insert into api_secrets (name, value) values ($1, $2) on conflict (name) do nothing")
        .execute(io.vertx.sqlclient.Tuple.of(name, io.vertx.core.buffer.Buffer.buffer(fresh)))
        .compose(
            x ->
                pool.preparedQuery("select value from api_secrets where name = $1")
                    .execute(io.vertx.sqlclient.Tuple.of(name)))
        .map(rs -> rs.iterator().next().getBuffer(0).getBytes());
  }

  private Future<HttpServer> listen(
      OutboxRepository outbox, byte[] cursorSecret, OpenApiValidation contract) {
    AuditRepository audit = new AuditRepository();
    // Studio calls this api over loopback (or the one address it is bound to).
    String self =
        config.bindHost().equals("0.0.0.0") || config.bindHost().equals("::")
            ? "127.0.0.1"
            : config.bindHost();
    studio =
        new StudioModule(
            vertx,
            pool,
            StudioConfig.fromEnv(config.env()),
            audit,
            self,
            () -> server.actualPort(),
            config.locales());
    ApiKeys keys =
        new ApiKeys(
            pool,
            new ApiKeyRepository(),
            config.adminKey(),
            studio.sessions(),
            ApiConfig.intOf(
                config.env(), "HERALD_WRONG_KEYS_BURST", ApiKeys.DEFAULT_WRONG_KEYS_BURST),
            ApiConfig.doubleOf(
                config.env(), "HERALD_WRONG_KEYS_PER_MIN", ApiKeys.DEFAULT_WRONG_KEYS_PER_MIN));
    deliveries =
        new DeliveryModule(
            vertx, pool, config.kafkaBootstrapServers(), DeliveryTopics.STATUS, keys, registry);
    // HERALD_PARTNERS=off turns sync, feeds and webhooks off here (the partner tests mount the
    // module on a server of their own).
    partners =
        config.partnersEnabled()
            ? new PartnerModule(
                vertx,
                pool,
                config,
                PartnerConfig.fromEnv(config.env()),
                keys,
                cursorSecret,
                registry)
            : null;
    ContentTypeRepository types = new ContentTypeRepository();
    EntryRepository entries = new EntryRepository();
    VersionRepository versions = new VersionRepository();
    ScheduleRepository schedules = new ScheduleRepository();
    EntryService service =
        new EntryService(
            pool,
            types,
            entries,
            versions,
            audit,
            outbox,
            new EntryValidator(config.locales()),
            config.defaultLocale(),
            e -> cache.invalidate(e.id() + " " + e.type()));
    String token = config.internalToken().orElse(null);
    if (token == null) {
      LOG.warn(
          "HERALD_INTERNAL_TOKEN is not set: the indexer and publisher will refuse the admin,"
              + " newsletter and social preview calls forwarded to them");
    }
    indexer = new ServiceProxy(vertx, "search", config.indexerUrl(), token);
    publisher = new ServiceProxy(vertx, "publisher", config.publisherUrl(), token);
    scheduler = new ScheduleRunner(vertx, pool, schedules, service, config.schedulerPollInterval());

    CursorCodec cursors = new CursorCodec(cursorSecret);
    ContentDeliveryRoutes delivery =
        new ContentDeliveryRoutes(
            pool,
            entries,
            new TypeCache(pool, types),
            keys,
            config.locales(),
            config.publicDelivery(),
            new EntryView(config::fallbackChain),
            cursors,
            cache);
    router = Router.router(vertx);
    // First: a request target that can't be decoded is a 400, whatever the route.
    router.route().handler(new RequestTarget());
    // Cached public delivery responses skip body parsing and validation: only requests that
    // passed them were cached.
    router.get().handler(delivery.fastPath());
    router
        .route()
        .handler(
            BodyHandler.create().setBodyLimit(config.maxBodyBytes()).setHandleFileUploads(false));
    router.route().handler(new JsonLimits());
    router.route().handler(contract.validate());
    router.get("/openapi.json").handler(contract.serve());
    new HealthRoutes(readiness(), registry).mount(router);
    new ContentTypeRoutes(pool, types, audit, keys).mount(router);
    new EntryRoutes(pool, entries, versions, service, keys, config.locales(), cursors)
        .mount(router);
    new ScheduleRoutes(pool, schedules, entries, audit, keys, config.locales()).mount(router);
    new AuditRoutes(pool, audit, keys).mount(router);
    // NOTE: before the delivery routes, so that /v1/entries/<id>.ics is not taken for an id.
    if (partners != null) {
      partners.mount(router);
    }
    delivery.mount(router);
    new KeyRoutes(pool, keys, audit).mount(router);
    router
        .get("/v1/search")
        .handler(new SearchFrontDoor(config.locales()))
        .handler(indexer.forward());
    router.get("/v1/admin/index").handler(keys.require(Role.ADMIN)).handler(indexer.forward());
    router
        .post("/v1/admin/index/rebuild")
        .handler(keys.require(Role.ADMIN))
        .handler(indexer.forward());
    deliveries.mount(router);
    mountPublisherRoutes(keys);
    studio.mount(router);
    scheduler.start();
    ProblemHandler problems = new ProblemHandler(config.maxBodyBytes());
    router.route().failureHandler(problems);
    // A request target the router itself can't match against (the studio's sub-router route
    // fails on an undecodable path before any failure handler runs) ends here.
    router.errorHandler(400, problems);
    router.errorHandler(404, problems);
    router.errorHandler(405, problems);

    // NOTE: a negative port makes Vert.x pick one random port that all the servers share; port 0
    // would give each server a port of its own.
    int port = config.port() == 0 ? -1 : config.port();
    return deliveries
        .start()
        .compose(x -> partners == null ? Future.succeededFuture() : partners.start())
        .compose(x -> studio.start())
        .compose(
            x ->
                vertx
                    .createHttpServer()
                    .requestHandler(router)
                    .invalidRequestHandler(ProblemHandler::invalidRequest)
                    .listen(port, config.bindHost()))
        .compose(
            s -> {
              server = s;
              int extra = config.httpInstances() - 1;
              if (extra <= 0) {
                return Future.succeededFuture(s);
              }
              // More servers on the same port, each on its own event loop: Vert.x spreads the
              // connections over them, so request handling uses every core.
              return vertx
                  .deployVerticle(
                      () -> new HttpServerVerticle(router, port, config.bindHost()),
                      new io.vertx.core.DeploymentOptions().setInstances(extra))
                  .map(id -> s);
            })
        .onSuccess(
            s ->
                LOG.info(
                    "api listening on {}:{} with {} event loops",
                    config.bindHost(),
                    s.actualPort(),
                    Math.max(1, config.httpInstances())));
  }

  /** Newsletter and social endpoints live in the publisher; the api checks keys and forwards. */
  private void mountPublisherRoutes(ApiKeys keys) {
    router.post("/v1/newsletter/subscribe").handler(publisher.forward());
    router.get("/v1/newsletter/confirm").handler(publisher.forward());
    router.get("/v1/newsletter/unsubscribe").handler(publisher.forward());
    router.post("/v1/newsletter/unsubscribe").handler(publisher.forward());
    String manage = "/v1/manage/newsletter";
    io.vertx.core.Handler<io.vertx.ext.web.RoutingContext> editor = keys.require(Role.EDITOR);
    router.get(manage + "/entries").handler(editor).handler(publisher.forward());
    router.get(manage + "/subscribers").handler(editor).handler(publisher.forward());
    router.post(manage + "/issues").handler(editor).handler(publisher.forward());
    router.get(manage + "/issues").handler(editor).handler(publisher.forward());
    router.get(manage + "/issues/:id").handler(editor).handler(publisher.forward());
    router.put(manage + "/issues/:id").handler(editor).handler(publisher.forward());
    router.get(manage + "/issues/:id/preview").handler(editor).handler(publisher.forward());
    router.post(manage + "/issues/:id/test").handler(editor).handler(publisher.forward());
    router.post(manage + "/issues/:id/send").handler(editor).handler(publisher.forward());
    router
        .post("/v1/social/preview")
        .handler(keys.require(Role.AUTHOR))
        .handler(publisher.forward());
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
          .createHttpServer()
          .requestHandler(router)
          .invalidRequestHandler(ProblemHandler::invalidRequest)
          .listen(port, host);
    }
  }

  private Probe track(Probe p) {
    probes.add(p);
    return p;
  }

  /** What the api needs: its database and Kafka, the relay, and its consumers. */
  private Readiness readiness() {
    Readiness r =
        new Readiness()
            .add(database)
            .add(kafka)
            .add(
                "outboxRelay",
                () ->
                    relay.isHealthy()
                        ? Check.up(relay.isLeader() ? "LEADER" : "STANDBY")
                        : Check.down("DOWN", "cannot reach PostgreSQL or Kafka"))
            .add(deliveries.statusConsumer());
    if (partners != null) {
      r.add(partners.consumer());
    }
    // Checks added by the embedder (the all-in-one's demo content) are probed like the database.
    for (Map.Entry<String, Supplier<Future<String>>> extra : extraReadiness.entrySet()) {
      Supplier<Future<String>> check = extra.getValue();
      r.add(track(new Probe(extra.getKey(), () -> check.get().toCompletionStage(), null).start()));
    }
    return r;
  }

  @Override
  public Future<?> stop() {
    if (scheduler != null) {
      scheduler.stop();
    }
    probes.forEach(Probe::close);
    Future<Void> r =
        (relay == null ? Future.<Void>succeededFuture() : relay.stop())
            .eventually(() -> cache == null ? Future.succeededFuture() : cache.stop())
            .eventually(() -> deliveries == null ? Future.succeededFuture() : deliveries.stop())
            .eventually(() -> partners == null ? Future.succeededFuture() : partners.stop())
            .eventually(() -> studio == null ? Future.succeededFuture() : studio.stop());
    return r.eventually(() -> server == null ? Future.succeededFuture() : server.close())
        .eventually(
            () ->
                vertx.executeBlocking(
                    () -> {
                      if (producer != null) {
                        producer.close(java.time.Duration.ofSeconds(5));
                      }
                      return null;
                    }))
        .eventually(() -> pool == null ? Future.succeededFuture() : pool.close())
        .onComplete(
            x -> {
              if (indexer != null) {
                indexer.close();
                publisher.close();
              }
            });
  }

  private void migrate() {
    String url =
        "jdbc:postgresql://" + config.pgHost() + ":" + config.pgPort() + "/" + config.pgDatabase();
    Flyway.configure()
        .dataSource(url, config.pgUser(), config.pgPassword())
        .locations("classpath:db/api")
        .load()
        .migrate();
  }

  private Map<String, Object> producerProps() {
    return Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
        config.kafkaBootstrapServers(),
        // An event is durable on the broker before its outbox row is marked sent.
        ProducerConfig.ACKS_CONFIG,
        "all",
        // Broker-side de-duplication of producer retries keeps each partition in order.
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
        true,
        // The most in-flight requests that idempotence still keeps in order.
        ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION,
        5,
        // Publish latency matters more than batching: send at once.
        ProducerConfig.LINGER_MS_CONFIG,
        0,
        // Give up on a send within 30 s so the relay reports the failure and retries the rows.
        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
        30_000,
        ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
        10_000,
        ProducerConfig.CLIENT_ID_CONFIG,
        "herald-api-outbox",
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
        StringSerializer.class,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
        ByteArraySerializer.class);
  }
}
