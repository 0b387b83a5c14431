package herald.indexer;

import herald.events.Topics;
import herald.events.health.Check;
import herald.events.health.Probe;
import herald.events.health.Readiness;
import herald.indexer.admin.AdminRoutes;
import herald.indexer.admin.IndexRebuilder;
import herald.indexer.consumer.ContentConsumer;
import herald.indexer.health.HealthRoutes;
import herald.indexer.http.InternalGuard;
import herald.indexer.http.ProblemHandler;
import herald.indexer.index.ContentIndex;
import herald.indexer.index.IndexStore;
import herald.indexer.index.LiveIndex;
import herald.indexer.search.ContentSearcher;
import herald.indexer.search.SearchRoutes;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The indexer service: Kafka content events into a Lucene index, and the search API over it. */
public final class IndexerVerticle extends VerticleBase {
  /**
   * No HTTP/2 upgrade on clear text: the JDK's HTTP client asks for one on every first request, and
   * a large answer then reached it as HTTP/1.1 bytes it read as HTTP/2 frames ("Frame type(34)
   * exceeds MAX_FRAME_SIZE"). HTTP/2 belongs to the TLS proxy in front.
   */
  private static final HttpServerOptions SERVER_OPTIONS =
      new HttpServerOptions().setHttp2ClearTextEnabled(false);

  private static final Logger LOG = LoggerFactory.getLogger(IndexerVerticle.class);

  private final IndexerConfig config;
  private final PrometheusMeterRegistry registry;
  private final List<Meter> meters = new ArrayList<>();

  private LiveIndex live;
  private Probe kafka;
  private Readiness readiness;
  private IndexStore.StartState startState;
  private volatile boolean initialCatchUpDone;
  private ContentConsumer consumer;
  private IndexRebuilder rebuilder;
  private HttpServer server;
  private Router router;
  private WorkerExecutor searchPool;

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
              IndexStore store = new IndexStore(config.indexDir());
              IndexStore.Opened opened = store.openCurrent();
              live = new LiveIndex(opened.index());
              startState = opened.state();
              initialCatchUpDone = startState == IndexStore.StartState.OPENED;
              if (!initialCatchUpDone) {
                LOG.info("No usable index ({}): building it from the whole log", startState);
              }
              Topics.ensure(
                  config.kafkaBootstrapServers(), config.contentTopic(), Topics.CONTENT_PARTITIONS);
              consumer =
                  new ContentConsumer(
                      config.kafkaBootstrapServers(),
                      config.groupId(),
                      config.contentTopic(),
                      live,
                      registry);
              kafka = Probe.kafka(config.kafkaBootstrapServers()).start();
              // Searches need the index open; following the log needs Kafka and the consumer.
              readiness =
                  new Readiness()
                      .add(
                          "index",
                          () ->
                              live.current().isOpen()
                                  ? Check.up(rebuilding() ? "REBUILDING" : "OPEN")
                                  : Check.down("CLOSED", "the index in service is closed"))
                      .add(kafka)
                      .add("indexer", () -> Check.of(consumer.status()));
              rebuilder =
                  new IndexRebuilder(
                      config.kafkaBootstrapServers(), config.contentTopic(), store, consumer);
              if (initialCatchUpDone) {
                consumer.start();
              } else {
                // The log is read by the (parallel) rebuild first; the consumer follows on from
                // the rebuilt index's positions.
                rebuilder.start(consumer::start);
              }
              return null;
            })
        .compose(
            v ->
                vertx
                    .createHttpServer(SERVER_OPTIONS)
                    .requestHandler(router = buildRouter())
                    .invalidRequestHandler(ProblemHandler::invalidRequest)
                    .listen(config.port(), config.bindHost()))
        .onSuccess(
            s -> {
              server = s;
              if (config.internalToken().isEmpty()) {
                LOG.warn(
                    "HERALD_INTERNAL_TOKEN is not set: the admin routes answer nobody, not even"
                        + " the api");
              }
              LOG.info(
                  "Indexer listening on {}:{}, index {}, topic {}",
                  config.bindHost(),
                  s.actualPort(),
                  live.current().folder().toAbsolutePath(),
                  config.contentTopic());
            })
        // Vert.x does not call stop() after a failed start; release what was opened.
        .recover(e -> stop().transform(ignored -> Future.failedFuture(e)));
  }

  private Router buildRouter() {
    ContentSearcher searcher = new ContentSearcher(live, config.searchCacheSize());
    Timer searchLatency =
        Timer.builder("herald.indexer.search")
            .description("Time to answer a search")
            // Buckets for a latency histogram (and its quantiles) in Prometheus.
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofSeconds(5))
            .register(registry);
    meters.add(searchLatency);
    meters.add(
        Gauge.builder("herald.indexer.documents", this, IndexerVerticle::documentCount)
            .description("Searchable documents, one per entry and locale")
            .register(registry));
    meters.add(
        Gauge.builder("herald.indexer.index.size", this, IndexerVerticle::sizeBytes)
            .description("Bytes on disk of the index in service")
            .baseUnit("bytes")
            .register(registry));
    meters.add(
        Gauge.builder("herald.indexer.refresh.age", this, IndexerVerticle::refreshAgeSeconds)
            .description("Seconds since searches last saw the index refreshed")
            .baseUnit("seconds")
            .register(registry));
    meters.add(
        Gauge.builder("herald.indexer.rebuilding", this, v -> v.rebuilding() ? 1 : 0)
            .description("1 while the index is being built from the log, else 0")
            .register(registry));

    Router router = Router.router(vertx);
    // First: every route below is internal unless the guard names it public.
    router.route().handler(new InternalGuard(config.internalToken()));
    searchPool = vertx.createSharedWorkerExecutor("herald-search", config.searchThreads());
    new SearchRoutes(searchPool, searcher, searchLatency, config.siteUrl()).mount(router);
    new AdminRoutes(vertx, rebuilder, this::status).mount(router);
    new HealthRoutes(readiness, registry).mount(router);
    ProblemHandler problems = new ProblemHandler();
    router.route().failureHandler(problems);
    // Unmatched paths and methods never reach the failure handler; answer them the same way.
    router.errorHandler(404, problems);
    router.errorHandler(405, problems);
    return router;
  }

  private boolean isReady() {
    return readiness.report().up();
  }

  /** Whether the index is being built from the log: on start without one, or by a rebuild. */
  private boolean rebuilding() {
    if (!initialCatchUpDone && consumer != null && consumer.caughtUp()) {
      initialCatchUpDone = true;
    }
    return !initialCatchUpDone || (rebuilder != null && rebuilder.isRunning());
  }

  /** What {@code GET /v1/admin/index} shows. */
  JsonObject status() {
    ContentIndex index = live.current();
    JsonObject serving =
        new JsonObject()
            .put("directory", index.folder().getFileName().toString())
            .put("documents", (long) documentCount())
            .put("sizeBytes", index.sizeBytes())
            .put("lag", consumer.lag())
            .put("refreshAgeSeconds", refreshAgeSeconds())
            .put("eventsApplied", consumer.appliedCount())
            .put("startedFrom", startState.name().toLowerCase(java.util.Locale.ROOT));
    JsonObject out =
        new JsonObject()
            .put("state", rebuilding() ? "rebuilding" : "serving")
            .put("ready", isReady())
            .put("index", serving);
    rebuilder
        .status()
        .ifPresent(
            s -> {
              JsonObject r =
                  new JsonObject()
                      .put("state", s.state().name().toLowerCase(java.util.Locale.ROOT))
                      .put("startedAt", s.startedAt().toString())
                      .put("eventsRead", s.eventsRead())
                      .put("documentsIndexed", s.applied())
                      .put("lag", s.lag())
                      .put("directory", s.directory());
              s.finishedAt()
                  .ifPresent(
                      f ->
                          r.put("finishedAt", f.toString())
                              .put(
                                  "seconds",
                                  (f.toEpochMilli() - s.startedAt().toEpochMilli()) / 1000.0));
              s.error().ifPresent(e -> r.put("error", e));
              out.put("rebuild", r);
            });
    return out;
  }

  private double documentCount() {
    try {
      return live != null && live.current().isOpen() ? live.current().documentCount() : Double.NaN;
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  private double sizeBytes() {
    try {
      return live != null ? live.current().sizeBytes() : Double.NaN;
    } catch (RuntimeException e) {
      return Double.NaN;
    }
  }

  private double refreshAgeSeconds() {
    if (live == null) {
      return Double.NaN;
    }
    return (System.nanoTime() - live.current().lastRefreshNanos())
        / (double) TimeUnit.SECONDS.toNanos(1);
  }

  /** The router, for the test that walks every route without the internal token. */
  public Router router() {
    return router;
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
    if (searchPool != null) {
      http = http.eventually(searchPool::close);
    }
    // NOTE: order matters: a rebuild hands its index to the consumer, and the consumer commits
    // into the index, so the rebuild stops first, then the consumer, then the index.
    return http.eventually(
        () ->
            vertx.executeBlocking(
                () -> {
                  meters.forEach(registry::remove);
                  if (kafka != null) {
                    kafka.close();
                  }
                  meters.clear();
                  if (rebuilder != null) {
                    rebuilder.close();
                  }
                  if (consumer != null) {
                    consumer.close();
                  }
                  if (live != null) {
                    live.current().close();
                  }
                  return null;
                }));
  }
}
