package herald.publisher.delivery;

import herald.events.ConsumerLoop;
import herald.events.ContentEventCodec;
import herald.events.DeliveryCommand;
import herald.events.DeliveryEventCodec;
import herald.events.GroupConsumers;
import herald.publisher.PublisherConfig;
import herald.publisher.channel.Channel;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery pipeline, a virtual-thread verticle: the consumers record each content event's
 * deliveries and each editor's retry, the worker's loops run the deliveries, the relay sends their
 * status to Kafka. All of it is straight-line code that awaits PostgreSQL, timers and channel calls
 * on the verticle's virtual threads; only the Kafka consumers keep the thread the client needs
 * ({@link ConsumerLoop}).
 *
 * <p>{@link #stop()} goes in this order: no new deliveries (consumers), then no new attempts (those
 * under way get a grace, then resume after their lease elsewhere), then the last status events out.
 */
public final class DeliveryVerticle extends VerticleBase {

  /** How to deploy it. */
  public static final DeploymentOptions DEPLOYMENT =
      new DeploymentOptions().setThreadingModel(ThreadingModel.VIRTUAL_THREAD);

  private static final Logger LOG = LoggerFactory.getLogger(DeliveryVerticle.class);
  private static final Duration CONSUMER_STOP_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration BACKLOG_REFRESH = Duration.ofSeconds(5);

  private final PublisherConfig config;
  private final Pool pool;
  private final List<Channel> channels;
  private final MeterRegistry registry;
  private final Duration dbTimeout;
  private ConsumerLoop consumer;
  private ConsumerLoop commands;
  private DeliveryWorker worker;
  private StatusRelay relay;
  private long backlogTimer = -1;

  /**
   * The pipeline for the given channels.
   *
   * @param dbTimeout the longest wait for one database transaction
   */
  public DeliveryVerticle(
      PublisherConfig config,
      Pool pool,
      List<Channel> channels,
      MeterRegistry registry,
      Duration dbTimeout) {
    this.config = config;
    this.pool = pool;
    this.channels = channels;
    this.registry = registry;
    this.dbTimeout = dbTimeout;
  }

  @Override
  public Future<?> start() {
    StatusOutbox outbox = new StatusOutbox();
    DeliveryService deliveries =
        new DeliveryService(pool, new DeliveryRepository(), outbox, channels, registry, dbTimeout);
    relay =
        new StatusRelay(
            vertx,
            pool,
            outbox,
            config.kafkaBootstrapServers(),
            config.deliveryTopic(),
            registry,
            dbTimeout);
    worker = new DeliveryWorker(vertx, deliveries, config.delivery());
    deliveries.onNewWork(worker::wake);
    deliveries.onStatusWritten(relay::wake);
    relay.start();
    worker.start();
    // The consumer only records each event's deliveries (the worker delivers them), so a batch of
    // 100 is handled well inside max.poll.interval.ms.
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
    // NOTE: a new group starts at the earliest command, so that none sent before its first
    // assignment is lost; replaying an old retry is harmless (see DeliveryService#retry).
    commands =
        ConsumerLoop.builder(
                "publisher-commands",
                GroupConsumers.properties(
                    config.kafkaBootstrapServers(), config.consumerGroup() + "-commands", 100),
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
                    .onFailure(e -> LOG.debug("backlog not refreshed: {}", e.toString())));
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    if (backlogTimer >= 0) {
      vertx.cancelTimer(backlogTimer);
    }
    // Stopping a consumer waits for its thread: on a thread of its own, so the loops go on.
    return vertx
        .executeBlocking(
            () -> {
              for (ConsumerLoop c : new ConsumerLoop[] {consumer, commands}) {
                if (c != null) {
                  c.stop(CONSUMER_STOP_TIMEOUT);
                }
              }
              return null;
            },
            false)
        .compose(
            v ->
                worker == null
                    ? Future.succeededFuture()
                    : worker.stop(config.delivery().stopGrace()))
        .compose(v -> relay == null ? Future.succeededFuture() : relay.stop(Duration.ofSeconds(5)));
  }

  /** The consumer of content events, for readiness. */
  public ConsumerLoop contentConsumer() {
    return consumer;
  }

  /** The consumer of editors' commands, for readiness. */
  public ConsumerLoop commandConsumer() {
    return commands;
  }

  /** The relay of status events, for readiness. */
  public StatusRelay relay() {
    return relay;
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
}
