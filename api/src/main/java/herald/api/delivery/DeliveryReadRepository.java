package herald.api.delivery;

import herald.events.DeliveryStatusEvent;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.templates.RowMapper;
import io.vertx.sqlclient.templates.SqlTemplate;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** The SQL of the {@code deliveries} read table. */
public final class DeliveryReadRepository {

  private static final String COLUMNS =
      "delivery_id, entry_id, version, channel, target, operation, state, sequence, attempts,"
          + " last_error, next_attempt_at, published_at, created_at, updated_at, sent_at, history,"
          + " retry_requested_at";

  // NOTE: the WHERE of the upsert is what makes the consumer idempotent and order-proof: a
  // duplicate or an older state (lower sequence) changes nothing.
  static final String UPSERT =
      """
      insert into deliveries (delivery_id, entry_id, version, channel, target, operation, state,
        sequence, attempts, last_error, next_attempt_at, published_at, created_at, updated_at,
        sent_at, history)
      values (#{deliveryId}, #{entryId}, #{version}, #{channel}, #{target}, #{operation}, #{state},
        #{sequence}, #{attempts}, #{lastError}, #{nextAttemptAt}, #{publishedAt}, #{createdAt},
        #{updatedAt}, #{sentAt}, #{history})
      on conflict (delivery_id) do update set
        state = excluded.state, sequence = excluded.sequence, attempts = excluded.attempts,
        last_error = excluded.last_error, next_attempt_at = excluded.next_attempt_at,
        published_at = excluded.published_at, created_at = excluded.created_at,
        updated_at = excluded.updated_at, sent_at = excluded.sent_at, history = excluded.history,
        received_at = now()
      where deliveries.sequence < excluded.sequence""";

  static final String BY_ENTRY =
      "select "
          + COLUMNS
          + " from deliveries where entry_id = #{entryId}"
          + " order by version desc, channel, target";

  static final String BY_ID = "select " + COLUMNS + " from deliveries where delivery_id = #{id}";

  static final String MARK_RETRY_REQUESTED =
      "update deliveries set retry_requested_at = now() where delivery_id = #{id}";

  private static final RowMapper<JsonObject> JSON = DeliveryReadRepository::json;

  /**
   * Applies status events in order, in one round trip (call it in a transaction); returns how many
   * changed a row (the others were older news).
   */
  public Future<Integer> upsertAll(SqlClient client, List<DeliveryStatusEvent> events) {
    if (events.isEmpty()) {
      return Future.succeededFuture(0);
    }
    List<Map<String, Object>> batch = new ArrayList<>(events.size());
    events.forEach(e -> batch.add(params(e)));
    return SqlTemplate.forUpdate(client, UPSERT)
        .executeBatch(batch)
        .map(
            first -> {
              int changed = 0;
              for (io.vertx.sqlclient.SqlResult<Void> r = first; r != null; r = r.next()) {
                changed += r.rowCount();
              }
              return changed;
            });
  }

  private static Map<String, Object> params(DeliveryStatusEvent e) {
    JsonArray history = new JsonArray();
    for (DeliveryStatusEvent.Attempt a : e.history()) {
      history.add(
          new JsonObject()
              .put("number", a.number())
              .put("startedAt", text(a.startedAt()))
              .put("finishedAt", text(a.finishedAt()))
              .put("outcome", a.outcome())
              .put("error", a.error()));
    }
    Map<String, Object> p = new HashMap<>();
    p.put("deliveryId", e.deliveryId());
    p.put("entryId", e.entryId());
    p.put("version", e.version());
    p.put("channel", e.channel());
    p.put("target", e.target());
    p.put("operation", e.operation());
    p.put("state", e.state());
    p.put("sequence", e.sequence());
    p.put("attempts", e.attempts());
    p.put("lastError", e.lastError());
    p.put("nextAttemptAt", time(e.nextAttemptAt()));
    p.put("publishedAt", time(e.publishedAt()));
    p.put("createdAt", time(e.createdAt()));
    p.put("updatedAt", time(e.updatedAt()));
    p.put("sentAt", time(e.sentAt()));
    p.put("history", history);
    return p;
  }

  /** Every delivery of an entry, newest version first, as API JSON. */
  public Future<List<JsonObject>> byEntry(SqlClient client, UUID entryId) {
    return SqlTemplate.forQuery(client, BY_ENTRY)
        .mapTo(JSON)
        .execute(Map.of("entryId", entryId))
        .map(
            rows -> {
              List<JsonObject> out = new ArrayList<>();
              rows.forEach(out::add);
              return out;
            });
  }

  /** One delivery as API JSON. */
  public Future<Optional<JsonObject>> find(SqlClient client, UUID id) {
    return SqlTemplate.forQuery(client, BY_ID)
        .mapTo(JSON)
        .execute(Map.of("id", id))
        .map(
            rows ->
                rows.iterator().hasNext() ? Optional.of(rows.iterator().next()) : Optional.empty());
  }

  /** Notes that an editor asked for a retry. */
  public Future<Void> markRetryRequested(SqlClient client, UUID id) {
    return SqlTemplate.forUpdate(client, MARK_RETRY_REQUESTED).execute(Map.of("id", id)).mapEmpty();
  }

  private static JsonObject json(Row r) {
    Object history = r.getValue("history");
    return new JsonObject()
        .put("id", r.getUUID("delivery_id").toString())
        .put("entryId", r.getUUID("entry_id").toString())
        .put("version", r.getLong("version"))
        .put("channel", r.getString("channel"))
        .put("target", r.getString("target"))
        .put("operation", r.getString("operation"))
        .put("state", r.getString("state"))
        .put("attempts", r.getInteger("attempts"))
        .put("lastError", r.getString("last_error"))
        .put("nextAttemptAt", text(r.getOffsetDateTime("next_attempt_at")))
        .put("publishedAt", text(r.getOffsetDateTime("published_at")))
        .put("createdAt", text(r.getOffsetDateTime("created_at")))
        .put("updatedAt", text(r.getOffsetDateTime("updated_at")))
        .put("sentAt", text(r.getOffsetDateTime("sent_at")))
        .put("retryRequestedAt", text(r.getOffsetDateTime("retry_requested_at")))
        .put("history", history instanceof JsonArray a ? a : new JsonArray());
  }

  private static OffsetDateTime time(Instant t) {
    return t == null ? null : t.atOffset(ZoneOffset.UTC);
  }

  private static String text(Instant t) {
    return t == null ? null : t.toString();
  }

  private static String text(OffsetDateTime t) {
    return t == null ? null : t.toInstant().toString();
  }
}
