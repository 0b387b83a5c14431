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
import herald.publisher.channel.social.LocalSocialSink;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Herald on one machine: an embedded PostgreSQL, a Kafka broker in a child JVM, and the api,
 * indexer and publisher verticles in this JVM — the same code paths as separate services.
 */
public final class AllInOne implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AllInOne.class);
  // What the console shows of a start (logback.xml prints this logger's lines bare, and sends the
  // other INFO lines to the log file only).
  private static final Logger STEPS = LoggerFactory.getLogger("herald.start");
  // The demo is reported searchable only after the indexer caught up; beyond this it is reported
  // as still loading, and start() returns anyway.
  private static final Duration DEMO_WAIT = Duration.ofMinutes(5);

  /**
   * Where the services listen unless {@code HERALD_BIND_HOST} says otherwise: this machine only.
   */
  public static final String DEFAULT_BIND_HOST = "127.0.0.1";

  private final Path dataDir;
  private final Infrastructure infra;
  private final Vertx vertx;
  private final String adminKey;
  private final boolean adminKeyGiven;
  private final String host;
  private final ApiVerticle api;
  private final IndexerVerticle indexer;
  private final PublisherVerticle publisher;
  private final Path siteDir;
  private final LocalSmtpSink mail;
  private final LocalSocialSink social;
  private final List<String> deployments;

  private AllInOne(
      Path dataDir,
      Infrastructure infra,
      Vertx vertx,
      String adminKey,
      boolean adminKeyGiven,
      String host,
      ApiVerticle api,
      IndexerVerticle indexer,
      PublisherVerticle publisher,
      Path siteDir,
      LocalSmtpSink mail,
      LocalSocialSink social,
      List<String> deployments) {
    this.dataDir = dataDir;
    this.infra = infra;
    this.vertx = vertx;
    this.adminKey = adminKey;
    this.adminKeyGiven = adminKeyGiven;
    this.host = host;
    this.api = api;
    this.indexer = indexer;
    this.publisher = publisher;
    this.siteDir = siteDir;
    this.mail = mail;
    this.social = social;
    this.deployments = deployments;
  }

  public static void main(String[] args) throws Exception {
    // Lucene logs through java.util.logging: route it to the same log, in the same format.
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    long started = System.nanoTime();
    AllInOne herald = start(System.getenv());
    Runtime.getRuntime().addShutdownHook(new Thread(herald::stopOnExit, "herald-shutdown"));
    STEPS.info("Ready in {}.", seconds(started));
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
    STEPS.info("Starting Herald; data in {}, log in {}", dataDir, dataDir.resolve("herald.log"));
    STEPS.info(
        "  PostgreSQL and the Kafka broker{}…",
        Files.isDirectory(dataDir.resolve("postgres"))
            ? ""
            : " (first start: creating their data)");
    Infrastructure infra = Infrastructure.fromEnv(env, dataDir);
    Vertx vertx = null;
    LocalSmtpSink mail = null;
    try {
      String adminKey = keptSecret(env, "HERALD_ADMIN_KEY", dataDir.resolve("admin.key"), "hk_");
      Map<String, String> services = new HashMap<>(env);
      // Only this machine reaches the services unless told otherwise; the indexer and publisher
      // answer their internal routes to the api's token alone.
      String bindHost = env.getOrDefault("HERALD_BIND_HOST", "").strip();
      services.put("HERALD_BIND_HOST", bindHost.isEmpty() ? DEFAULT_BIND_HOST : bindHost);
      services.put(
          "HERALD_INTERNAL_TOKEN",
          keptSecret(env, "HERALD_INTERNAL_TOKEN", dataDir.resolve("internal.token"), "ht_"));
      // Ports are known before anything starts, so that every service's links to the others
      // (HERALD_PUBLISHER_URL, HERALD_SITE_URL, HERALD_PUBLIC_URL, … by default) name them.
      for (String port :
          List.of("HERALD_API_PORT", "HERALD_INDEXER_PORT", "HERALD_PUBLISHER_PORT")) {
        services.put(port, Integer.toString(port(services, port)));
      }
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
      vertx = Vertx.vertx(vertxOptions());
      LocalSocialSink social = null;
      if (!isSet(env, "HERALD_SOCIAL_ACCOUNTS")) {
        // No accounts named: the demo posts to a local Mastodon and Bluesky that keep each post
        // as a file, so that choosing the social channel shows what it sends.
        social = startSocialSink(vertx, dataDir.resolve("social"));
        services.put("HERALD_SOCIAL_ACCOUNTS", localAccounts(social));
      }
      List<String> deployments = new ArrayList<>();
      STEPS.info("  indexer (search)…");
      IndexerVerticle indexer = new IndexerVerticle(IndexerConfig.fromEnv(services), registry);
      deployments.add(await(vertx.deployVerticle(indexer)));
      STEPS.info("  publisher (website, social, newsletter)…");
      PublisherConfig publisherConfig = PublisherConfig.fromEnv(services);
      PublisherVerticle publisher = new PublisherVerticle(publisherConfig, registry);
      deployments.add(await(vertx.deployVerticle(publisher)));
      STEPS.info("  api…");
      boolean seed = !"false".equalsIgnoreCase(env.getOrDefault("HERALD_SEED", "true"));
      DemoReadiness demo = new DemoReadiness();
      ApiVerticle api = new ApiVerticle(ApiConfig.fromEnv(services), registry);
      if (seed) {
        Vertx v = vertx;
        api.withReadinessCheck("demo", () -> v.executeBlocking(demo::check));
      }
      deployments.add(await(vertx.deployVerticle(api)));

      AllInOne herald =
          new AllInOne(
              dataDir,
              infra,
              vertx,
              adminKey,
              isSet(env, "HERALD_ADMIN_KEY"),
              localHost(services.get("HERALD_BIND_HOST")),
              api,
              indexer,
              publisher,
              publisherConfig.siteDir(),
              mail,
              social,
              deployments);
      if (seed) {
        DemoContent content = new DemoContent(herald.apiUrl(), adminKey);
        Path marker = dataDir.resolve("seeded");
        if (!Files.exists(marker)) {
          STEPS.info("  demo content: the seed newsletter's entries…");
        }
        demo.await(content, content.loadOnce(marker));
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
    return "http://" + host + ":" + api.actualPort();
  }

  public String indexerUrl() {
    return "http://" + host + ":" + indexer.actualPort();
  }

  public String publisherUrl() {
    return "http://" + host + ":" + publisher.actualPort();
  }

  public String adminKey() {
    return adminKey;
  }

  /** The indexer's routes, for the test that walks them without the internal token. */
  io.vertx.ext.web.Router indexerRouter() {
    return indexer.router();
  }

  /** The publisher's routes, for the test that walks them without the internal token. */
  io.vertx.ext.web.Router publisherRouter() {
    return publisher.router();
  }

  /** The path of Studio's one-time link for the first admin, while nobody has an account. */
  public java.util.Optional<String> studioSetupPath() {
    return api.studioSetupPath();
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
    System.out.println("  Studio (editors' web app)        " + api + "/studio/");
    this.api
        .studioSetupPath()
        .ifPresent(p -> System.out.println("  Studio's first admin (once)      " + api + p));
    System.out.println(
        "  Indexer                          http://localhost:" + indexer.actualPort());
    System.out.println(
        "  Publisher, website               http://localhost:" + publisher.actualPort() + "/site/");
    // A key the operator chose is theirs to know; one made here is shown (and kept in the file).
    System.out.println(
        "  Admin key                        " + (adminKeyGiven ? "(HERALD_ADMIN_KEY)" : adminKey));
    if (mail != null) {
      System.out.println(
          "  Newsletter mail (local sink)     smtp://127.0.0.1:"
              + mail.port()
              + " → "
              + dataDir.resolve("mail"));
    }
    if (social != null) {
      System.out.println(
          "  Social posts (local Mastodon     " + social.url() + " → " + dataDir.resolve("social"));
      System.out.println("    and Bluesky)");
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
        "  curl -H \"Authorization: Bearer "
            + (adminKeyGiven ? "$HERALD_ADMIN_KEY" : adminKey)
            + "\" "
            + api
            + "/v1/manage/types");
    System.out.println("Stop with Ctrl+C (or SIGTERM); data stays in " + dataDir + ".");
  }

  /**
   * Stops in order: the api (no new requests or publishes), the publisher, the indexer, then the
   * servers they use; each service drains what it has in flight as its stop says.
   */
  @Override
  public void close() {
    try {
      // NOTE: one at a time, newest first: the api feeds the other two through Kafka, and a
      // service stopping after the broker or PostgreSQL would log every failed retry.
      for (String id : deployments.reversed()) {
        vertx.undeploy(id).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      }
      vertx.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("services did not stop cleanly", e);
    }
    if (mail != null) {
      mail.stop();
    }
    infra.close();
  }

  /** The shutdown hook's work (Ctrl+C, SIGTERM): a clean stop and one line to say so. */
  private void stopOnExit() {
    long started = System.nanoTime();
    System.out.print("Stopping Herald… ");
    System.out.flush();
    close();
    System.out.println("stopped in " + seconds(started) + "; data stays in " + dataDir + ".");
    System.out.flush();
  }

  private static String seconds(long sinceNanos) {
    return String.format(Locale.ROOT, "%.1f s", (System.nanoTime() - sinceNanos) / 1e9);
  }

  /**
   * The all-in-one's promise that the demo is there: {@code /health/ready} says so only once every
   * demo entry published on this start is found by the search.
   */
  private static final class DemoReadiness {
    private volatile DemoContent content;
    private volatile Set<String> pending = Set.of();

    /** Loaded: waits (up to {@link #DEMO_WAIT}) until the search finds {@code published}. */
    void await(DemoContent content, Set<String> published) throws InterruptedException {
      this.content = content;
      this.pending = published;
      if (published.isEmpty()) {
        return;
      }
      STEPS.info("  waiting for the search to find the {} demo entries…", published.size());
      long deadline = System.nanoTime() + DEMO_WAIT.toNanos();
      while (true) {
        try {
          check();
          return;
        } catch (IllegalStateException notYet) {
          if (System.nanoTime() - deadline > 0) {
            LOG.warn(
                "{} after {}; /health/ready says so until it is", notYet.getMessage(), DEMO_WAIT);
            return;
          }
          Thread.sleep(250);
        }
      }
    }

    /** "LOADED", or fails while published demo entries are not searchable yet. */
    String check() {
      Set<String> waiting = pending;
      if (waiting.isEmpty()) {
        return "LOADED";
      }
      Set<String> missing;
      try {
        missing = content.notYetSearchable(waiting);
      } catch (IOException e) {
        throw new IllegalStateException("demo content: the search does not answer: " + e, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("demo content: interrupted", e);
      }
      if (!missing.isEmpty()) {
        throw new IllegalStateException(
            "demo content: " + missing.size() + " entries not searchable yet");
      }
      pending = Set.of();
      return "LOADED";
    }
  }

  /**
   * Vert.x warns when an event loop runs one task longer than 2 s. It measures wall time: on a
   * laptop busy with other work the thread may simply not be scheduled for that long (seen while
   * the publisher loads Kafka's client classes at start). The all-in-one warns after 10 s, with the
   * stack from 20 s, and about workers (migrations, an index rebuild) after 10 min.
   */
  static VertxOptions vertxOptions() {
    return new VertxOptions()
        .setMaxEventLoopExecuteTime(10)
        .setMaxEventLoopExecuteTimeUnit(TimeUnit.SECONDS)
        .setWarningExceptionTime(20)
        .setWarningExceptionTimeUnit(TimeUnit.SECONDS)
        .setMaxWorkerExecuteTime(10)
        .setMaxWorkerExecuteTimeUnit(TimeUnit.MINUTES);
  }

  /** The local Mastodon and Bluesky, on a free loopback port, with credentials made now. */
  private static LocalSocialSink startSocialSink(Vertx vertx, Path dir) throws Exception {
    SecureRandom random = new SecureRandom();
    byte[] token = new byte[24];
    random.nextBytes(token);
    byte[] password = new byte[24];
    random.nextBytes(password);
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    LocalSocialSink sink =
        new LocalSocialSink(
            new LocalSocialSink.Accounts(
                b64.encodeToString(token), "herald.localhost", b64.encodeToString(password)),
            dir);
    return await(sink.start(vertx, "127.0.0.1", 0));
  }

  /** HERALD_SOCIAL_ACCOUNTS for the local sink: one Mastodon and one Bluesky account. */
  private static String localAccounts(LocalSocialSink sink) {
    return new JsonArray()
        .add(
            new JsonObject()
                .put("id", "mastodon-local")
                .put("network", "mastodon")
                .put("url", sink.url())
                .put("token", sink.accounts().mastodonToken()))
        .add(
            new JsonObject()
                .put("id", "bluesky-local")
                .put("network", "bluesky")
                .put("url", sink.url())
                .put("handle", sink.accounts().blueskyHandle())
                .put("password", sink.accounts().blueskyPassword()))
        .encode();
  }

  /** Where the local Mastodon and Bluesky keep posts, or null when real accounts are set. */
  public Path socialDir() {
    return social == null ? null : dataDir.resolve("social");
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

  /**
   * A secret from the variable {@code name}, else the one generated on first start and kept in
   * {@code file} (owner-only): the admin key, the internal token.
   */
  private static String keptSecret(Map<String, String> env, String name, Path file, String prefix)
      throws IOException {
    if (isSet(env, name)) {
      return env.get(name).strip();
    }
    if (Files.exists(file)) {
      return Files.readString(file, StandardCharsets.UTF_8).strip();
    }
    byte[] raw = new byte[32];
    new SecureRandom().nextBytes(raw);
    String key = prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    // Written whole or not at all: a half-written file would be read as the secret next time.
    Path tmp = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".tmp");
    try {
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: keep the default permissions
    }
    Files.writeString(tmp, key + "\n", StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    return key;
  }

  private static boolean isSet(Map<String, String> env, String name) {
    String v = env.get(name);
    return v != null && !v.isBlank();
  }

  /**
   * The port a service is configured with; 0 becomes a free port picked now, so that the others can
   * be told where it is before it starts.
   */
  private static int port(Map<String, String> env, String name) throws IOException {
    String v = env.get(name);
    int port =
        v == null || v.isBlank()
            ? switch (name) {
              case "HERALD_API_PORT" -> ApiConfig.DEFAULT_PORT;
              case "HERALD_INDEXER_PORT" -> IndexerConfig.DEFAULT_PORT;
              default -> PublisherConfig.DEFAULT_PORT;
            }
            : Integer.parseInt(v.strip());
    if (port != 0) {
      return port;
    }
    // NOTE: another process may take the port before the service binds it; with the kernel's
    // random choice of free ports that is unlikely, and the start then fails and says so.
    try (ServerSocket probe =
        new ServerSocket(0, 1, InetAddress.getByName(env.get("HERALD_BIND_HOST")))) {
      return probe.getLocalPort();
    }
  }

  /** Where this machine reaches a service listening on {@code bindHost}. */
  private static String localHost(String bindHost) {
    if (bindHost.equals("0.0.0.0") || bindHost.equals("::")) {
      return "127.0.0.1";
    }
    return bindHost.contains(":") && !bindHost.startsWith("[") ? "[" + bindHost + "]" : bindHost;
  }

  /** No time limit: a slow machine starts slowly, and the step printed last says what is slow. */
  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get();
  }
}
