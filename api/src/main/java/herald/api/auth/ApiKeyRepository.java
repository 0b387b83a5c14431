package herald.api.auth;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;

/** The SQL of the {@code api_keys} table. */
public final class ApiKeyRepository {
  private static final String INSERT =
      "insert into api_keys (id, name, role, secret_hash, expires_at) values ($1, $2, $3, $4, $5)"
          + " returning created_at";
  private static final String FIND_ACTIVE =
      "select id, name, role from api_keys where secret_hash = $1 and revoked_at is null"
          + " and (expires_at is null or expires_at > now())";
  private static final String LIST =
      "select id, name, role, created_at, expires_at, revoked_at from api_keys"
          + " order by revoked_at is not null, created_at desc, id limit 1000";
  private static final String REVOKE =
      "update api_keys set revoked_at = now() where id = $1 and revoked_at is null";

  public Future<OffsetDateTime> insert(
      SqlClient db, UUID id, String name, Role role, byte[] hash, OffsetDateTime expiresAt) {
    return db.preparedQuery(INSERT)
        .execute(Tuple.of(id, name, role.id(), Buffer.buffer(hash), expiresAt))
        .map(rs -> rs.iterator().next().getOffsetDateTime("created_at"));
  }

  public Future<Optional<Principal>> findActive(SqlClient db, byte[] hash) {
    return db.preparedQuery(FIND_ACTIVE)
        .execute(Tuple.of(Buffer.buffer(hash)))
        .map(
            rs ->
                rs.size() == 0 ? Optional.empty() : Optional.of(toPrincipal(rs.iterator().next())));
  }

  /**
   * Every key (never its secret), the active ones first, newest first: at most 1000, which no
   * deployment of Herald comes near.
   */
  public Future<io.vertx.core.json.JsonArray> list(SqlClient db) {
    return db.preparedQuery(LIST)
        .execute()
        .map(
            rs -> {
              io.vertx.core.json.JsonArray out = new io.vertx.core.json.JsonArray();
              for (Row r : rs) {
                OffsetDateTime exp = r.getOffsetDateTime("expires_at");
                OffsetDateTime rev = r.getOffsetDateTime("revoked_at");
                out.add(
                    new io.vertx.core.json.JsonObject()
                        .put("id", r.getUUID("id").toString())
                        .put("name", r.getString("name"))
                        .put("role", r.getString("role"))
                        .put("createdAt", r.getOffsetDateTime("created_at").toInstant().toString())
                        .put("expiresAt", exp == null ? null : exp.toInstant().toString())
                        .put("revokedAt", rev == null ? null : rev.toInstant().toString())
                        .put(
                            "active",
                            rev == null && (exp == null || exp.isAfter(OffsetDateTime.now()))));
              }
              return out;
            });
  }

  /** Revokes the key; false when there is no such active key. */
  public Future<Boolean> revoke(SqlClient db, UUID id) {
    return db.preparedQuery(REVOKE).execute(Tuple.of(id)).map(rs -> rs.rowCount() == 1);
  }

  private static Principal toPrincipal(Row r) {
    return new Principal(
        r.getUUID("id").toString(),
        r.getString("name"),
        Role.parse(r.getString("role")).orElseThrow());
  }
}
