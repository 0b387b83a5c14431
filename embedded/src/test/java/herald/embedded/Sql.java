package herald.embedded;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** One-line JDBC for asserting what a real PostgreSQL holds. */
final class Sql {

  private Sql() {}

  static String queryString(PgSettings db, String sql) throws SQLException {
    try (Connection c = PgDatabases.connect(db);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      if (!rs.next()) {
        throw new AssertionError("no row from " + sql);
      }
      return rs.getString(1);
    }
  }

  static void execute(PgSettings db, String sql) throws SQLException {
    try (Connection c = PgDatabases.connect(db);
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
