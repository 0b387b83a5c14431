package herald.api.studio;

import herald.api.auth.Role;
import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The SQL of the {@code studio_users} table. */
public final class UserRepository {
  private static final String COLUMNS =
      "id, email, name, role, password_hash, created_at, disabled_at";
  private static final String INSERT =
      "insert into studio_users (id, email, name, role, password_hash) values ($1, $2, $3, $4, $5)"
          + " returning "
          + COLUMNS;
  private static final String BY_EMAIL =
      "select " + COLUMNS + " from studio_users where lower(email) = lower($1)";
  private static final String BY_ID = "select " + COLUMNS + " from studio_users where id = $1";
  private static final String ALL =
      "select " + COLUMNS + " from studio_users order by lower(email) limit $1";
  private static final String ANY = "select exists (select 1 from studio_users)";
  private static final String SET_PASSWORD =
      "update studio_users set password_hash = $2 where id = $1";
  private static final String SET_ROLE = "update studio_users set role = $2 where id = $1";
  private static final String SET_DISABLED =
      "update studio_users set disabled_at = case when $2 then coalesce(disabled_at, now())"
          + " else null end where id = $1";
  private static final String ACTIVE_ADMINS =
      "select count(*) from studio_users where role = 'admin' and disabled_at is null";

  /** Serialises the creation of the first admin across api instances (any constant will do). */
  static final String LOCK_FIRST_ADMIN = "select pg_advisory_xact_lock(7261150015)";

  public Future<StudioUser> insert(
      SqlClient db, UUID id, String email, String name, Role role, String passwordHash) {
    return db.preparedQuery(INSERT)
        .execute(Tuple.of(id, email, name, role.id(), passwordHash))
        .map(rs -> toUser(rs.iterator().next()));
  }

  public Future<Optional<StudioUser>> byEmail(SqlClient db, String email) {
    return one(db, BY_EMAIL, email);
  }

  public Future<Optional<StudioUser>> byId(SqlClient db, UUID id) {
    return one(db, BY_ID, id);
  }

  public Future<List<StudioUser>> all(SqlClient db, int limit) {
    return db.preparedQuery(ALL)
        .execute(Tuple.of(limit))
        .map(
            rs -> {
              List<StudioUser> out = new ArrayList<>();
              rs.forEach(r -> out.add(toUser(r)));
              return out;
            });
  }

  public Future<Boolean> any(SqlClient db) {
    return db.query(ANY).execute().map(rs -> rs.iterator().next().getBoolean(0));
  }

  public Future<Long> activeAdmins(SqlClient db) {
    return db.query(ACTIVE_ADMINS).execute().map(rs -> rs.iterator().next().getLong(0));
  }

  public Future<Void> lockFirstAdmin(SqlClient db) {
    return db.query(LOCK_FIRST_ADMIN).execute().mapEmpty();
  }

  public Future<Void> setPassword(SqlClient db, UUID id, String hash) {
    return db.preparedQuery(SET_PASSWORD).execute(Tuple.of(id, hash)).mapEmpty();
  }

  public Future<Void> setRole(SqlClient db, UUID id, Role role) {
    return db.preparedQuery(SET_ROLE).execute(Tuple.of(id, role.id())).mapEmpty();
  }

  public Future<Void> setDisabled(SqlClient db, UUID id, boolean disabled) {
    return db.preparedQuery(SET_DISABLED).execute(Tuple.of(id, disabled)).mapEmpty();
  }

  private static Future<Optional<StudioUser>> one(SqlClient db, String sql, Object param) {
    return db.preparedQuery(sql)
        .execute(Tuple.of(param))
        .map(rs -> rs.size() == 0 ? Optional.empty() : Optional.of(toUser(rs.iterator().next())));
  }

  static StudioUser toUser(Row r) {
    return new StudioUser(
        r.getUUID("id"),
        r.getString("email"),
        r.getString("name"),
        Role.parse(r.getString("role")).orElseThrow(),
        r.getString("password_hash"),
        r.getOffsetDateTime("created_at"),
        r.getOffsetDateTime("disabled_at"));
  }
}
