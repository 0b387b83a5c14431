package herald.api.studio;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

/** The SQL of the {@code studio_tokens} table: one-time links, kept as hashes. */
public final class TokenRepository {
  private static final String INSERT =
      "insert into studio_tokens (token_hash, kind, email, role, user_id, created_by, expires_at)"
          + " values ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7))";
  // NOTE: the row lock makes a link usable once even when two requests race for it.
  private static final String FIND_USABLE =
      "select kind, email, role, user_id from studio_tokens where token_hash = $1 and kind = $2"
          + " and used_at is null and expires_at > now() for update";
  private static final String PEEK =
      "select kind, email, role, user_id from studio_tokens where token_hash = $1 and kind = $2"
          + " and used_at is null and expires_at > now()";
  private static final String USE =
      "update studio_tokens set used_at = now() where token_hash = $1";
  private static final String USE_KIND =
      "update studio_tokens set used_at = now() where kind = $1 and used_at is null";
  private static final String USE_USER =
      "update studio_tokens set used_at = now() where kind = $1 and user_id = $2 and used_at is null";

  /** What a one-time link stands for. */
  public record Token(String kind, String email, String role, UUID userId) {}

  public Future<Void> insert(
      SqlClient db,
      byte[] hash,
      String kind,
      String email,
      String role,
      UUID userId,
      String createdBy,
      Duration ttl) {
    return db.preparedQuery(INSERT)
        .execute(
            Tuple.from(
                new Object[] {
                  Buffer.buffer(hash),
                  kind,
                  email,
                  role,
                  userId,
                  createdBy,
                  (double) ttl.toSeconds()
                }))
        .mapEmpty();
  }

  /** The unused, unexpired token, locked until the transaction ends. */
  public Future<Optional<Token>> claim(SqlClient db, byte[] hash, String kind) {
    return one(db, FIND_USABLE, hash, kind);
  }

  /** The unused, unexpired token, for showing its form. */
  public Future<Optional<Token>> peek(SqlClient db, byte[] hash, String kind) {
    return one(db, PEEK, hash, kind);
  }

  public Future<Void> use(SqlClient db, byte[] hash) {
    return db.preparedQuery(USE).execute(Tuple.of(Buffer.buffer(hash))).mapEmpty();
  }

  /** Uses up every open token of a kind (all set-up links once the first admin exists). */
  public Future<Void> useAll(SqlClient db, String kind) {
    return db.preparedQuery(USE_KIND).execute(Tuple.of(kind)).mapEmpty();
  }

  /** Uses up the user's open tokens of a kind (older reset links once one was used). */
  public Future<Void> useAllOf(SqlClient db, String kind, UUID userId) {
    return db.preparedQuery(USE_USER).execute(Tuple.of(kind, userId)).mapEmpty();
  }

  private static Future<Optional<Token>> one(SqlClient db, String sql, byte[] hash, String kind) {
    return db.preparedQuery(sql)
        .execute(Tuple.of(Buffer.buffer(hash), kind))
        .map(
            rs -> {
              if (rs.size() == 0) {
                return Optional.empty();
              }
              Row r = rs.iterator().next();
              return Optional.of(
                  new Token(
                      r.getString("kind"),
                      r.getString("email"),
                      r.getString("role"),
                      r.getUUID("user_id")));
            });
  }
}
