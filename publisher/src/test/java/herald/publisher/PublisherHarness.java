package herald.publisher;

import herald.embedded.PgSettings;
import herald.embedded.TestInfrastructure;
import herald.events.DeliveryEventCodec;
import herald.events.DeliveryStatusEvent;
import herald.publisher.channel.Channel;
import herald.publisher.delivery.Attempt;
import herald.publisher.delivery.Delivery;
import herald.publisher.delivery.DeliveryRepository;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A real publisher on the shared test PostgreSQL and Kafka: its own database per harness, its own
 * topics and consumer group per {@link #fresh()}; publishers can be deployed, stopped and deployed
 * again on the same database.
 */
public final class PublisherHarness implements AutoCloseable {

  public static final Duration WAIT = Duration.ofSeconds(60);

  public final PgSettings pg = TestInfrastructure.freshDatabase();
  public final String bootstrap = TestInfrastructure.shared().kafkaBootstrapServers();
  public final Vertx vertx = Vertx.vertx();
  public final Pool db;
  public final WebClient http = WebClient.create(vertx);
  public final KafkaProducer<String, byte[]> producer;
  public final Map<String, String> overrides = new HashMap<>();
  public Function<Pool, List<Channel>> extraChannels = pool -> List.of();

  public String topic;
  public String deliveryTopic;
  public String commandTopic;
  public Path dataDir;
  public PublisherVerticle publisher;
  public PrometheusMeterRegistry registry;
  private String deployment;

  public PublisherHarness() {
    db =
        PgBuilder.pool()
            .connectingTo(
                new PgConnectOptions()
                    .setHost(pg.host())
                    .setPort(pg.port())
                    .setDatabase(pg.database())
                    .setUser(pg.user())
                    .setPassword(pg.password()))
            .using(vertx)
            .build();
    producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                ByteArraySerializer.class.getName()));
  }

  /** New topics and a new data directory for the next test. */
  public void fresh(Path dataDir) {
    this.dataDir = dataDir;
    topic = TestInfrastructure.uniqueTopic("publisher-it");
    deliveryTopic = topic + "-status";
    commandTopic = topic + "-commands";
  }

  public PublisherConfig config() {
    return PublisherConfig.fromEnv(env());
  }

  /** The environment of {@link #config()}, for a publisher started as a process of its own. */
  public Map<String, String> env() {
    Map<String, String> env = new HashMap<>();
    env.put("HERALD_PUBLISHER_PORT", "0");
    env.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
    env.put("HERALD_CONTENT_TOPIC", topic);
    env.put("HERALD_DELIVERY_TOPIC", deliveryTopic);
    env.put("HERALD_DELIVERY_COMMAND_TOPIC", commandTopic);
    env.put("HERALD_PUBLISHER_GROUP", topic + "-publisher");
    env.put("PG_HOST", pg.host());
    env.put("PG_PORT", Integer.toString(pg.port()));
    env.put("PG_DATABASE", pg.database());
    env.put("PG_USER", pg.user());
    env.put("PG_PASSWORD", pg.password());
    env.put("HERALD_DATA_DIR", dataDir.toString());
    // Fast retries so that failure tests take seconds.
    env.put("HERALD_DELIVERY_BACKOFF_MS", "200");
    env.put("HERALD_DELIVERY_BACKOFF_MAX_MS", "1000");
    env.put("HERALD_DELIVERY_TIMEOUT_MS", "2000");
    env.put("HERALD_DELIVERY_MAX_ATTEMPTS", "3");
    env.put("HERALD_DELIVERY_POLL_MS", "100");
    env.put("HERALD_DELIVERY_STOP_GRACE_MS", "1000");
    env.put("HERALD_SITE_URL", "https://site.example");
    env.putAll(overrides);
    return env;
  }

  public PublisherVerticle deploy() throws Exception {
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    publisher = new PublisherVerticle(config(), registry, extraChannels);
    deployment = vertx.deployVerticle(publisher).await(2, TimeUnit.MINUTES);
    return publisher;
  }

  public void undeploy() throws Exception {
    if (deployment != null) {
      vertx.undeploy(deployment).await(2, TimeUnit.MINUTES);
      deployment = null;
    }
  }

  /** Empties the publisher's tables between tests that share the database. */
  public void truncate() throws Exception {
    db.query(
            "TRUNCATE publisher.delivery, publisher.delivery_attempt, publisher.applied_version,"
                + " publisher.content_version, publisher.status_outbox, publisher.website_page")
        .execute()
        .await(30, TimeUnit.SECONDS);
  }

  public void send(ProducerRecord<String, byte[]> record) throws Exception {
    producer.send(record).get(30, TimeUnit.SECONDS);
  }

  public List<Delivery> deliveries(UUID entry) throws Exception {
    return new DeliveryRepository().findByEntry(db, entry).await(30, TimeUnit.SECONDS);
  }

  /** The entry's deliveries on one channel (the golden samples choose several channels). */
  public List<Delivery> deliveries(UUID entry, String channel) throws Exception {
    return deliveries(entry).stream().filter(d -> d.channel().equals(channel)).toList();
  }

  public List<Attempt> attempts(Delivery d) throws Exception {
    return new DeliveryRepository().attempts(db, d.id(), 100).await(30, TimeUnit.SECONDS);
  }

  public long count(String sql) throws Exception {
    return db.query(sql).execute().await(30, TimeUnit.SECONDS).iterator().next().getLong(0);
  }

  public HttpResponse<Buffer> get(String path) throws Exception {
    return http.get(publisher.actualPort(), "127.0.0.1", path).send().await(30, TimeUnit.SECONDS);
  }

  /** The value of a meter on /metrics, -1 when it is not there. */
  public double metric(String name, String... labels) throws Exception {
    String text = get("/metrics").bodyAsString();
    Pattern line =
        Pattern.compile("^" + Pattern.quote(name) + "\\{([^}]*)\\} (\\S+)$", Pattern.MULTILINE);
    Matcher m = line.matcher(text);
    while (m.find()) {
      boolean all = true;
      for (int i = 0; i < labels.length; i += 2) {
        all &= m.group(1).contains(labels[i] + "=\"" + labels[i + 1] + "\"");
      }
      if (all) {
        return Double.parseDouble(m.group(2));
      }
    }
    return -1;
  }

  /** A consumer of the status topic from its start. */
  public KafkaConsumer<String, byte[]> statusConsumer() {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    KafkaConsumer<String, byte[]> c =
        new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    c.subscribe(List.of(deliveryTopic));
    return c;
  }

  /** Status events read until {@code done} holds for what was read, or the wait ends. */
  public static List<ConsumerRecord<String, byte[]>> readStatus(
      KafkaConsumer<String, byte[]> c,
      java.util.function.Predicate<List<DeliveryStatusEvent>> done) {
    List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
    List<DeliveryStatusEvent> events = new ArrayList<>();
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!done.test(events) && System.nanoTime() < deadline) {
      for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
        out.add(r);
        events.add(DeliveryEventCodec.statusFromRecord(r));
      }
    }
    return out;
  }

  @Override
  public void close() throws Exception {
    producer.close();
    vertx.close().await(1, TimeUnit.MINUTES);
  }
}
