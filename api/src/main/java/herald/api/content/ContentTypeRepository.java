package herald.api.content;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The SQL of the {@code content_types} table. */
public final class ContentTypeRepository {
  private static final String INSERT =
      "insert into content_types (id, name, fields) values ($1, $2, $3) on conflict (id) do nothing";
  private static final String FIND = "select id, name, fields from content_types where id = $1";
  private static final String LIST = "select id, name, fields from content_types order by id";

  /** Inserts the type; false when a type with the id exists. */
  public Future<Boolean> insert(SqlClient db, ContentType t) {
    JsonArray fields = t.toJson().getJsonArray("fields");
    return db.preparedQuery(INSERT)
        .execute(Tuple.of(t.id(), t.name(), fields))
        .map(rs -> rs.rowCount() == 1);
  }

  public Future<Optional<ContentType>> find(SqlClient db, String id) {
    return db.preparedQuery(FIND)
        .execute(Tuple.of(id))
        .map(rs -> rs.size() == 0 ? Optional.empty() : Optional.of(toType(rs.iterator().next())));
  }

  public Future<List<ContentType>> list(SqlClient db) {
    return db.query(LIST)
        .execute()
        .map(
            rs -> {
              List<ContentType> out = new ArrayList<>();
              rs.forEach(r -> out.add(toType(r)));
              return out;
            });
  }

  private static ContentType toType(Row r) {
    return ContentType.fromStored(
        r.getString("id"), r.getString("name"), (JsonArray) r.getJson("fields"));
  }
}
