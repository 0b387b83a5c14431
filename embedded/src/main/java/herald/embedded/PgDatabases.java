package herald.embedded;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.regex.Pattern;

/** Creates and drops databases; the DDL cannot take parameters, so names are checked instead. */
final class PgDatabases {

  private static final Pattern NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
  private static final String EXISTS = "SELECT 1 FROM pg_database WHERE datname = ?";
  private static final String DUPLICATE_DATABASE = "42P04";

  private PgDatabases() {}

  /** Creates the database; fails if it already exists. */
  static PgSettings create(PgSettings server, String name) {
    execute(server, "CREATE DATABASE " + quoted(name), "create database " + name);
    return server.withDatabase(name);
  }

  /** Creates the database unless it is there, tolerating another process doing the same. */
  static PgSettings createIfAbsent(PgSettings server, String name) {
    String ddl = "CREATE DATABASE " + quoted(name);
    try (Connection c = connect(server);
        PreparedStatement exists = c.prepareStatement(EXISTS)) {
      exists.setString(1, name);
      try (ResultSet rs = exists.executeQuery()) {
        if (!rs.next()) {
          try (Statement s = c.createStatement()) {
            s.execute(ddl);
          }
        }
      }
    } catch (SQLException e) {
      if (!DUPLICATE_DATABASE.equals(e.getSQLState())) {
        throw new IllegalStateException("could not create database " + name + " on " + server, e);
      }
    }
    return server.withDatabase(name);
  }

  /** Drops the database even if sessions are still connected to it. */
  static void drop(PgSettings server, String name) {
    execute(server, "DROP DATABASE IF EXISTS " + quoted(name) + " WITH (FORCE)", "drop " + name);
  }

  private static void execute(PgSettings server, String sql, String what) {
    try (Connection c = connect(server);
        Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException("could not " + what + " on " + server, e);
    }
  }

  static Connection connect(PgSettings settings) throws SQLException {
    return DriverManager.getConnection(settings.jdbcUrl(), settings.user(), settings.password());
  }

  private static String quoted(String name) {
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "database name must match " + NAME.pattern() + ", was '" + name + "'");
    }
    return '"' + name + '"';
  }
}
