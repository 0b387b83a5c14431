package herald.embedded;

import java.util.Objects;

/** Where a PostgreSQL database is and who to connect to it as. */
public record PgSettings(String host, int port, String database, String user, String password) {

  public PgSettings {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(database, "database");
    Objects.requireNonNull(user, "user");
    password = password == null ? "" : password;
  }

  /** The JDBC URL of this database, without credentials. */
  public String jdbcUrl() {
    // An IPv6 literal must be bracketed or its colons read as the port separator.
    String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    return "jdbc:postgresql://" + h + ":" + port + "/" + database;
  }

  /** The same server and credentials, another database on it. */
  public PgSettings withDatabase(String name) {
    return new PgSettings(host, port, name, user, password);
  }

  @Override
  public String toString() {
    // Settings end up in logs; the password must not.
    return "PgSettings[" + user + "@" + host + ":" + port + "/" + database + "]";
  }
}
