package herald.indexer;

import herald.events.Topics;
import herald.indexer.consumer.ContentConsumer;
import herald.indexer.health.HealthRoutes;
import herald.indexer.http.ProblemHandler;
import herald.indexer.index.ContentIndex;
import herald.indexer.search.ContentSearcher;
import herald.indexer.search.SearchRoutes;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The indexer service: Kafka content events into a Lucene index, and the search API over it. */
public final class IndexerVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(IndexerVerticle.class);

  private final IndexerConfig config;
  private final PrometheusMeterRegistry registry;
  private final List<Meter> meters = new ArrayList<>();

  private ContentIndex index;
  private ContentConsumer consumer;
  private HttpServer server;

  /** A verticle with its own metrics registry, for tests and embedding. */
  public IndexerVerticle(IndexerConfig config) {
    this(config, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  /** A verticle whose metrics go to the registry that {@code /metrics} serves. */
  public IndexerVerticle(IndexerConfig config, PrometheusMeterRegistry registry) {
    this.config = config;
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    return vertx
        .executeBlocking(
            () -> {
              index = ContentIndex.open(config.indexDir());
              Topics.ensure(
                  config.kafkaBootstrapServers(), config.contentTopic(), Topics.CONTENT_PARTITIONS);
              consumer =
                  new ContentConsumer(
                      config.kafkaBootstrapServers(),
                      config.groupId(),
                      config.contentTopic(),
                      index,
                      registry);
              consumer.start();
              return null;
            })
        .compose(
            v ->
                vertx
                    .createHttpServer()
                    .requestHandler(router())
                    .invalidRequestHandler(ProblemHandler::invalidRequest)
                    .listen(config.port()))
        .onSuccess(
            s -> {
              server = s;
              LOG.info(
                  "Indexer listening on port {}, index {}, topic {}",
                  s.actualPort(),
                  config.indexDir().toAbsolutePath(),
                  config.contentTopic());
            })
        // Vert.x does not call stop() after a failed start; release what was opened.
        .recover(e -> stop().transform(ignored -> Future.failedFuture(e)));
  }

  private Router router() {
    ContentSearcher searcher = new ContentSearcher(index);
    Timer searchLatency =
        Timer.builder("herald.indexer.search")
            .description("Time to answer a search")
            .register(registry);
    meters.add(searchLatency);
    meters.add(
        Gauge.builder("herald.indexer.documents", this, IndexerVerticle::documentCount)
            .description("Searchable documents, one per entry and locale")
            .register(registry));

    Router router = Router.router(vertx);
    new SearchRoutes(vertx, searcher, searchLatency).mount(router);
    new HealthRoutes(this::isReady, registry).mount(router);
    ProblemHandler problems = new ProblemHandler();
    router.route().failureHandler(problems);
    // Unmatched paths and methods never reach the failure handler; answer them the same way.
    router.errorHandler(404, problems);
    router.errorHandler(405, problems);
    return router;
  }

  private boolean isReady() {
    return index != null && index.isOpen() && consumer != null && consumer.isReady();
  }

  private double documentCount() {
    try {
      return index != null && index.isOpen() ? index.documentCount() : Double.NaN;
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  /** The port the HTTP server listens on; useful when the configured port is 0. */
  public int actualPort() {
    if (server == null) {
      throw new IllegalStateException("the indexer is not started");
    }
    return server.actualPort();
  }

  @Override
  public Future<?> stop() {
    Future<Void> http = server == null ? Future.succeededFuture() : server.close();
    // NOTE: order matters: the consumer commits into the index, so it stops before the index.
    return http.eventually(
        () ->
            vertx.executeBlocking(
                () -> {
                  meters.forEach(registry::remove);
                  meters.clear();
                  if (consumer != null) {
                    consumer.close();
                  }
                  if (index != null) {
                    index.close();
                  }
                  return null;
                }));
  }
}
