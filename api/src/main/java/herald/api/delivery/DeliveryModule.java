package herald.api.delivery;

import herald.api.auth.ApiKeys;
import herald.events.ConsumerLoop;
import herald.events.DeliveryCommand;
import herald.events.DeliveryEventCodec;
import herald.events.DeliveryTopics;
import herald.events.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The api's side of deliveries, in one piece to wire into the api verticle: a consumer of the
 * publisher's {@code delivery.status} events that keeps the {@code deliveries} read table
 * (migration {@code V10__deliveries.sql}), the routes {@code GET
 * /v1/manage/entries/{id}/deliveries}, {@code GET /v1/manage/deliveries/{id}} and {@code POST
 * /v1/manage/deliveries/{id}/retry}, and the producer of retry commands for the publisher.
 */
public final class DeliveryModule {

  /** Consumer group of the api's status consumer. */
  public static final String DEFAULT_GROUP = "herald-api-deliveries";

  private static final Logger LOG = LoggerFactory.getLogger(DeliveryModule.class);
  private static final Duration STOP_WAIT = Duration.ofSeconds(10);

  private final Vertx vertx;
  private final Pool pool;
  private final String bootstrapServers;
  private final String statusTopic;
  private final String commandTopic;
  private final ApiKeys keys;
  private final DeliveryReadRepository repository = new DeliveryReadRepository();
  private final ConsumerLoop consumer;
  private final Counter retries;
  private Producer<String, byte[]> producer;

  /** The module on the default command topic and consumer group. */
  public DeliveryModule(
      Vertx vertx,
      Pool pool,
      String kafkaBootstrapServers,
      String deliveryTopic,
      ApiKeys keys,
      MeterRegistry registry) {
    this(
        vertx,
        pool,
        kafkaBootstrapServers,
        deliveryTopic,
        DeliveryTopics.COMMANDS,
        DEFAULT_GROUP,
        keys,
        registry);
  }

  /** The module with every name given (tests use their own topics and group). */
  public DeliveryModule(
      Vertx vertx,
      Pool pool,
      String kafkaBootstrapServers,
      String deliveryTopic,
      String commandTopic,
      String consumerGroup,
      ApiKeys keys,
      MeterRegistry registry) {
    this.vertx = vertx;
    this.pool = pool;
    this.bootstrapServers = kafkaBootstrapServers;
    this.statusTopic = deliveryTopic;
    this.commandTopic = commandTopic;
    this.keys = keys;
    this.consumer =
        DeliveryStatusConsumer.loop(
            kafkaBootstrapServers, consumerGroup, deliveryTopic, pool, repository, registry);
    this.retries =
        Counter.builder("herald.api.delivery.retries")
            .description("Retries of deliveries asked for by editors")
            .register(registry);
  }

  /** Creates the topics if needed, then starts the producer and the status consumer. */
  public Future<Void> start() {
    return vertx.executeBlocking(
        () -> {
          Topics.ensure(bootstrapServers, statusTopic, DeliveryTopics.PARTITIONS);
          Topics.ensure(bootstrapServers, commandTopic, DeliveryTopics.PARTITIONS);
          producer = new KafkaProducer<>(producerProperties(bootstrapServers));
          consumer.start();
          LOG.info(
              "reading delivery status from {}, sending commands to {}", statusTopic, commandTopic);
          return null;
        });
  }

  /** Adds the routes; the router's failure handler turns their errors into problem+json. */
  public void mount(Router router) {
    new DeliveryStatusRoutes(pool, repository, keys, this::send).mount(router);
  }

  /** The consumer of status events, for readiness. */
  public ConsumerLoop statusConsumer() {
    return consumer;
  }

  /** Stops the consumer and closes the producer. */
  public Future<Void> stop() {
    return vertx.executeBlocking(
        () -> {
          consumer.stop(STOP_WAIT);
          if (producer != null) {
            producer.close(Duration.ofSeconds(5));
          }
          return null;
        });
  }

  /**
   * Sends a command and completes once the broker has it. NOTE: {@code KafkaProducer.send} blocks
   * while it fetches the topic's metadata (up to {@code max.block.ms} when Kafka is away), so it is
   * called on a worker thread, never on the event loop that serves requests.
   */
  private Future<Void> send(DeliveryCommand command) {
    if (producer == null) {
      return Future.failedFuture(new IllegalStateException("the delivery module is not started"));
    }
    Producer<String, byte[]> p = producer;
    Promise<Void> acked = Promise.promise();
    return vertx
        .executeBlocking(
            () ->
                p.send(
                    DeliveryEventCodec.toRecord(commandTopic, command),
                    (metadata, e) -> {
                      if (e == null) {
                        retries.increment();
                        acked.complete();
                      } else {
                        acked.fail(e);
                      }
                    }),
            false)
        .compose(sent -> acked.future());
  }

  static Properties producerProperties(String bootstrapServers) {
    Properties p = new Properties();
    // Where the cluster is; the rest of it is discovered from there.
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    // The editor gets 202 only once every in-sync replica has the command.
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    // No duplicates from the producer's own retries.
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    // An editor waits for the answer: fail within seconds when Kafka is away (503 then).
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000);
    // The key is the entry id as text, the value the command's JSON.
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    return p;
  }
}
