package herald.faults;

import io.vertx.core.json.JsonArray;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** PostgreSQL's word on every entry of the suite: what is published, as which revision, where. */
public final class Oracle {
  /** One entry as the api's tables hold it. */
  public record Row(
      String id, String slug, boolean published, String title, List<String> channels) {
    boolean on(String channel) {
      return published && channels.contains(channel);
    }

    int rev() {
      return EditorLoad.revOf(title);
    }
  }

  private static final String ENTRIES =
      "select id::text, slug, status = 'published', published->'fields'->'title'->>'en',"
          + " coalesce(published->'channels', channels)::text from entries where type_id = '"
          + EditorLoad.TYPE
          + "'";

  private Oracle() {}

  /** Every entry of the suite's type, by id. */
  public static Map<String, Row> entries(Stack stack) throws SQLException {
    Map<String, Row> out = new HashMap<>();
    try (Connection c = stack.oracle();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(ENTRIES)) {
      while (rs.next()) {
        List<String> channels =
            new JsonArray(rs.getString(5)).stream().map(Object::toString).toList();
        out.put(
            rs.getString(1),
            new Row(rs.getString(1), rs.getString(2), rs.getBoolean(3), rs.getString(4), channels));
      }
    }
    return out;
  }

  /** The single number a query answers. */
  public static long count(Stack stack, String sql) throws SQLException {
    try (Connection c = stack.oracle();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
