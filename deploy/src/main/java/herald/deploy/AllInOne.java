package herald.deploy;

import herald.api.ApiConfig;
import herald.api.ApiVerticle;
import herald.embedded.Infrastructure;
import herald.embedded.PgSettings;
import herald.indexer.IndexerConfig;
import herald.indexer.IndexerVerticle;
import herald.publisher.PublisherConfig;
import herald.publisher.PublisherVerticle;
import herald.publisher.channel.newsletter.LocalSmtpSink;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Herald on one machine: an embedded PostgreSQL, a Kafka broker in a child JVM, and the api,
 * indexer and publisher verticles in this JVM — the same code paths as separate services.
 */
public final class AllInOne implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AllInOne.class);

  private final Path dataDir;
  private final Infrastructure infra;
  private final Vertx vertx;
  private final String adminKey;
  private final ApiVerticle api;
  private final IndexerVerticle indexer;
  private final PublisherVerticle publisher;
  private final Path siteDir;
  private final LocalSmtpSink mail;

  private AllInOne(
      Path dataDir,
      Infrastructure infra,
      Vertx vertx,
      String adminKey,
      ApiVerticle api,
      IndexerVerticle indexer,
      PublisherVerticle publisher,
      Path siteDir,
      LocalSmtpSink mail) {
    this.dataDir = dataDir;
    this.infra = infra;
    this.vertx = vertx;
    this.adminKey = adminKey;
    this.api = api;
    this.indexer = indexer;
    this.publisher = publisher;
    this.siteDir = siteDir;
    this.mail = mail;
  }

  public static void main(String[] args) throws Exception {
    AllInOne herald = start(System.getenv());
    Runtime.getRuntime().addShutdownHook(new Thread(herald::close, "herald-shutdown"));
    herald.printBanner();
  }

  /**
   * Starts everything; environment variables as documented in the README (ports, {@code
   * HERALD_DATA_DIR}, {@code PG_*}, {@code KAFKA_BOOTSTRAP_SERVERS}, {@code HERALD_SEED}).
   */
  public static AllInOne start(Map<String, String> env) throws Exception {
    Path dataDir =
        Path.of(env.getOrDefault("HERALD_DATA_DIR", ApiConfig.DEFAULT_DATA_DIR))
            .toAbsolutePath()
            .normalize();
    Files.createDirectories(dataDir);
    LOG.info("data directory {}", dataDir);
    Infrastructure infra = Infrastructure.fromEnv(env, dataDir);
    Vertx vertx = null;
    LocalSmtpSink mail = null;
    try {
      String adminKey = adminKey(env, dataDir);
      Map<String, String> services = new HashMap<>(env);
      PgSettings pg = infra.pg();
      services.put("PG_HOST", pg.host());
      services.put("PG_PORT", Integer.toString(pg.port()));
      services.put("PG_DATABASE", pg.database());
      services.put("PG_USER", pg.user());
      services.put("PG_PASSWORD", pg.password());
      services.put("KAFKA_BOOTSTRAP_SERVERS", infra.kafkaBootstrapServers());
      services.put("HERALD_ADMIN_KEY", adminKey);
      services.put("HERALD_DATA_DIR", dataDir.toString());
      if (!env.containsKey("HERALD_SMTP_HOST")) {
        // No mail server named: newsletters go to a local sink that keeps each message as a file.
        mail = startMailSink(env, dataDir.resolve("mail"));
        services.put("HERALD_SMTP_HOST", "127.0.0.1");
        services.put("HERALD_SMTP_PORT", Integer.toString(mail.port()));
      }

      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      vertx = Vertx.vertx();
      IndexerVerticle indexer = new IndexerVerticle(IndexerConfig.fromEnv(services), registry);
      await(vertx.deployVerticle(indexer));
      services.putIfAbsent("HERALD_INDEXER_URL", "http://127.0.0.1:" + indexer.actualPort());
      PublisherConfig publisherConfig = PublisherConfig.fromEnv(services);
      PublisherVerticle publisher = new PublisherVerticle(publisherConfig, registry);
      await(vertx.deployVerticle(publisher));
      ApiVerticle api = new ApiVerticle(ApiConfig.fromEnv(services), registry);
      await(vertx.deployVerticle(api));

      AllInOne herald =
          new AllInOne(
              dataDir,
              infra,
              vertx,
              adminKey,
              api,
              indexer,
              publisher,
              publisherConfig.siteDir(),
              mail);
      if (!"false".equalsIgnoreCase(env.getOrDefault("HERALD_SEED", "true"))) {
        new DemoContent(herald.apiUrl(), adminKey).loadOnce(dataDir.resolve("seeded"));
      }
      return herald;
    } catch (Exception | Error e) {
      if (mail != null) {
        mail.stop();
      }
      if (vertx != null) {
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
      infra.close();
      throw e;
    }
  }

  public String apiUrl() {
    return "http://127.0.0.1:" + api.actualPort();
  }

  public String indexerUrl() {
    return "http://127.0.0.1:" + indexer.actualPort();
  }

  public String publisherUrl() {
    return "http://127.0.0.1:" + publisher.actualPort();
  }

  public String adminKey() {
    return adminKey;
  }

  public Path siteDir() {
    return siteDir;
  }

  public Infrastructure infrastructure() {
    return infra;
  }

  void printBanner() {
    String api = "http://localhost:" + this.api.actualPort();
    System.out.println();
    System.out.println("Herald is running.");
    System.out.println("  API (content, delivery, search)  " + api);
    System.out.println(
        "  Indexer                          http://localhost:" + indexer.actualPort());
    System.out.println(
        "  Publisher, website               http://localhost:" + publisher.actualPort() + "/site/");
    System.out.println("  Admin key                        " + adminKey);
    if (mail != null) {
      System.out.println(
          "  Newsletter mail (local sink)     smtp://127.0.0.1:"
              + mail.port()
              + " → "
              + dataDir.resolve("mail"));
    }
    System.out.println("  Data                             " + dataDir);
    PgSettings pg = infra.pg();
    System.out.println(
        "  PostgreSQL                       postgresql://"
            + pg.user()
            + "@"
            + pg.host()
            + ":"
            + pg.port()
            + "/"
            + pg.database());
    System.out.println("  Kafka                            " + infra.kafkaBootstrapServers());
    System.out.println();
    System.out.println("Try:");
    System.out.println("  curl '" + api + "/v1/search?q=decriminalisation'");
    System.out.println(
        "  curl -H 'Authorization: Bearer " + adminKey + "' " + api + "/v1/manage/types");
    System.out.println("Stop with Ctrl+C; data stays in " + dataDir + ".");
  }

  @Override
  public void close() {
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("services did not stop cleanly", e);
    }
    if (mail != null) {
      mail.stop();
    }
    infra.close();
  }

  /** The SMTP sink on HERALD_SMTP_PORT (default 2525), or on any free port when that is taken. */
  private static LocalSmtpSink startMailSink(Map<String, String> env, Path dir) throws IOException {
    int port = Integer.parseInt(env.getOrDefault("HERALD_SMTP_PORT", "2525"));
    try {
      return LocalSmtpSink.start(port, dir);
    } catch (IOException e) {
      LOG.warn("port {} is taken; the local mail sink uses a free port instead", port);
      return LocalSmtpSink.start(0, dir);
    }
  }

  /** Where newsletter mail goes in the all-in-one mode, or null when a real server is set. */
  public Path mailDir() {
    return mail == null ? null : dataDir.resolve("mail");
  }

  /** The admin key: from HERALD_ADMIN_KEY, else the one generated on first start and kept. */
  private static String adminKey(Map<String, String> env, Path dataDir) throws IOException {
    String given = env.get("HERALD_ADMIN_KEY");
    if (given != null && !given.isBlank()) {
      return given;
    }
    Path file = dataDir.resolve("admin.key");
    if (Files.exists(file)) {
      return Files.readString(file, StandardCharsets.UTF_8).strip();
    }
    byte[] raw = new byte[32];
    new SecureRandom().nextBytes(raw);
    String key = "hk_" + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    Files.writeString(file, key + "\n", StandardCharsets.UTF_8);
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: keep the default permissions
    }
    return key;
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
  }
}
