package herald.faults;

import herald.embedded.BrokerSupervisor;
import herald.embedded.EmbeddedKafkaBroker;
import herald.embedded.EmbeddedPostgresServer;
import herald.embedded.PgSettings;
import herald.publisher.channel.newsletter.LocalSmtpSink;
import herald.publisher.channel.social.FakeNetworks;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Herald as separate processes, as production runs it: PostgreSQL (the embedded module's server, a
 * postmaster of its own), the Kafka broker (the embedded module's {@code BrokerMain} child JVM,
 * kept running by its {@link BrokerSupervisor} as an orchestrator would), and the api, indexer and
 * publisher each in a JVM of its own. The services reach PostgreSQL, the broker and the mail server
 * through {@link TcpProxy TCP proxies} that the suite can cut; the social networks and the webhook
 * receiver are {@link FakeNetworks} (the local Mastodon and Bluesky of the all-in-one plus a
 * Standard Webhooks receiver), the mail server the all-in-one's {@link LocalSmtpSink}.
 */
public final class Stack implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Stack.class);

  public static final String ADMIN_KEY = "hk_fault-matrix-admin";
  public static final String INTERNAL_TOKEN = "ht_fault-matrix-internal";
  public static final String WEBHOOK_SECRET = "whsec_ZmF1bHQtbWF0cml4LXdlYmhvb2stc2VjcmV0";
  public static final String TOPIC = "herald.content.v1";
  public static final String PUBLISHER_GROUP = "herald-publisher";

  public final Path dir;
  public final Vertx vertx;
  public final FakeNetworks networks;
  public final LocalSmtpSink mail;
  public final TcpProxy smtpProxy;
  public final TcpProxy pgProxy;
  public final TcpProxy kafkaProxy;
  public final EmbeddedKafkaBroker broker;
  public final BrokerSupervisor supervisor;
  public final ServiceProcess api;
  public final ServiceProcess indexer;
  public final ServiceProcess publisher;
  public final Path relayHold;
  public final Path siteDir;
  private final Path pgDir;
  private final int pgPort;
  private volatile EmbeddedPostgresServer postgres;
  private volatile PgSettings pg;
  // NOTE: HTTP/1.1: the JDK client's HTTP/2 upgrade left a request to a restarted service waiting
  // past its time-out.
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();

  /**
   * How the services run: their JVMs' options, settings (environment variables) that replace the
   * suite's for every service, and whether they reach PostgreSQL, the broker and the mail server
   * through the {@link TcpProxy proxies} (without, the proxy fields are null: nothing between the
   * services and their servers but loopback, for a benchmark).
   */
  public record Options(List<String> jvmArgs, Map<String, String> env, boolean proxies) {
    /**
     * The fault matrix's: C1 only and the serial collector (the suite starts these JVMs a dozen
     * times on a busy 2-core machine, where C2's compilations and parallel GC threads cost CPU that
     * the services' own work then does not get), and a small heap.
     */
    public static final Options FAULT_MATRIX =
        new Options(
            List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"), Map.of(), true);
  }

  public Stack(Path dir) throws Exception {
    this(dir, Options.FAULT_MATRIX);
  }

  public Stack(Path dir, Options options) throws Exception {
    this.dir = dir;
    Files.createDirectories(dir);
    vertx = Vertx.vertx();
    networks = new FakeNetworks(vertx);
    mail = LocalSmtpSink.start(0, dir.resolve("mail"));
    smtpProxy = options.proxies() ? TcpProxy.start(mail.port()) : null;

    pgDir = dir.resolve("postgres");
    pgPort = freePort();
    postgres = EmbeddedPostgresServer.start(pgDir, pgPort);
    pg = postgres.settings();
    pgProxy = options.proxies() ? TcpProxy.start(pgPort) : null;

    int brokerPort = freePort();
    kafkaProxy = options.proxies() ? TcpProxy.start(brokerPort) : null;
    broker =
        kafkaProxy == null
            ? EmbeddedKafkaBroker.start(dir.resolve("kafka"), brokerPort)
            : EmbeddedKafkaBroker.startBehindProxy(
                dir.resolve("kafka"), brokerPort, kafkaProxy.port());
    supervisor = BrokerSupervisor.start(broker);

    int apiPort = freePort();
    int indexerPort = freePort();
    int publisherPort = freePort();
    relayHold = dir.resolve("relay-hold");
    siteDir = dir.resolve("data/publisher/site");
    Map<String, String> common = new HashMap<>();
    common.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
    common.put("HERALD_API_PORT", Integer.toString(apiPort));
    common.put("HERALD_INDEXER_PORT", Integer.toString(indexerPort));
    common.put("HERALD_PUBLISHER_PORT", Integer.toString(publisherPort));
    common.put("HERALD_BIND_HOST", "127.0.0.1");
    common.put("HERALD_INTERNAL_TOKEN", INTERNAL_TOKEN);
    common.put(
        "KAFKA_BOOTSTRAP_SERVERS",
        "127.0.0.1:" + (kafkaProxy == null ? brokerPort : kafkaProxy.port()));
    common.put("PG_HOST", "127.0.0.1");
    common.put("PG_PORT", Integer.toString(pgProxy == null ? pgPort : pgProxy.port()));
    common.put("PG_DATABASE", pg.database());
    common.put("PG_USER", pg.user());
    common.put("PG_PASSWORD", pg.password());

    Map<String, String> apiEnv = new HashMap<>(common);
    apiEnv.put("HERALD_DATA_DIR", dir.resolve("data/api").toString());
    apiEnv.put("HERALD_ADMIN_KEY", ADMIN_KEY);
    apiEnv.put("HERALD_API_EVENT_LOOPS", "1");
    apiEnv.put("HERALD_API_PG_POOL_SIZE", "4");
    apiEnv.put("HERALD_TEST_RELAY_HOLD", relayHold.toString());
    apiEnv.putAll(options.env());
    api = new ServiceProcess("api", "herald.api.ApiMain", apiEnv, dir, apiPort, options.jvmArgs());

    Map<String, String> indexerEnv = new HashMap<>(common);
    indexerEnv.put("HERALD_DATA_DIR", dir.resolve("data/indexer").toString());
    indexerEnv.putAll(options.env());
    indexer =
        new ServiceProcess(
            "indexer",
            "herald.indexer.IndexerMain",
            indexerEnv,
            dir,
            indexerPort,
            options.jvmArgs());

    Map<String, String> publisherEnv = new HashMap<>(common);
    publisherEnv.put("HERALD_DATA_DIR", dir.resolve("data/publisher").toString());
    publisherEnv.put("HERALD_SITE_DIR", siteDir.toString());
    publisherEnv.put("HERALD_PUBLIC_URL", "http://127.0.0.1:" + apiPort);
    publisherEnv.put("HERALD_SOCIAL_ACCOUNTS", accounts(networks.url()));
    publisherEnv.put("HERALD_SOCIAL_TIMEOUT_SECONDS", "2");
    publisherEnv.put("HERALD_SMTP_HOST", "127.0.0.1");
    publisherEnv.put(
        "HERALD_SMTP_PORT", Integer.toString(smtpProxy == null ? mail.port() : smtpProxy.port()));
    publisherEnv.put("HERALD_NEWSLETTER_RATE", "0");
    publisherEnv.put("HERALD_NEWSLETTER_SECRET", "fault-matrix-newsletter-secret");
    // Short attempts and back-offs: a fault's deliveries are retried within its window, and a
    // 30-second outage must not use up the attempts.
    publisherEnv.put("HERALD_DELIVERY_TIMEOUT_MS", "4000");
    publisherEnv.put("HERALD_DELIVERY_BACKOFF_MS", "250");
    publisherEnv.put("HERALD_DELIVERY_BACKOFF_MAX_MS", "2000");
    publisherEnv.put("HERALD_DELIVERY_MAX_ATTEMPTS", "100");
    publisherEnv.put("HERALD_DELIVERY_POLL_MS", "250");
    publisherEnv.putAll(options.env());
    publisher =
        new ServiceProcess(
            "publisher",
            "herald.publisher.PublisherMain",
            publisherEnv,
            dir,
            publisherPort,
            options.jvmArgs());
    // The services do not end with this JVM by themselves (the broker and PostgreSQL do).
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> services().forEach(ServiceProcess::kill), "fault-matrix-services"));
  }

  /** The social accounts: one each on Mastodon, Bluesky and a signed webhook. */
  private static String accounts(String url) {
    return new JsonArray()
        .add(
            new JsonObject()
                .put("id", "mastodon")
                .put("network", "mastodon")
                .put("url", url)
                .put("token", FakeNetworks.TOKEN))
        .add(
            new JsonObject()
                .put("id", "bluesky")
                .put("network", "bluesky")
                .put("url", url)
                .put("handle", FakeNetworks.HANDLE)
                .put("password", FakeNetworks.APP_PASSWORD))
        .add(
            new JsonObject()
                .put("id", "webhook")
                .put("network", "webhook")
                .put("url", url + "/hook")
                .put("secret", WEBHOOK_SECRET))
        .encode();
  }

  public List<ServiceProcess> services() {
    return List.of(api, indexer, publisher);
  }

  /**
   * Subscribes each address to the newsletter through the real double opt-in (the confirmation mail
   * read from the local mail server, its link followed); returns when all are confirmed.
   */
  public void subscribe(List<String> emails, Duration ceiling) throws Exception {
    for (String email : emails) {
      HttpResponse<String> r =
          call(
              "POST",
              "/v1/newsletter/subscribe",
              new JsonObject().put("email", email).put("locale", "en").encode());
      if (r == null || r.statusCode() != 202) {
        throw new IllegalStateException(
            "subscribing " + email + " answered " + (r == null ? "nothing" : r.statusCode()));
      }
    }
    Pattern confirm = Pattern.compile("/v1/newsletter/confirm\\?token=([A-Za-z0-9_.-]+)");
    MailBox box = new MailBox();
    Map<String, String> tokens = new HashMap<>();
    long deadline = System.nanoTime() + ceiling.toNanos();
    while (!tokens.keySet().containsAll(emails)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("confirmation mails not all received within " + ceiling);
      }
      Thread.sleep(100);
      for (MailBox.Message m : box.messages(mail.messages())) {
        Matcher t = confirm.matcher(m.text());
        if (t.find()) {
          tokens.put(m.to(), t.group(1));
        }
      }
    }
    for (String token : tokens.values()) {
      HttpResponse<String> r =
          get(api.url() + "/v1/newsletter/confirm?token=" + token).orElseThrow();
      if (r.statusCode() != 200) {
        throw new IllegalStateException("confirming answered " + r.statusCode() + " " + r.body());
      }
    }
  }

  /** The database the services use, reached directly (not through the proxy): the oracle. */
  public Connection oracle() throws SQLException {
    return DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
  }

  /** The broker's address for the suite's own clients (through the proxy, as advertised). */
  public String bootstrapServers() {
    return broker.bootstrapServers();
  }

  /** Kills the postmaster with SIGKILL and waits until every server process of it is gone. */
  public void killPostgres() throws Exception {
    Path pidFile = pgDir.resolve("pgdata/postmaster.pid");
    long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).strip());
    ProcessHandle postmaster = ProcessHandle.of(pid).orElseThrow();
    List<ProcessHandle> children = postmaster.descendants().toList();
    postmaster.destroyForcibly();
    postmaster.onExit().get(60, TimeUnit.SECONDS);
    for (ProcessHandle child : children) {
      // Backends notice the postmaster's death and exit; one that does not is killed too, as
      // the operator restarting the server would.
      try {
        child.onExit().get(20, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        child.destroyForcibly();
      }
    }
  }

  /** Starts PostgreSQL again on the same port and data, as its supervisor would. */
  public void restartPostgres() {
    // Releases the old server's lock on its directory (its stop fails: the server is dead).
    postgres.close();
    postgres = EmbeddedPostgresServer.start(pgDir, pgPort);
    pg = postgres.settings();
  }

  /** The broker's pid, while it runs. */
  public long brokerPid() {
    return broker.pid().orElseThrow(() -> new IllegalStateException("the broker is not running"));
  }

  /** Sends a signal ({@code STOP}, {@code CONT}) to a process. */
  public static void signal(long pid, String signal) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start();
    if (!kill.waitFor(30, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IllegalStateException("kill -" + signal + " " + pid + " failed");
    }
  }

  /** A call of the api with the admin key; a body is sent as JSON. Null when nothing answered. */
  public HttpResponse<String> call(String method, String path, String body, Duration timeout) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(api.url() + path))
            .timeout(timeout)
            .header("Authorization", "Bearer " + ADMIN_KEY)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    try {
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** A PUT of a JSON body with {@code If-Match}; null when nothing answered. */
  public HttpResponse<String> callIfMatch(String path, String body, String etag, Duration timeout) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(api.url() + path))
            .timeout(timeout)
            .header("Authorization", "Bearer " + ADMIN_KEY)
            .header("Content-Type", "application/json")
            .header("If-Match", etag)
            .PUT(HttpRequest.BodyPublishers.ofString(body))
            .build();
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  public HttpResponse<String> call(String method, String path, String body) {
    return call(method, path, body, Duration.ofSeconds(30));
  }

  /** A GET of any URL without a key; null when nothing answered. */
  public Optional<HttpResponse<String>> get(String url) {
    try {
      return Optional.of(
          http.send(
              HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
              HttpResponse.BodyHandlers.ofString()));
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  @Override
  public void close() {
    for (ServiceProcess s : List.of(api, publisher, indexer)) {
      try {
        s.stop();
      } catch (RuntimeException e) {
        LOG.warn("could not stop {}", s.name(), e);
      }
    }
    supervisor.close();
    broker.close();
    postgres.close();
    for (TcpProxy p : java.util.Arrays.asList(kafkaProxy, pgProxy, smtpProxy)) {
      if (p != null) {
        p.close();
      }
    }
    mail.stop();
    try {
      networks.close();
    } catch (Exception e) {
      LOG.warn("could not stop the local networks", e);
    }
    vertx.close();
  }

  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
