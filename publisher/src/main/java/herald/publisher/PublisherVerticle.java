package herald.publisher;

import herald.events.ContentEventCodec;
import herald.events.ContentPublished;
import herald.events.DeliveryTopics;
import herald.events.Topics;
import herald.events.health.Check;
import herald.events.health.Probe;
import herald.events.health.Readiness;
import herald.publisher.channel.Channel;
import herald.publisher.channel.newsletter.NewsletterConfig;
import herald.publisher.channel.newsletter.NewsletterModule;
import herald.publisher.channel.social.SocialChannel;
import herald.publisher.channel.social.SocialConfig;
import herald.publisher.channel.website.CachedWebsiteIndex;
import herald.publisher.channel.website.ReferenceNames;
import herald.publisher.channel.website.WebsiteChannel;
import herald.publisher.channel.website.WebsitePageRepository;
import herald.publisher.delivery.DeliveryRepository;
import herald.publisher.delivery.DeliveryVerticle;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The publisher service: migrates its schema, records each content event's deliveries (one per
 * channel and target) in PostgreSQL, runs them with retries from there, sends their status to the
 * api over Kafka, and serves the generated site, health and metrics over HTTP.
 */
public final class PublisherVerticle extends VerticleBase {
  /**
   * No HTTP/2 upgrade on clear text: the JDK's HTTP client asks for one on every first request, and
   * a large answer then reached it as HTTP/1.1 bytes it read as HTTP/2 frames ("Frame type(34)
   * exceeds MAX_FRAME_SIZE"). HTTP/2 belongs to the TLS proxy in front.
   */
  private static final HttpServerOptions SERVER_OPTIONS =
      new HttpServerOptions().setHttp2ClearTextEnabled(false);

  /** The publisher's own schema, apart from the api's tables in {@code public}. */
  public static final String SCHEMA = "publisher";

  private static final Logger LOG = LoggerFactory.getLogger(PublisherVerticle.class);
  private static final Duration DB_TIMEOUT = Duration.ofSeconds(30);

  private final PublisherConfig config;
  private final PrometheusMeterRegistry registry;
  private final Function<Pool, List<Channel>> extraChannels;
  private NewsletterConfig newsletterConfig;
  private NewsletterModule newsletter;
  private Pool newsletterPool;
  private SocialChannel social;
  private WebsiteChannel website;

  private Pool pool;
  private DeliveryVerticle delivery;
  private String deliveryDeployment;
  private HttpServer server;
  private Probe database;
  private Probe kafka;
  private Router router;

  /** A publisher with its own metrics registry. */
  public PublisherVerticle(PublisherConfig config) {
    this(config, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  /** A publisher that reports its metrics to the given registry, such as the one Vert.x uses. */
  public PublisherVerticle(PublisherConfig config, PrometheusMeterRegistry registry) {
    this(config, registry, pool -> List.of());
  }

  /**
   * A publisher with channels beyond the built-in ones, made once the database pool exists (tests
   * hand in channels that talk to local servers).
   */
  public PublisherVerticle(
      PublisherConfig config,
      PrometheusMeterRegistry registry,
      Function<Pool, List<Channel>> extraChannels) {
    this.config = config;
    this.registry = registry;
    this.extraChannels = extraChannels;
  }

  @Override
  public Future<?> start() {
    LOG.info("starting with {}", config);
    return vertx
        .executeBlocking(
            () -> {
              migrate();
              Files.createDirectories(config.siteDir());
              // Reads (or makes, on first start) the key that signs subscription links.
              newsletterConfig = NewsletterConfig.fromEnv(config.env());
              Topics.ensure(
                  config.kafkaBootstrapServers(), config.contentTopic(), Topics.CONTENT_PARTITIONS);
              Topics.ensure(
                  config.kafkaBootstrapServers(),
                  config.deliveryTopic(),
                  DeliveryTopics.PARTITIONS);
              Topics.ensure(
                  config.kafkaBootstrapServers(), config.commandTopic(), DeliveryTopics.PARTITIONS);
              return null;
            })
        .compose(
            v -> {
              pool =
                  PgBuilder.pool()
                      // Consumer, relay, each worker (claiming, then recording) and the website
                      // index each use one connection at a time; the rest serve readiness and
                      // metrics.
                      .with(
                          new PoolOptions()
                              .setMaxSize(config.delivery().workers() + 6)
                              .setName("herald-publisher"))
                      .connectingTo(
                          new PgConnectOptions()
                              .setHost(config.pgHost())
                              .setPort(config.pgPort())
                              .setDatabase(config.pgDatabase())
                              .setUser(config.pgUser())
                              .setPassword(config.pgPassword()))
                      .using(vertx)
                      .build();
              newsletterPool =
                  PgBuilder.pool()
                      // Sending holds a connection per concurrent recipient, apart from deliveries.
                      .with(
                          new PoolOptions()
                              .setMaxSize(newsletterConfig.concurrency() + 2)
                              .setName("herald-newsletter"))
                      .connectingTo(
                          new PgConnectOptions()
                              .setHost(config.pgHost())
                              .setPort(config.pgPort())
                              .setDatabase(config.pgDatabase())
                              .setUser(config.pgUser())
                              .setPassword(config.pgPassword()))
                      .using(vertx)
                      .build();
              database =
                  new Probe(
                          "database",
                          () -> pool.query("SELECT 1").execute().toCompletionStage(),
                          null)
                      .start();
              kafka = Probe.kafka(config.kafkaBootstrapServers()).start();
              newsletter = new NewsletterModule(vertx, newsletterPool, newsletterConfig);
              social = SocialChannel.fromConfig(SocialConfig.fromEnv(config.env()), pool);
              delivery = new DeliveryVerticle(config, pool, channels(pool), registry, DB_TIMEOUT);
              return vertx.deployVerticle(delivery, DeliveryVerticle.DEPLOYMENT);
            })
        .compose(
            deployment -> {
              deliveryDeployment = deployment;
              router =
                  new PublisherRoutes(
                          vertx, readiness(), registry, config.siteDir(), config.internalToken())
                      .router();
              social.mount(router);
              newsletter.mount(router);
              website.mount(vertx, router);
              if (config.internalToken().isEmpty()) {
                LOG.warn(
                    "HERALD_INTERNAL_TOKEN is not set: the newsletter's editor routes and the"
                        + " social preview answer nobody, not even the api");
              }
              return vertx
                  .createHttpServer(SERVER_OPTIONS)
                  .requestHandler(router)
                  .listen(config.port(), config.bindHost())
                  .compose(srv -> newsletter.start().map(srv));
            })
        .onSuccess(
            s -> {
              server = s;
              LOG.info(
                  "listening on {}:{}, site in {}",
                  config.bindHost(),
                  s.actualPort(),
                  config.siteDir());
            })
        // A failed start is not followed by stop(): release what was opened here.
        .recover(e -> close().transform(ignored -> Future.failedFuture(e)));
  }

  /**
   * What the publisher needs: its database and Kafka, both consumers, and the relay that tells
   * editors what went out.
   */
  private Readiness readiness() {
    return new Readiness()
        .add(database)
        .add(kafka)
        .add(delivery.contentConsumer())
        .add(delivery.commandConsumer())
        .add(
            "statusRelay",
            () ->
                delivery.relay().isHealthy()
                    ? Check.up("UP")
                    : Check.down("DOWN", "cannot send to Kafka"));
  }

  /**
   * The entries a page refers to without a page of their own, from the newest stored event of each
   * (the publisher keeps one for every entry, whatever its channels).
   */
  private static ReferenceNames referenceNames(Pool pool) {
    DeliveryRepository repository = new DeliveryRepository();
    return ids -> {
      Map<UUID, DeliveryRepository.StoredEvent> stored;
      try {
        stored =
            repository
                .latestContent(pool, ids)
                .timeout(DB_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .await();
      } catch (Exception e) {
        throw new IOException("referenced entries: " + e.getMessage(), e);
      }
      Map<UUID, ContentPublished> out = new HashMap<>();
      stored.forEach(
          (id, event) -> {
            if (ContentEventCodec.fromData(event.eventType(), event.data())
                instanceof ContentPublished published) {
              out.put(id, published);
            }
          });
      return out;
    };
  }

  /**
   * The channels this publisher delivers to. NOTE: the one place where channels are wired; the
   * social and newsletter channels join the list here.
   */
  private List<Channel> channels(Pool pool) {
    List<Channel> out = new ArrayList<>();
    website =
        new WebsiteChannel(
            config.siteDir(),
            new CachedWebsiteIndex(new WebsitePageRepository(pool, DB_TIMEOUT)),
            config.website(),
            referenceNames(pool));
    out.add(website);
    out.add(social);
    out.add(newsletter.channel());
    out.addAll(extraChannels.apply(pool));
    return out;
  }

  @Override
  public Future<?> stop() {
    return close();
  }

  /** The router, for the test that walks every route without the internal token. */
  public Router router() {
    return router;
  }

  /** The port the HTTP server listens on; with port 0 in the configuration, the one it chose. */
  public int actualPort() {
    if (server == null) {
      throw new IllegalStateException("the publisher is not started");
    }
    return server.actualPort();
  }

  /** Runs the publisher's migrations in its own schema, with its own history table there. */
  private void migrate() {
    Flyway.configure()
        .dataSource(config.jdbcUrl(), config.pgUser(), config.pgPassword())
        // The first schema is the default one: tables and flyway_schema_history both go there.
        .schemas(SCHEMA)
        .locations("classpath:db/publisher")
        .load()
        .migrate();
  }

  /**
   * Releases what start() opened. NOTE: on an undeploy Vert.x has already stopped the delivery
   * pipeline (a child deployment) before this runs; after a failed start it is undeployed here.
   */
  private Future<Void> close() {
    for (Probe p : new Probe[] {database, kafka}) {
      if (p != null) {
        p.close();
      }
    }
    Future<Void> closed = Future.succeededFuture();
    if (server != null) {
      HttpServer s = server;
      closed = closed.compose(v -> s.close());
    }
    if (deliveryDeployment != null && vertx.deploymentIDs().contains(deliveryDeployment)) {
      String id = deliveryDeployment;
      closed = closed.compose(v -> vertx.undeploy(id));
    }
    if (newsletter != null) {
      NewsletterModule n = newsletter;
      closed = closed.compose(v -> n.close());
    }
    if (newsletterPool != null) {
      Pool np = newsletterPool;
      closed = closed.compose(v -> np.close());
    }
    if (pool != null) {
      Pool p = pool;
      closed = closed.compose(v -> p.close());
    }
    return closed;
  }
}
