package herald.api.sync;

import herald.api.ApiConfig;
import herald.api.ApiTestDatabase;
import herald.api.ApiVerticle;
import herald.api.auth.ApiKeyRepository;
import herald.api.auth.ApiKeys;
import herald.api.http.OpenApiValidation;
import herald.api.http.ProblemHandler;
import herald.api.partners.PartnerConfig;
import herald.api.partners.PartnerModule;
import herald.embedded.PgSettings;
import herald.embedded.TestInfrastructure;
import herald.events.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.sqlclient.Pool;
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
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.awaitility.Awaitility;

/**
 * A real api verticle (migrations, content management, outbox relay; its own partner module off)
 * and, beside it on the same database and topic, a small verticle serving a {@link PartnerModule}
 * on its own router, with the OpenAPI validation and problem handler the api mounts it with. Kept
 * apart so that a test can give the module its own collaborators (WebhookIT's DNS resolver) and
 * stop and start it while the api runs.
 */
public final class PartnerHarness implements AutoCloseable {
  public static final String ADMIN_KEY = "test-admin-key";

  public final Vertx vertx = Vertx.vertx();
  public final PgSettings pg = ApiTestDatabase.fresh();
  public final String topic = TestInfrastructure.uniqueTopic(Topics.CONTENT);
  public final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  public final byte[] tokenSecret = "partner-test-secret-0123456789ab".getBytes();
  private final Map<String, String> extraEnv = new HashMap<>();
  private ApiVerticle api;
  private PartnerVerticle partners;
  private String partnersDeployment;

  public PartnerHarness(Map<String, String> partnerEnv) {
    extraEnv.putAll(partnerEnv);
  }

  public Map<String, String> env() {
    Map<String, String> env = ApiTestDatabase.apiEnv(pg, topic, ADMIN_KEY);
    env.put("HERALD_API_EVENT_LOOPS", "2");
    env.put("HERALD_PARTNER_CONSUMER_GROUP", "partners-" + topic);
    // The module under test runs in a verticle of its own, with test hooks.
    env.put("HERALD_PARTNERS", "off");
    env.putAll(extraEnv);
    return env;
  }

  /** Deploys the api, then the partner module beside it. */
  public PartnerHarness start(Function<PartnerModuleArgs, PartnerModule> factory) {
    api = new ApiVerticle(ApiConfig.fromEnv(env()));
    await(vertx.deployVerticle(api));
    startPartners(factory);
    return this;
  }

  /** Everything the module's constructor takes, as the api will hand it in. */
  public record PartnerModuleArgs(
      Vertx vertx,
      Pool pool,
      ApiConfig config,
      PartnerConfig partners,
      ApiKeys keys,
      byte[] tokenSecret,
      SimpleMeterRegistry registry) {}

  public void startPartners(Function<PartnerModuleArgs, PartnerModule> factory) {
    partners = new PartnerVerticle(ApiConfig.fromEnv(env()), factory);
    partnersDeployment = await(vertx.deployVerticle(partners));
  }

  /** Undeploys the partner verticle (as when the api process stops). */
  public void stopPartners() {
    await(vertx.undeploy(partnersDeployment));
  }

  public static PartnerModule defaultModule(PartnerModuleArgs a) {
    return new PartnerModule(
        a.vertx(),
        a.pool(),
        a.config().kafka().bootstrapServers(),
        a.config().kafka().contentTopic(),
        a.config().content(),
        a.partners(),
        a.keys(),
        a.tokenSecret(),
        a.registry());
  }

  public PartnerModule module() {
    return partners.module;
  }

  /** The router the module is mounted on. */
  public Router router() {
    return partners.router;
  }

  public Pool pool() {
    return partners.pool;
  }

  final class PartnerVerticle extends VerticleBase {
    private final ApiConfig config;
    private final Function<PartnerModuleArgs, PartnerModule> factory;
    PartnerModule module;
    Pool pool;
    HttpServer server;
    Router router;

    PartnerVerticle(ApiConfig config, Function<PartnerModuleArgs, PartnerModule> factory) {
      this.config = config;
      this.factory = factory;
    }

    @Override
    public Future<?> start() {
      pool = ApiTestDatabase.pool(vertx, pg, 8);
      ApiKeys keys = new ApiKeys(pool, new ApiKeyRepository(), config.keys().adminKey());
      module =
          factory.apply(
              new PartnerModuleArgs(
                  vertx,
                  pool,
                  config,
                  // The api's own module is off (HERALD_PARTNERS=off); this one reads the same
                  // settings.
                  PartnerConfig.fromEnv(env()),
                  keys,
                  tokenSecret,
                  new SimpleMeterRegistry()));
      return OpenApiValidation.load(vertx)
          .compose(
              contract -> {
                router = Router.router(vertx);
                router.route().handler(BodyHandler.create().setBodyLimit(65536));
                router.route().handler(contract.validate());
                module.mount(router);
                ProblemHandler problems = new ProblemHandler(65536);
                router.route().failureHandler(problems);
                router.errorHandler(404, problems);
                router.errorHandler(405, problems);
                return module
                    .start()
                    .compose(x -> vertx.createHttpServer().requestHandler(router).listen(0));
              })
          .onSuccess(s -> server = s);
    }

    @Override
    public Future<?> stop() {
      return module.stop().eventually(() -> server.close()).eventually(() -> pool.close());
    }
  }

  public URI apiUri(String path) {
    return URI.create("http://127.0.0.1:" + api.actualPort() + path);
  }

  public URI partnerUri(String path) {
    return URI.create("http://127.0.0.1:" + partners.server.actualPort() + path);
  }

  /** A request to the api (content management). */
  public HttpResponse<String> api(String method, String path, String key, Object body) {
    return send(apiUri(path), method, key, body == null ? null : body.toString());
  }

  /** A request to the partner module. */
  public HttpResponse<String> partner(
      String method, String path, String key, Object body, String... headers) {
    return send(partnerUri(path), method, key, body == null ? null : body.toString(), headers);
  }

  public HttpResponse<String> send(
      URI uri, String method, String key, String body, String... headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(30))
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
      throw new AssertionError("request failed: " + method + " " + uri, e);
    }
  }

  public static JsonObject json(HttpResponse<String> r) {
    return new JsonObject(r.body());
  }

  /** Creates a key with the role and returns {id, secret}. */
  public JsonObject key(String role) {
    HttpResponse<String> r =
        api(
            "POST",
            "/v1/manage/keys",
            ADMIN_KEY,
            new JsonObject().put("name", role).put("role", role));
    if (r.statusCode() != 201) {
      throw new AssertionError(r.body());
    }
    return json(r);
  }

  /** Creates an entry of the type with the fields, publishes it and returns its id. */
  public String publishNew(String type, JsonObject fields) {
    HttpResponse<String> r =
        api(
            "POST",
            "/v1/manage/entries",
            ADMIN_KEY,
            new JsonObject().put("type", type).put("fields", fields));
    if (r.statusCode() != 201) {
      throw new AssertionError("create answered " + r.statusCode() + ": " + r.body());
    }
    String id = json(r).getString("id");
    HttpResponse<String> published =
        api("POST", "/v1/manage/entries/" + id + "/publish", ADMIN_KEY, null);
    if (published.statusCode() != 200) {
      throw new AssertionError("publish answered " + published.statusCode());
    }
    return id;
  }

  /** Waits until the partner consumer has logged every event the outbox sent. */
  public void awaitLogged() {
    Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                count("select count(*) from outbox where sent_at is null") == 0
                    && count("select count(*) from sync_log")
                        == count("select count(*) from outbox"));
  }

  public long count(String sql) {
    try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
  }

  public static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  public static Optional<String> header(HttpResponse<?> r, String name) {
    return r.headers().firstValue(name);
  }

  @Override
  public void close() {
    await(vertx.close());
  }
}
