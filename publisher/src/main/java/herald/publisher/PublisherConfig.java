package herald.publisher;

import herald.events.DeliveryTopics;
import herald.events.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** Settings of the publisher service, each read from an environment variable with a default. */
public record PublisherConfig(
    int port,
    String kafkaBootstrapServers,
    String contentTopic,
    String consumerGroup,
    String pgHost,
    int pgPort,
    String pgDatabase,
    String pgUser,
    String pgPassword,
    Path dataDir,
    Path siteDir,
    String deliveryTopic,
    String commandTopic,
    DeliverySettings delivery,
    WebsiteSettings website,
    Optional<String> internalToken,
    String bindHost,
    Map<String, String> env) {

  public static final int DEFAULT_PORT = 8082;
  public static final String DEFAULT_KAFKA_BOOTSTRAP_SERVERS = "127.0.0.1:9092";
  public static final String DEFAULT_CONTENT_TOPIC = Topics.CONTENT;
  public static final String DEFAULT_CONSUMER_GROUP = "herald-publisher";
  public static final String DEFAULT_PG_HOST = "127.0.0.1";
  public static final int DEFAULT_PG_PORT = 5432;
  public static final String DEFAULT_PG_DATABASE = "herald";
  public static final String DEFAULT_PG_USER = "postgres";
  public static final String DEFAULT_PG_PASSWORD = "";
  public static final String DEFAULT_DATA_DIR = "./.herald";

  /** Name of the site directory inside the data directory when HERALD_SITE_DIR is not set. */
  public static final String DEFAULT_SITE_DIR_NAME = "site";

  public static final String DEFAULT_DELIVERY_TOPIC = DeliveryTopics.STATUS;
  public static final String DEFAULT_COMMAND_TOPIC = DeliveryTopics.COMMANDS;
  public static final int DEFAULT_DELIVERY_WORKERS = 6;
  public static final long DEFAULT_DELIVERY_TIMEOUT_MS = 30_000;
  public static final long DEFAULT_BACKOFF_MS = 5_000;
  public static final long DEFAULT_BACKOFF_MAX_MS = 3_600_000;
  public static final int DEFAULT_MAX_ATTEMPTS = 10;
  public static final long DEFAULT_DELIVERY_POLL_MS = 1_000;
  public static final long DEFAULT_DELIVERY_STOP_GRACE_MS = 5_000;
  public static final int DEFAULT_SITE_PAGE_SIZE = 20;

  /**
   * Every interface: a service of its own is reached from elsewhere. The all-in-one launcher sets
   * {@code HERALD_BIND_HOST=127.0.0.1}.
   */
  public static final String DEFAULT_BIND_HOST = "0.0.0.0";

  /** The api's port when {@code HERALD_API_PORT} does not say, for the default public URL. */
  private static final int DEFAULT_API_PORT = 8080;

  /**
   * How deliveries are run.
   *
   * @param workers deliveries attempted at the same time
   * @param timeout longest wait for one attempt; a call still running then counts as failed
   * @param backoff delay before the first retry; it doubles with each further failure
   * @param maxBackoff the longest delay between two attempts
   * @param maxAttempts attempts before a delivery is given up as dead
   * @param pollInterval how often due retries are looked for (new deliveries start at once)
   * @param stopGrace how long a stopping publisher waits for attempts under way; those still
   *     running then are abandoned and resumed (by any publisher) once their lease runs out
   */
  public record DeliverySettings(
      int workers,
      Duration timeout,
      Duration backoff,
      Duration maxBackoff,
      int maxAttempts,
      Duration pollInterval,
      Duration stopGrace) {

    public DeliverySettings {
      if (workers < 1 || maxAttempts < 1) {
        throw new IllegalArgumentException("workers and maxAttempts must be at least 1");
      }
    }

    /**
     * How long a claimed delivery stays reserved for its worker: the attempt's timeout and a margin
     * for recording the outcome. A publisher that dies mid-attempt frees it after this.
     */
    public Duration lease() {
      return timeout.plusSeconds(2);
    }
  }

  /**
   * The website channel's settings.
   *
   * @param siteUrl the public URL of the site root, for sitemap.xml, canonical links and JSON-LD
   * @param pageSize entries per index and tag page
   * @param revalidateUrl where to POST the changed paths after each change, if anywhere
   * @param revalidateSecret the HMAC-SHA256 key that signs those POSTs
   */
  public record WebsiteSettings(
      String siteUrl,
      int pageSize,
      Optional<String> revalidateUrl,
      Optional<String> revalidateSecret,
      String feedsUrl) {

    /** Settings whose feeds are at the api's default address on this machine. */
    public WebsiteSettings(
        String siteUrl,
        int pageSize,
        Optional<String> revalidateUrl,
        Optional<String> revalidateSecret) {
      this(siteUrl, pageSize, revalidateUrl, revalidateSecret, publicUrl(Map.of()));
    }

    public WebsiteSettings {
      siteUrl = siteUrl.endsWith("/") ? siteUrl.substring(0, siteUrl.length() - 1) : siteUrl;
      feedsUrl = feedsUrl.endsWith("/") ? feedsUrl.substring(0, feedsUrl.length() - 1) : feedsUrl;
      if (pageSize < 1) {
        throw new IllegalArgumentException("HERALD_SITE_PAGE_SIZE must be at least 1");
      }
    }

    @Override
    public String toString() {
      return "WebsiteSettings[siteUrl="
          + siteUrl
          + ", pageSize="
          + pageSize
          + ", revalidateUrl="
          + revalidateUrl.orElse("-")
          + "]";
    }
  }

  public PublisherConfig {
    Objects.requireNonNull(kafkaBootstrapServers, "kafkaBootstrapServers");
    Objects.requireNonNull(contentTopic, "contentTopic");
    Objects.requireNonNull(consumerGroup, "consumerGroup");
    Objects.requireNonNull(pgHost, "pgHost");
    Objects.requireNonNull(pgDatabase, "pgDatabase");
    Objects.requireNonNull(pgUser, "pgUser");
    pgPassword = pgPassword == null ? "" : pgPassword;
    Objects.requireNonNull(deliveryTopic, "deliveryTopic");
    Objects.requireNonNull(commandTopic, "commandTopic");
    Objects.requireNonNull(delivery, "delivery");
    Objects.requireNonNull(website, "website");
    internalToken =
        internalToken == null
            ? Optional.empty()
            : internalToken.map(String::strip).filter(t -> !t.isEmpty());
    bindHost = bindHost == null || bindHost.isBlank() ? DEFAULT_BIND_HOST : bindHost.strip();
    // The social and newsletter channels read their own settings from the same variables.
    env = env == null ? Map.of() : Map.copyOf(env);
    // Absolute paths: the static file handler and log lines must not depend on the working dir.
    dataDir = dataDir.toAbsolutePath().normalize();
    siteDir = siteDir.toAbsolutePath().normalize();
  }

  /** Reads the configuration from environment variables, using the defaults for missing ones. */
  public static PublisherConfig fromEnv(Map<String, String> env) {
    Path dataDir = Path.of(string(env, "HERALD_DATA_DIR", DEFAULT_DATA_DIR));
    String site = env.get("HERALD_SITE_DIR");
    return new PublisherConfig(
        integer(env, "HERALD_PUBLISHER_PORT", DEFAULT_PORT),
        string(env, "KAFKA_BOOTSTRAP_SERVERS", DEFAULT_KAFKA_BOOTSTRAP_SERVERS),
        string(env, "HERALD_CONTENT_TOPIC", DEFAULT_CONTENT_TOPIC),
        string(env, "HERALD_PUBLISHER_GROUP", DEFAULT_CONSUMER_GROUP),
        string(env, "PG_HOST", DEFAULT_PG_HOST),
        integer(env, "PG_PORT", DEFAULT_PG_PORT),
        string(env, "PG_DATABASE", DEFAULT_PG_DATABASE),
        string(env, "PG_USER", DEFAULT_PG_USER),
        env.getOrDefault("PG_PASSWORD", DEFAULT_PG_PASSWORD),
        dataDir,
        site == null || site.isBlank() ? dataDir.resolve(DEFAULT_SITE_DIR_NAME) : Path.of(site),
        string(env, "HERALD_DELIVERY_TOPIC", DEFAULT_DELIVERY_TOPIC),
        string(env, "HERALD_DELIVERY_COMMAND_TOPIC", DEFAULT_COMMAND_TOPIC),
        new DeliverySettings(
            integer(env, "HERALD_DELIVERY_WORKERS", DEFAULT_DELIVERY_WORKERS),
            millis(env, "HERALD_DELIVERY_TIMEOUT_MS", DEFAULT_DELIVERY_TIMEOUT_MS),
            millis(env, "HERALD_DELIVERY_BACKOFF_MS", DEFAULT_BACKOFF_MS),
            millis(env, "HERALD_DELIVERY_BACKOFF_MAX_MS", DEFAULT_BACKOFF_MAX_MS),
            integer(env, "HERALD_DELIVERY_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS),
            millis(env, "HERALD_DELIVERY_POLL_MS", DEFAULT_DELIVERY_POLL_MS),
            millis(env, "HERALD_DELIVERY_STOP_GRACE_MS", DEFAULT_DELIVERY_STOP_GRACE_MS)),
        new WebsiteSettings(
            siteUrl(env),
            integer(env, "HERALD_SITE_PAGE_SIZE", DEFAULT_SITE_PAGE_SIZE),
            Optional.ofNullable(env.get("HERALD_REVALIDATE_URL"))
                .map(String::trim)
                .filter(v -> !v.isEmpty()),
            Optional.ofNullable(env.get("HERALD_REVALIDATE_SECRET")).filter(v -> !v.isEmpty()),
            publicUrl(env)),
        Optional.ofNullable(env.get("HERALD_INTERNAL_TOKEN")),
        string(env, "HERALD_BIND_HOST", DEFAULT_BIND_HOST),
        env);
  }

  /**
   * The public website: {@code HERALD_SITE_URL}, else {@code /site} of this publisher on this
   * machine ({@code http://localhost:<HERALD_PUBLISHER_PORT>/site}). Pages, posts, mails and feeds
   * link there.
   */
  public static String siteUrl(Map<String, String> env) {
    return string(
        env,
        "HERALD_SITE_URL",
        "http://localhost:" + integer(env, "HERALD_PUBLISHER_PORT", DEFAULT_PORT) + "/site");
  }

  /**
   * The api's public address: {@code HERALD_PUBLIC_URL}, else the api on this machine ({@code
   * http://localhost:<HERALD_API_PORT>}). Feeds and the newsletter's own links are served there.
   */
  public static String publicUrl(Map<String, String> env) {
    return string(
        env,
        "HERALD_PUBLIC_URL",
        "http://localhost:" + integer(env, "HERALD_API_PORT", DEFAULT_API_PORT));
  }

  /** The JDBC URL of the database, for Flyway. */
  public String jdbcUrl() {
    // An IPv6 literal must be bracketed or its colons read as the port separator.
    String host = pgHost.contains(":") && !pgHost.startsWith("[") ? "[" + pgHost + "]" : pgHost;
    return "jdbc:postgresql://" + host + ":" + pgPort + "/" + pgDatabase;
  }

  @Override
  public String toString() {
    // The configuration is logged at start-up; the password must not be.
    return "PublisherConfig[host="
        + bindHost
        + ", port="
        + port
        + ", kafka="
        + kafkaBootstrapServers
        + ", topic="
        + contentTopic
        + ", group="
        + consumerGroup
        + ", pg="
        + pgUser
        + "@"
        + pgHost
        + ":"
        + pgPort
        + "/"
        + pgDatabase
        + ", dataDir="
        + dataDir
        + ", siteDir="
        + siteDir
        + ", deliveryTopic="
        + deliveryTopic
        + ", commandTopic="
        + commandTopic
        + ", "
        + delivery
        + ", "
        + website
        + ", internalToken="
        + (internalToken.isPresent() ? "set" : "unset")
        + "]";
  }

  private static String string(Map<String, String> env, String name, String fallback) {
    String v = env.get(name);
    return v == null || v.isBlank() ? fallback : v.trim();
  }

  private static Duration millis(Map<String, String> env, String name, long fallback) {
    String v = env.get(name);
    if (v == null || v.isBlank()) {
      return Duration.ofMillis(fallback);
    }
    try {
      long ms = Long.parseLong(v.trim());
      if (ms < 0) {
        throw new IllegalArgumentException(name + " must not be negative, was '" + v + "'");
      }
      return Duration.ofMillis(ms);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          name + " must be a number of milliseconds, was '" + v + "'", e);
    }
  }

  private static int integer(Map<String, String> env, String name, int fallback) {
    String v = env.get(name);
    if (v == null || v.isBlank()) {
      return fallback;
    }
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be an integer, was '" + v + "'", e);
    }
  }
}
