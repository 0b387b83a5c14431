package herald.api.studio;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

/** The SQL of the {@code studio_sessions} table. */
public final class SessionRepository {
  private static final String INSERT =
      "insert into studio_sessions (token_hash, user_id, csrf_token, expires_at)"
          + " values ($1, $2, $3, now() + make_interval(secs => $4))";
  // A session lives until it has been idle too long or reached its maximum age; disabled users
  // have none.
  private static final String FIND =
      "select s.csrf_token, s.last_seen_at < now() - interval '1 minute' as stale,"
          + " u.id, u.email, u.name, u.role, u.password_hash, u.created_at, u.disabled_at"
          + " from studio_sessions s join studio_users u on u.id = s.user_id"
          + " where s.token_hash = $1 and s.expires_at > now() and u.disabled_at is null";
  // NOTE: touched at most once a minute, so that reading pages does not write on every request.
  private static final String TOUCH =
      "update studio_sessions set last_seen_at = now(), expires_at = least(created_at"
          + " + make_interval(secs => $3), now() + make_interval(secs => $2)) where token_hash = $1";
  private static final String DELETE = "delete from studio_sessions where token_hash = $1";
  private static final String DELETE_USER = "delete from studio_sessions where user_id = $1";
  private static final String DELETE_EXPIRED =
      "delete from studio_sessions where expires_at < now()";
  private static final String COUNT_USER =
      "select count(*) from studio_sessions where user_id = $1 and expires_at > now()";

  /** A live session: its user and its CSRF token. */
  public record Found(StudioUser user, String csrf, boolean stale) {}

  public Future<Void> insert(
      SqlClient db, byte[] tokenHash, UUID userId, String csrf, Duration idle) {
    return db.preparedQuery(INSERT)
        .execute(Tuple.of(Buffer.buffer(tokenHash), userId, csrf, (double) idle.toSeconds()))
        .mapEmpty();
  }

  public Future<Optional<Found>> find(SqlClient db, byte[] tokenHash) {
    return db.preparedQuery(FIND)
        .execute(Tuple.of(Buffer.buffer(tokenHash)))
        .map(
            rs -> {
              if (rs.size() == 0) {
                return Optional.empty();
              }
              Row r = rs.iterator().next();
              return Optional.of(
                  new Found(
                      UserRepository.toUser(r), r.getString("csrf_token"), r.getBoolean("stale")));
            });
  }

  public Future<Void> touch(SqlClient db, byte[] tokenHash, Duration idle, Duration max) {
    return db.preparedQuery(TOUCH)
        .execute(
            Tuple.of(Buffer.buffer(tokenHash), (double) idle.toSeconds(), (double) max.toSeconds()))
        .mapEmpty();
  }

  public Future<Void> delete(SqlClient db, byte[] tokenHash) {
    return db.preparedQuery(DELETE).execute(Tuple.of(Buffer.buffer(tokenHash))).mapEmpty();
  }

  /** Ends every session of the user (sign out everywhere, password change, disabling). */
  public Future<Integer> deleteUser(SqlClient db, UUID userId) {
    return db.preparedQuery(DELETE_USER).execute(Tuple.of(userId)).map(rs -> rs.rowCount());
  }

  public Future<Long> countUser(SqlClient db, UUID userId) {
    return db.preparedQuery(COUNT_USER)
        .execute(Tuple.of(userId))
        .map(rs -> rs.iterator().next().getLong(0));
  }

  public Future<Void> deleteExpired(SqlClient db) {
    return db.query(DELETE_EXPIRED).execute().mapEmpty();
  }
}
