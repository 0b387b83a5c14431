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
