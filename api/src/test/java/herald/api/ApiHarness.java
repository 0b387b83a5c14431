package herald.api;

import static org.junit.jupiter.api.Assertions.fail;

import herald.embedded.PgSettings;
import herald.embedded.TestInfrastructure;
import herald.events.Topics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** A real api verticle on a fresh database and topic of the shared test PostgreSQL and Kafka. */
final class ApiHarness implements AutoCloseable {
  static final String ADMIN_KEY = "test-admin-key";

  final Vertx vertx = Vertx.vertx();
  final PgSettings pg = ApiTestDatabase.fresh();
  final String topic = TestInfrastructure.uniqueTopic(Topics.CONTENT);
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  final List<ApiVerticle> verticles = new ArrayList<>();
  final List<String> deployments = new ArrayList<>();

  /** Settings a test adds to (or changes in) the environment below. */
  final Map<String, String> extraEnv = new HashMap<>();

  Map<String, String> env() {
    Map<String, String> env = ApiTestDatabase.apiEnv(pg, topic, ADMIN_KEY);
    env.put("HERALD_MAX_BODY_BYTES", "65536");
    // Tests send wrong keys on purpose; WrongKeysIT tests the throttle.
    env.put("HERALD_WRONG_KEYS_BURST", "100000");
    env.putAll(extraEnv);
    return env;
  }

  ApiVerticle deploy() {
    ApiVerticle v = new ApiVerticle(ApiConfig.fromEnv(env()));
    deployments.add(await(vertx.deployVerticle(v)));
    verticles.add(v);
    return v;
  }

  void undeploy(ApiVerticle v) {
    int i = verticles.indexOf(v);
    await(vertx.undeploy(deployments.get(i)));
    verticles.remove(i);
    deployments.remove(i);
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + verticles.get(0).actualPort() + path);
  }

  HttpResponse<String> send(
      String method, String path, String key, String body, String... headers) {
    return sendTo(0, method, path, key, body, headers);
  }

  /** A request to the {@code instance}-th deployed api (in the order of deploying). */
  HttpResponse<String> sendTo(
      int instance, String method, String path, String key, String body, String... headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + verticles.get(instance).actualPort() + path))
            .timeout(Duration.ofSeconds(15))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    try {
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError("request failed: " + method + " " + path, e);
    }
  }

  HttpResponse<String> admin(String method, String path, Object body) {
    return send(method, path, ADMIN_KEY, body == null ? null : body.toString());
  }

  JsonObject json(HttpResponse<String> r) {
    return new JsonObject(r.body());
  }

  long count(String sql) {
    try (Connection c = jdbc();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
  }

  Connection jdbc() throws SQLException {
    return DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
  }

  KafkaConsumer<String, byte[]> consumer() {
    Properties p = new Properties();
    p.put(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
        TestInfrastructure.shared().kafkaBootstrapServers());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + System.nanoTime());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    KafkaConsumer<String, byte[]> c =
        new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    c.subscribe(List.of(topic));
    return c;
  }

  /** Polls until at least {@code n} records arrived (or fails after 30 s), then 300 ms more. */
  static List<ConsumerRecord<String, byte[]>> poll(KafkaConsumer<String, byte[]> c, int n) {
    List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (out.size() < n && System.nanoTime() < deadline) {
      c.poll(Duration.ofMillis(200)).forEach(out::add);
    }
    if (out.size() < n) {
      fail("expected " + n + " records, got " + out.size());
    }
    c.poll(Duration.ofMillis(300)).forEach(out::add);
    return out;
  }

  static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Override
  public void close() {
    await(vertx.close());
  }
}
