package herald.publisher;

import herald.events.Topics;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

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
    Path siteDir) {

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

  public PublisherConfig {
    Objects.requireNonNull(kafkaBootstrapServers, "kafkaBootstrapServers");
    Objects.requireNonNull(contentTopic, "contentTopic");
    Objects.requireNonNull(consumerGroup, "consumerGroup");
    Objects.requireNonNull(pgHost, "pgHost");
    Objects.requireNonNull(pgDatabase, "pgDatabase");
    Objects.requireNonNull(pgUser, "pgUser");
    pgPassword = pgPassword == null ? "" : pgPassword;
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
        site == null || site.isBlank() ? dataDir.resolve(DEFAULT_SITE_DIR_NAME) : Path.of(site));
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
    return "PublisherConfig[port="
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
        + "]";
  }

  private static String string(Map<String, String> env, String name, String fallback) {
    String v = env.get(name);
    return v == null || v.isBlank() ? fallback : v.trim();
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
