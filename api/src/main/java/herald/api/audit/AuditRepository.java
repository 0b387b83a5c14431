package herald.api.audit;

import herald.api.auth.Principal;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

/** The SQL of the {@code audit_log} table. */
public final class AuditRepository {
  private static final String APPEND =
      "insert into audit_log (actor_key_id, actor_name, action, entity_type, entity_id,"
          + " before_version, after_version, detail) values ($1, $2, $3, $4, $5, $6, $7, $8)";
  private static final String PAGE =
      "select id, at, actor_key_id, actor_name, action, entity_type, entity_id, before_version,"
          + " after_version, detail from audit_log where id < $1"
          + " and ($2::text is null or entity_id = $2) and ($4::text is null or actor_key_id = $4)"
          + " order by id desc limit $3";

  /** Records a management action; call it in the action's own transaction. */
  public Future<Void> append(
      SqlClient db,
      Principal actor,
      String action,
      String entityType,
      String entityId,
      Long beforeVersion,
      Long afterVersion,
      JsonObject detail) {
    return db.preparedQuery(APPEND)
        .execute(
            Tuple.from(
                new Object[] {
                  actor.keyId(),
                  actor.name(),
                  action,
                  entityType,
                  entityId,
                  beforeVersion,
                  afterVersion,
                  detail
                }))
        .mapEmpty();
  }

  /** Newest first, before the given id (exclusive), optionally for one entity. */
  public Future<JsonArray> page(SqlClient db, long beforeId, String entityId, int limit) {
    return page(db, beforeId, entityId, null, limit);
  }

  /**
   * Newest first, before the given id (exclusive), optionally for one entity and one actor (a key's
   * id, or {@code user:<uuid>} for a Studio user).
   */
  public Future<JsonArray> page(
      SqlClient db, long beforeId, String entityId, String actorKeyId, int limit) {
    return db.preparedQuery(PAGE)
        .execute(Tuple.of(beforeId, entityId, limit, actorKeyId))
        .map(
            rs -> {
              JsonArray out = new JsonArray();
              for (Row r : rs) {
                out.add(
                    new JsonObject()
                        .put("id", r.getLong("id"))
                        .put("at", r.getOffsetDateTime("at").toInstant().toString())
                        .put(
                            "actor",
                            new JsonObject()
                                .put("keyId", r.getString("actor_key_id"))
                                .put("name", r.getString("actor_name")))
                        .put("action", r.getString("action"))
                        .put("entityType", r.getString("entity_type"))
                        .put("entityId", r.getString("entity_id"))
                        .put("beforeVersion", r.getLong("before_version"))
                        .put("afterVersion", r.getLong("after_version"))
                        .put("detail", r.getJson("detail")));
              }
              return out;
            });
  }
}
