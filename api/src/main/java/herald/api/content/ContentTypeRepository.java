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
  private static final String UPDATE =
      "update content_types set name = $2, fields = $3, version = version + 1, updated_at = now()"
          + " where id = $1 returning version";
  private static final String FIND =
      "select id, name, fields, version from content_types where id = $1";
  private static final String LOCK = FIND + " for update";
  private static final String LIST =
      "select id, name, fields, version from content_types order by id";
  // Drafts and published snapshots both count: removing a field either uses would lose content.
  private static final String USAGE =
      "select count(*) from entries where type_id = $1 and (fields ? $2"
          + " or (published is not null and published -> 'fields' ? $2))";
  private static final String STRIP_FIELD =
      "update entries set fields = fields - $2 where type_id = $1 and fields ? $2";

  /** Inserts the type; false when a type with the id exists. */
  public Future<Boolean> insert(SqlClient db, ContentType t) {
    return db.preparedQuery(INSERT)
        .execute(Tuple.of(t.id(), t.name(), fieldsJson(t)))
        .map(rs -> rs.rowCount() == 1);
  }

  /** Replaces name and fields; returns the new version. */
  public Future<Long> update(SqlClient db, ContentType t) {
    return db.preparedQuery(UPDATE)
        .execute(Tuple.of(t.id(), t.name(), fieldsJson(t)))
        .map(rs -> rs.iterator().next().getLong(0));
  }

  public Future<Optional<ContentType>> find(SqlClient db, String id) {
    return one(db, FIND, id);
  }

  /** Finds and locks the type for the transaction, so entries are checked against a stable type. */
  public Future<Optional<ContentType>> lock(SqlClient db, String id) {
    return one(db, LOCK, id);
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

  /** How many entries of the type hold a value for the field, in their draft or published. */
  public Future<Long> usage(SqlClient db, String typeId, String fieldId) {
    return db.preparedQuery(USAGE)
        .execute(Tuple.of(typeId, fieldId))
        .map(rs -> rs.iterator().next().getLong(0));
  }

  /** Removes a field's values from every draft of the type. */
  public Future<Integer> stripField(SqlClient db, String typeId, String fieldId) {
    return db.preparedQuery(STRIP_FIELD)
        .execute(Tuple.of(typeId, fieldId))
        .map(rs -> rs.rowCount());
  }

  private static Future<Optional<ContentType>> one(SqlClient db, String sql, String id) {
    return db.preparedQuery(sql)
        .execute(Tuple.of(id))
        .map(rs -> rs.size() == 0 ? Optional.empty() : Optional.of(toType(rs.iterator().next())));
  }

  private static JsonArray fieldsJson(ContentType t) {
    return t.toJson().getJsonArray("fields");
  }

  private static ContentType toType(Row r) {
    return ContentType.fromStored(
        r.getString("id"),
        r.getString("name"),
        (JsonArray) r.getJson("fields"),
        r.getLong("version"));
  }
}
