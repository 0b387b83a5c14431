package herald.api.content;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The SQL of the {@code entry_versions} table: immutable snapshots of an entry's draft. */
public final class VersionRepository {
  private static final String INSERT =
      "insert into entry_versions (entry_id, version, action, slug, fields, channels, actor)"
          + " values ($1, $2, $3, $4, $5, $6, $7)";
  private static final String LIST =
      "select entry_id, version, action, slug, actor, created_at from entry_versions"
          + " where entry_id = $1 order by version desc";
  private static final String FIND =
      "select entry_id, version, action, slug, fields, channels, actor, created_at"
          + " from entry_versions where entry_id = $1 and version = $2";

  /** One stored version. */
  public record Version(
      UUID entryId,
      long version,
      String action,
      String slug,
      JsonObject fields,
      JsonArray channels,
      String actor,
      String createdAt) {

    public JsonObject toJson() {
      JsonObject o =
          new JsonObject()
              .put("entryId", entryId.toString())
              .put("version", version)
              .put("action", action)
              .put("slug", slug)
              .put("actor", actor)
              .put("createdAt", createdAt);
      if (fields != null) {
        o.put("fields", fields).put("channels", channels);
      }
      return o;
    }
  }

  public Future<Void> insert(SqlClient db, Entry e, String action, String actor) {
    return db.preparedQuery(INSERT)
        .execute(Tuple.of(e.id(), e.version(), action, e.slug(), e.fields(), e.channels(), actor))
        .mapEmpty();
  }

  /** Versions newest first, without their content. */
  public Future<List<Version>> list(SqlClient db, UUID entryId) {
    return db.preparedQuery(LIST)
        .execute(Tuple.of(entryId))
        .map(
            rs -> {
              List<Version> out = new ArrayList<>();
              for (Row r : rs) {
                out.add(
                    new Version(
                        r.getUUID("entry_id"),
                        r.getLong("version"),
                        r.getString("action"),
                        r.getString("slug"),
                        null,
                        null,
                        r.getString("actor"),
                        r.getOffsetDateTime("created_at").toInstant().toString()));
              }
              return out;
            });
  }

  public Future<Optional<Version>> find(SqlClient db, UUID entryId, long version) {
    return db.preparedQuery(FIND)
        .execute(Tuple.of(entryId, version))
        .map(
            rs -> {
              if (rs.size() == 0) {
                return Optional.empty();
              }
              Row r = rs.iterator().next();
              return Optional.of(
                  new Version(
                      r.getUUID("entry_id"),
                      r.getLong("version"),
                      r.getString("action"),
                      r.getString("slug"),
                      (JsonObject) r.getJson("fields"),
                      (JsonArray) r.getJson("channels"),
                      r.getString("actor"),
                      r.getOffsetDateTime("created_at").toInstant().toString()));
            });
  }
}
