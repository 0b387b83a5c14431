package herald.publisher;

import herald.events.ConsumerLoop;
import herald.events.ContentEventCodec;
import herald.events.ContentPublished;
import herald.events.DeliveryCommand;
import herald.events.DeliveryEventCodec;
import herald.events.DeliveryTopics;
import herald.events.GroupConsumers;
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
import herald.publisher.delivery.DeliveryService;
import herald.publisher.delivery.DeliveryWorker;
import herald.publisher.delivery.StatusOutbox;
import herald.publisher.delivery.StatusRelay;
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
  private static final Duration CONSUMER_STOP_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration BACKLOG_REFRESH = Duration.ofSeconds(5);

  private final PublisherConfig config;
  private final PrometheusMeterRegistry registry;
  private final Function<Pool, List<Channel>> extraChannels;
  private NewsletterConfig newsletterConfig;
  private NewsletterModule newsletter;
  private Pool newsletterPool;
  private SocialChannel social;
  private WebsiteChannel website;

  private Pool pool;
  private ConsumerLoop consumer;
  private ConsumerLoop commands;
  private DeliveryWorker worker;
  private StatusRelay relay;
  private HttpServer server;
  private Probe database;
  private Probe kafka;
  private Router router;
  private long backlogTimer = -1;

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
              StatusOutbox outbox = new StatusOutbox();
              DeliveryService deliveries =
                  new DeliveryService(
                      pool, new DeliveryRepository(), outbox, channels(pool), registry, DB_TIMEOUT);
              relay =
                  new StatusRelay(
                      pool,
                      outbox,
                      config.kafkaBootstrapServers(),
                      config.deliveryTopic(),
                      registry,
                      DB_TIMEOUT);
              worker = new DeliveryWorker(deliveries, config.delivery());
              deliveries.onNewWork(worker::wake);
              deliveries.onStatusWritten(relay::wake);
              relay.start();
              worker.start();
              // The consumer only records each event's deliveries (the workers deliver them), so
              // a batch of 100 is handled well inside max.poll.interval.ms.
              consumer =
                  ConsumerLoop.builder(
                          "publisher-content",
                          GroupConsumers.properties(
                              config.kafkaBootstrapServers(), config.consumerGroup(), 100),
                          config.contentTopic())
                      .metrics(registry)
                      .eachRecord(
                          r ->
                              deliveries.record(
                                  ContentEventCodec.fromRecord(r),
                                  ContentEventCodec.header(r.headers(), ContentEventCodec.H_ID)))
                      .build();
              consumer.start();
              // NOTE: a new group starts at the earliest command, so that none sent before its
              // first assignment is lost; replaying an old retry is harmless (see
              // DeliveryService#retry).
              commands =
                  ConsumerLoop.builder(
                          "publisher-commands",
                          GroupConsumers.properties(
                              config.kafkaBootstrapServers(),
                              config.consumerGroup() + "-commands",
                              100),
                          config.commandTopic())
                      .metrics(registry)
                      .eachRecord(r -> retry(deliveries, DeliveryEventCodec.commandFromRecord(r)))
                      .build();
              commands.start();
              backlogTimer =
                  vertx.setPeriodic(
                      BACKLOG_REFRESH.toMillis(),
                      id ->
                          deliveries
                              .refreshBacklog()
                              .onFailure(
                                  e -> LOG.debug("backlog not refreshed: {}", e.toString())));
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
        .add(consumer)
        .add(commands)
        .add(
            "statusRelay",
            () -> relay.isHealthy() ? Check.up("UP") : Check.down("DOWN", "cannot send to Kafka"));
  }

  /** Runs an editor's retry again; one that changes nothing is only logged. */
  private static void retry(DeliveryService deliveries, DeliveryCommand command) {
    if (deliveries.retry(command.deliveryId()).isEmpty()) {
      LOG.info(
          "retry of delivery {} asked by {} changes nothing: unknown, not dead, or a newer version"
              + " exists",
          command.deliveryId(),
          command.requestedBy());
    }
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
            repository.latestContent(pool, ids).await(DB_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
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

  private Future<Void> close() {
    if (backlogTimer >= 0) {
      vertx.cancelTimer(backlogTimer);
    }
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
    ConsumerLoop c = consumer;
    ConsumerLoop cc = commands;
    DeliveryWorker w = worker;
    StatusRelay r = relay;
    closed =
        closed.compose(
            v ->
                vertx.executeBlocking(
                    () -> {
                      // Order: no new deliveries, then no new attempts (those under way get a
                      // short grace, then resume after their lease elsewhere), then the last
                      // status events out.
                      if (c != null) {
                        c.stop(CONSUMER_STOP_TIMEOUT);
                      }
                      if (cc != null) {
                        cc.stop(CONSUMER_STOP_TIMEOUT);
                      }
                      if (w != null) {
                        w.stop(config.delivery().stopGrace());
                      }
                      if (r != null) {
                        r.stop(Duration.ofSeconds(5));
                      }
                      return null;
                    }));
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
