package herald.events;

import java.util.Map;
import java.util.Objects;

/**
 * Where a service's PostgreSQL database is, who to connect as, and how many connections to pool:
 * the one database-settings type of every service's configuration (read from {@code PG_HOST},
 * {@code PG_PORT}, {@code PG_DATABASE}, {@code PG_USER}, {@code PG_PASSWORD}).
 *
 * <p>NOTE: it lives here, not in {@code embedded} (whose {@code PgSettings} names the test
 * infrastructure's server), because the services depend on {@code embedded} only in tests.
 */
public record DatabaseSettings(
    String host, int port, String database, String user, String password, int poolSize) {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 5432;
  public static final String DEFAULT_DATABASE = "herald";
  public static final String DEFAULT_USER = "postgres";

  public DatabaseSettings {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(database, "database");
    Objects.requireNonNull(user, "user");
    password = password == null ? "" : password;
    if (poolSize < 1) {
      throw new IllegalArgumentException("the database pool needs at least one connection");
    }
  }

  /**
   * The settings in {@code env}, the pool size from {@code poolSizeName} (each service has its
   * own).
   */
  public static DatabaseSettings fromEnv(
      Map<String, String> env, String poolSizeName, int defaultPoolSize) {
    return new DatabaseSettings(
        env.getOrDefault("PG_HOST", DEFAULT_HOST),
        EnvValues.intOf(env, "PG_PORT", DEFAULT_PORT),
        env.getOrDefault("PG_DATABASE", DEFAULT_DATABASE),
        env.getOrDefault("PG_USER", DEFAULT_USER),
        env.getOrDefault("PG_PASSWORD", ""),
        EnvValues.intOf(env, poolSizeName, defaultPoolSize));
  }

  /** The JDBC URL of the database (for Flyway), without credentials. */
  public String jdbcUrl() {
    // An IPv6 literal must be bracketed or its colons read as the port separator.
    String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    return "jdbc:postgresql://" + h + ":" + port + "/" + database;
  }

  @Override
  public String toString() {
    // Settings end up in logs; the password must not.
    return "DatabaseSettings["
        + user
        + "@"
        + host
        + ":"
        + port
        + "/"
        + database
        + ", pool "
        + poolSize
        + "]";
  }
}
