package herald.api;

import herald.api.audit.AuditRepository;
import herald.api.auth.ApiKeyRepository;
import herald.api.auth.ApiKeys;
import herald.api.content.ContentDeliveryRoutes;
import herald.api.content.ContentTypeRepository;
import herald.api.content.CursorCodec;
import herald.api.content.EntryRepository;
import herald.api.content.EntryService;
import herald.api.content.EntryValidator;
import herald.api.content.EntryView;
import herald.api.content.ResponseCache;
import herald.api.content.TypeCache;
import herald.api.content.VersionRepository;
import herald.api.delivery.DeliveryModule;
import herald.api.http.OpenApiValidation;
import herald.api.http.ServiceProxy;
import herald.api.outbox.OutboxRelay;
import herald.api.outbox.OutboxRepository;
import herald.api.outbox.RelayHoldSeam;
import herald.api.partners.PartnerModule;
import herald.api.schedule.ScheduleRepository;
import herald.api.schedule.ScheduleRunner;
import herald.api.studio.StudioModule;
import herald.events.DeliveryTopics;
import herald.events.health.Check;
import herald.events.health.Probe;
import herald.events.health.Readiness;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The api's object graph: every repository, service, module and client, built once from the
 * settings, a database pool and the two things read at start (the cursor secret and the OpenAPI
 * contract). Building does no I/O; {@link #start()} starts the background parts and {@link #stop()}
 * stops them in reverse. {@link ApiRoutes} mounts the routes of what is built here.
 */
final class ApiWiring {
  private static final Logger LOG = LoggerFactory.getLogger(ApiWiring.class);

  final ApiConfig config;
  final PrometheusMeterRegistry registry;
  final Pool pool;
  final OpenApiValidation contract;
  final Producer<String, byte[]> producer;
  final OutboxRelay relay;
  final ResponseCache cache;
  final AuditRepository audit = new AuditRepository();
  final ContentTypeRepository types = new ContentTypeRepository();
  final EntryRepository entries = new EntryRepository();
  final VersionRepository versions = new VersionRepository();
  final ScheduleRepository schedules = new ScheduleRepository();
  final StudioModule studio;
  final ApiKeys keys;
  final DeliveryModule deliveries;

  /** The partner features, absent with {@code HERALD_PARTNERS=off}. */
  final Optional<PartnerModule> partners;

  final EntryService entryService;
  final ServiceProxy indexer;
  final ServiceProxy publisher;
  final ScheduleRunner scheduler;
  final CursorCodec cursors;
  final ContentDeliveryRoutes delivery;
  private final List<Probe> probes = new ArrayList<>();

  /**
   * @param pg where the pool connects (the relay and the cache listen on their own connections)
   * @param apiPort this api's port, once it listens (Studio calls the api over HTTP)
   */
  ApiWiring(
      Vertx vertx,
      ApiConfig config,
      PrometheusMeterRegistry registry,
      Pool pool,
      PgConnectOptions pg,
      byte[] cursorSecret,
      OpenApiValidation contract,
      IntSupplier apiPort) {
    this.config = config;
    this.registry = registry;
    this.pool = pool;
    this.contract = contract;
    producer = new KafkaProducer<>(producerProps(config.kafka().bootstrapServers()));
    OutboxRepository outbox = new OutboxRepository();
    relay =
        new OutboxRelay(
            vertx,
            pool,
            pg,
            producer,
            config.kafka().contentTopic(),
            ApiVerticle.EVENT_SOURCE,
            config.relayPollInterval(),
            outbox,
            registry);
    config.relayHold().map(RelayHoldSeam::new).ifPresent(relay::afterAck);
    cache = new ResponseCache(vertx, pg, config.content().responseCacheSize(), registry);
    // Studio calls this api over loopback (or the one address it is bound to).
    String self =
        config.http().bindHost().equals("0.0.0.0") || config.http().bindHost().equals("::")
            ? "127.0.0.1"
            : config.http().bindHost();
    studio = new StudioModule(vertx, pool, config.studio(), audit, self, apiPort, config.locales());
    keys =
        new ApiKeys(
            pool,
            new ApiKeyRepository(),
            config.keys().adminKey(),
            studio.sessions(),
            config.keys().wrongKeysBurst(),
            config.keys().wrongKeysPerMinute());
    deliveries =
        new DeliveryModule(
            vertx, pool, config.kafka().bootstrapServers(), DeliveryTopics.STATUS, keys, registry);
    // HERALD_PARTNERS=off turns sync, feeds and webhooks off here (the partner tests mount the
    // module on a server of their own).
    partners =
        config
            .partners()
            .map(
                settings ->
                    new PartnerModule(
                        vertx,
                        pool,
                        config.kafka().bootstrapServers(),
                        config.kafka().contentTopic(),
                        config.content(),
                        settings,
                        keys,
                        cursorSecret,
                        registry));
    entryService =
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
    String token = config.neighbours().internalToken().orElse(null);
    if (token == null) {
      LOG.warn(
          "HERALD_INTERNAL_TOKEN is not set: the indexer and publisher will refuse the admin,"
              + " newsletter and social preview calls forwarded to them");
    }
    indexer = new ServiceProxy(vertx, "search", config.neighbours().indexerUrl(), token);
    publisher = new ServiceProxy(vertx, "publisher", config.neighbours().publisherUrl(), token);
    scheduler =
        new ScheduleRunner(vertx, pool, schedules, entryService, config.schedulerPollInterval());
    cursors = new CursorCodec(cursorSecret);
    delivery =
        new ContentDeliveryRoutes(
            pool,
            entries,
            new TypeCache(pool, types),
            keys,
            config.locales(),
            config.content().publicDelivery(),
            new EntryView(config::fallbackChain),
            cursors,
            cache);
  }

  /** Starts the relay, the cache's listener, the consumers and the scheduler. */
  Future<Void> start() {
    return relay
        .start()
        .compose(x -> cache.start())
        .compose(x -> deliveries.start())
        .compose(x -> partners.map(PartnerModule::start).orElse(Future.succeededFuture()))
        .compose(x -> studio.start())
        .onSuccess(x -> scheduler.start());
  }

  /**
   * What the api needs: its database and Kafka, the relay, its consumers, and the checks the
   * embedder added (the all-in-one's demo content), probed like the database.
   */
  Readiness readiness(Map<String, Supplier<Future<String>>> extra) {
    Readiness r =
        new Readiness()
            .add(
                track(
                    new Probe(
                        "database",
                        () -> pool.query("select 1").execute().toCompletionStage(),
                        null)))
            .add(track(Probe.kafka(config.kafka().bootstrapServers())))
            .add(
                "outboxRelay",
                () ->
                    relay.isHealthy()
                        ? Check.up(relay.isLeader() ? "LEADER" : "STANDBY")
                        : Check.down("DOWN", "cannot reach PostgreSQL or Kafka"))
            .add(deliveries.statusConsumer());
    partners.ifPresent(p -> r.add(p.consumer()));
    for (Map.Entry<String, Supplier<Future<String>>> e : extra.entrySet()) {
      Supplier<Future<String>> check = e.getValue();
      r.add(track(new Probe(e.getKey(), () -> check.get().toCompletionStage(), null)));
    }
    return r;
  }

  private Probe track(Probe p) {
    probes.add(p);
    return p.start();
  }

  /** Stops what {@link #start()} started, then the producer and the proxies' clients. */
  Future<Void> stop(Vertx vertx) {
    scheduler.stop();
    probes.forEach(Probe::close);
    return relay
        .stop()
        .eventually(cache::stop)
        .eventually(deliveries::stop)
        .eventually(() -> partners.map(PartnerModule::stop).orElse(Future.succeededFuture()))
        .eventually(studio::stop)
        .eventually(
            () ->
                vertx.executeBlocking(
                    () -> {
                      producer.close(Duration.ofSeconds(5));
                      return null;
                    }))
        .onComplete(
            x -> {
              indexer.close();
              publisher.close();
            })
        .mapEmpty();
  }

  private static Map<String, Object> producerProps(String bootstrapServers) {
    return Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
        bootstrapServers,
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
