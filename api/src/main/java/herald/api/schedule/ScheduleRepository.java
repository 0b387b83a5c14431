package herald.api.schedule;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The SQL of the {@code scheduled_actions} table. */
public final class ScheduleRepository {
  private static final String COLUMNS =
      "id, entry_id, action, locales, run_at, status, actor, created_at, executed_at, error";
  private static final String INSERT =
      "insert into scheduled_actions (id, entry_id, action, locales, run_at, status, actor)"
          + " values ($1, $2, $3, $4, $5, 'pending', $6) returning "
          + COLUMNS;
  // SKIP LOCKED: instances claim different due actions; the lock lasts until the transaction
  // that performs the action commits, so an action runs once.
  private static final String CLAIM_DUE =
      "select "
          + COLUMNS
          + " from scheduled_actions where status = 'pending' and run_at <= now()"
          + " order by run_at limit $1 for update skip locked";
  private static final String FINISH =
      "update scheduled_actions set status = $2, executed_at = now(), error = $3 where id = $1"
          + " and status = 'pending'";
  private static final String CANCEL =
      "update scheduled_actions set status = 'cancelled' where id = $1 and status = 'pending'"
          + " returning "
          + COLUMNS;
  private static final String LIST =
      "select "
          + COLUMNS
          + " from scheduled_actions where ($1::uuid is null or entry_id = $1)"
          + " and ($2::text is null or status = $2) order by run_at, id limit $3";
  private static final String FIND = "select " + COLUMNS + " from scheduled_actions where id = $1";

  /** One scheduled action. */
  public record Scheduled(
      UUID id,
      UUID entryId,
      String action,
      List<String> locales,
      OffsetDateTime runAt,
      String status,
      String actor,
      OffsetDateTime createdAt,
      OffsetDateTime executedAt,
      String error) {

    public JsonObject toJson() {
      return new JsonObject()
          .put("id", id.toString())
          .put("entryId", entryId.toString())
          .put("action", action)
          .put("locales", locales == null ? null : new JsonArray(locales))
          .put("at", runAt.toInstant().toString())
          .put("status", status)
          .put("actor", actor)
          .put("createdAt", createdAt.toInstant().toString())
          .put("executedAt", executedAt == null ? null : executedAt.toInstant().toString())
          .put("error", error);
    }
  }

  public Future<Scheduled> insert(
      SqlClient db,
      UUID id,
      UUID entryId,
      String action,
      List<String> locales,
      OffsetDateTime runAt,
      String actor) {
    return db.preparedQuery(INSERT)
        .execute(
            Tuple.of(
                id, entryId, action, locales == null ? null : new JsonArray(locales), runAt, actor))
        .map(rs -> toScheduled(rs.iterator().next()));
  }

  public Future<List<Scheduled>> claimDue(SqlClient db, int limit) {
    return db.preparedQuery(CLAIM_DUE).execute(Tuple.of(limit)).map(ScheduleRepository::all);
  }

  public Future<Void> finish(SqlClient db, UUID id, String status, String error) {
    return db.preparedQuery(FINISH).execute(Tuple.of(id, status, error)).mapEmpty();
  }

  public Future<Optional<Scheduled>> cancel(SqlClient db, UUID id) {
    return db.preparedQuery(CANCEL)
        .execute(Tuple.of(id))
        .map(
            rs ->
                rs.size() == 0 ? Optional.empty() : Optional.of(toScheduled(rs.iterator().next())));
  }

  public Future<Optional<Scheduled>> find(SqlClient db, UUID id) {
    return db.preparedQuery(FIND)
        .execute(Tuple.of(id))
        .map(
            rs ->
                rs.size() == 0 ? Optional.empty() : Optional.of(toScheduled(rs.iterator().next())));
  }

  public Future<List<Scheduled>> list(SqlClient db, UUID entryId, String status, int limit) {
    return db.preparedQuery(LIST)
        .execute(Tuple.of(entryId, status, limit))
        .map(ScheduleRepository::all);
  }

  private static List<Scheduled> all(io.vertx.sqlclient.RowSet<Row> rs) {
    List<Scheduled> out = new ArrayList<>();
    rs.forEach(r -> out.add(toScheduled(r)));
    return out;
  }

  private static Scheduled toScheduled(Row r) {
    Object locales = r.getJson("locales");
    return new Scheduled(
        r.getUUID("id"),
        r.getUUID("entry_id"),
        r.getString("action"),
        locales instanceof JsonArray a ? a.stream().map(String::valueOf).toList() : null,
        r.getOffsetDateTime("run_at"),
        r.getString("status"),
        r.getString("actor"),
        r.getOffsetDateTime("created_at"),
        r.getOffsetDateTime("executed_at"),
        r.getString("error"));
  }
}
