package herald.publisher;

import herald.events.Topics;
import herald.publisher.channel.website.WebsiteChannel;
import herald.publisher.consumer.ContentConsumer;
import herald.publisher.delivery.DeliveryRepository;
import herald.publisher.delivery.DeliveryService;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The publisher service: migrates its schema, consumes content events, delivers them to the
 * channels with a delivery log, and serves the generated site, health and metrics over HTTP.
 */
public final class PublisherVerticle extends VerticleBase {

  /** The publisher's own schema, apart from the api's tables in {@code public}. */
  public static final String SCHEMA = "publisher";

  private static final Logger LOG = LoggerFactory.getLogger(PublisherVerticle.class);
  private static final Duration DB_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration CONSUMER_STOP_TIMEOUT = Duration.ofSeconds(20);

  private final PublisherConfig config;
  private final PrometheusMeterRegistry registry;

  private Pool pool;
  private ContentConsumer consumer;
  private HttpServer server;

  /** A publisher with its own metrics registry. */
  public PublisherVerticle(PublisherConfig config) {
    this(config, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  /** A publisher that reports its metrics to the given registry, such as the one Vert.x uses. */
  public PublisherVerticle(PublisherConfig config, PrometheusMeterRegistry registry) {
    this.config = config;
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    LOG.info("starting with {}", config);
    return vertx
        .executeBlocking(
            () -> {
              migrate();
              Files.createDirectories(config.siteDir());
              Topics.ensure(
                  config.kafkaBootstrapServers(), config.contentTopic(), Topics.CONTENT_PARTITIONS);
              return null;
            })
        .compose(
            v -> {
              pool =
                  PgBuilder.pool()
                      // The consumer uses one connection at a time; the rest serve readiness.
                      .with(new PoolOptions().setMaxSize(4).setName("herald-publisher"))
                      .connectingTo(
                          new PgConnectOptions()
                              .setHost(config.pgHost())
                              .setPort(config.pgPort())
                              .setDatabase(config.pgDatabase())
                              .setUser(config.pgUser())
                              .setPassword(config.pgPassword()))
                      .using(vertx)
                      .build();
              DeliveryService deliveries =
                  new DeliveryService(
                      pool,
                      new DeliveryRepository(),
                      List.of(new WebsiteChannel(config.siteDir())),
                      registry,
                      DB_TIMEOUT);
              consumer =
                  new ContentConsumer(
                      config.kafkaBootstrapServers(),
                      config.consumerGroup(),
                      config.contentTopic(),
                      deliveries::process,
                      registry);
              consumer.start();
              return vertx
                  .createHttpServer()
                  .requestHandler(
                      new PublisherRoutes(vertx, pool, consumer, registry, config.siteDir())
                          .router())
                  .listen(config.port());
            })
        .onSuccess(
            s -> {
              server = s;
              LOG.info("listening on port {}, site in {}", s.actualPort(), config.siteDir());
            })
        // A failed start is not followed by stop(): release what was opened here.
        .recover(e -> close().transform(ignored -> Future.failedFuture(e)));
  }

  @Override
  public Future<?> stop() {
    return close();
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
    Future<Void> closed = Future.succeededFuture();
    if (server != null) {
      HttpServer s = server;
      closed = closed.compose(v -> s.close());
    }
    if (consumer != null) {
      ContentConsumer c = consumer;
      closed =
          closed.compose(
              v ->
                  vertx.executeBlocking(
                      () -> {
                        c.stop(CONSUMER_STOP_TIMEOUT);
                        return null;
                      }));
    }
    if (pool != null) {
      Pool p = pool;
      closed = closed.compose(v -> p.close());
    }
    return closed;
  }
}
