package herald.api.sync;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.List;

/** The {@code partner_scopes} table: which types and locales a partner key may sync. */
public final class PartnerScopeRepository {
  private static final String FIND =
      "select key_id, types, locales, updated_at from partner_scopes where key_id = $1";
  private static final String UPSERT =
      "insert into partner_scopes (key_id, types, locales) values ($1, $2, $3)"
          + " on conflict (key_id) do update set types = excluded.types,"
          + " locales = excluded.locales, updated_at = now()"
          + " returning key_id, types, locales, updated_at";
  private static final String DELETE = "delete from partner_scopes where key_id = $1";
  private static final String KEY_EXISTS = "select 1 from api_keys where id::text = $1";

  /** The limits of one key; a null list means no limit. */
  public record Scope(String keyId, List<String> types, List<String> locales) {
    public static final Scope NONE = new Scope(null, null, null);

    public io.vertx.core.json.JsonObject toJson() {
      return new io.vertx.core.json.JsonObject()
          .put("keyId", keyId)
          .put("types", types == null ? null : new JsonArray(types))
          .put("locales", locales == null ? null : new JsonArray(locales));
    }
  }

  public Future<Scope> find(SqlClient db, String keyId) {
    return db.preparedQuery(FIND)
        .execute(Tuple.of(keyId))
        .map(rs -> rs.size() == 0 ? Scope.NONE : toScope(rs.iterator().next()));
  }

  public Future<Scope> upsert(SqlClient db, Scope s) {
    return db.preparedQuery(UPSERT)
        .execute(
            Tuple.of(
                s.keyId(),
                s.types() == null ? null : new JsonArray(s.types()),
                s.locales() == null ? null : new JsonArray(s.locales())))
        .map(rs -> toScope(rs.iterator().next()));
  }

  public Future<Boolean> delete(SqlClient db, String keyId) {
    return db.preparedQuery(DELETE).execute(Tuple.of(keyId)).map(rs -> rs.rowCount() > 0);
  }

  public Future<Boolean> keyExists(SqlClient db, String keyId) {
    return db.preparedQuery(KEY_EXISTS).execute(Tuple.of(keyId)).map(rs -> rs.size() > 0);
  }

  private static Scope toScope(Row r) {
    return new Scope(r.getString(0), strings(r.getJsonArray(1)), strings(r.getJsonArray(2)));
  }

  private static List<String> strings(JsonArray a) {
    return a == null ? null : a.stream().map(String::valueOf).toList();
  }
}
