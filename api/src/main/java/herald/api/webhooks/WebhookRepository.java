package herald.api.webhooks;

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

/** The webhook tables: endpoints, deliveries (one per message and endpoint) and their attempts. */
public final class WebhookRepository {
  private static final String ENDPOINT_COLUMNS =
      "id, url, description, event_types, types, locales, secret, previous_secret,"
          + " previous_expires_at, enabled, disabled_reason, created_at";
  private static final String INSERT_ENDPOINT =
      "insert into webhook_endpoints (id, url, description, event_types, types, locales, secret)"
          + " values ($1, $2, $3, $4, $5, $6, $7) returning "
          + ENDPOINT_COLUMNS;
  private static final String LIST_ENDPOINTS =
      "select " + ENDPOINT_COLUMNS + " from webhook_endpoints order by created_at, id";
  private static final String FIND_ENDPOINT =
      "select " + ENDPOINT_COLUMNS + " from webhook_endpoints where id = $1";
  private static final String ENABLED_ENDPOINTS =
      "select " + ENDPOINT_COLUMNS + " from webhook_endpoints where enabled";
  private static final String DELETE_ENDPOINT = "delete from webhook_endpoints where id = $1";
  private static final String ROTATE =
      "update webhook_endpoints set previous_secret = secret,"
          + " previous_expires_at = now() + make_interval(secs => $3), secret = $2,"
          + " updated_at = now() where id = $1 returning "
          + ENDPOINT_COLUMNS;
  private static final String SET_ENABLED =
      "update webhook_endpoints set enabled = $2, disabled_reason = $3, updated_at = now()"
          + " where id = $1 returning "
          + ENDPOINT_COLUMNS;

  private static final String INSERT_DELIVERY =
      "insert into webhook_deliveries (id, endpoint_id, message_id, event_type, entry_id, payload,"
          + " status, next_attempt_at) values ($1, $2, $3, $4, $5, $6, 'pending',"
          + " now() + make_interval(secs => $7)) on conflict (endpoint_id, message_id) do nothing";

  // Claims due deliveries: the lease (next_attempt_at pushed ahead) keeps other dispatchers off
  // them while this one sends; if it dies, the lease runs out and the attempt is made again.
  private static final String CLAIM =
      "with due as (select id from webhook_deliveries where status = 'pending'"
          + " and next_attempt_at <= now() order by next_attempt_at limit $1"
          + " for update skip locked)"
          + " update webhook_deliveries d set attempts = d.attempts + 1,"
          + " next_attempt_at = now() + make_interval(secs => $2), updated_at = now()"
          + " from due, webhook_endpoints e where d.id = due.id and e.id = d.endpoint_id"
          + " returning d.id, d.endpoint_id, d.message_id, d.payload, d.attempts, e.url, e.secret,"
          + " case when e.previous_expires_at > now() then e.previous_secret end, e.enabled,"
          + " d.schedule_base";
  // Records the attempt and moves the delivery on in one statement; only the attempt that holds
  // the claim (attempts = $2) may move it.
  private static final String FINISH =
      "with logged as (insert into webhook_attempts (delivery_id, attempt, started_at,"
          + " duration_ms, status, error) values ($1, $2, $3, $4, $5, $6) on conflict do nothing)"
          + " update webhook_deliveries set status = $7, last_status = $5, last_error = $8,"
          + " next_attempt_at = case when $7 = 'pending' then now() + make_interval(secs => $9)"
          + " end, updated_at = now() where id = $1 and attempts = $2";
  private static final String DELIVERY_COLUMNS =
      "d.id, d.message_id, d.event_type, d.entry_id, d.status, d.attempts,"
          + " d.next_attempt_at, d.last_status, d.last_error, d.created_at, d.payload,"
          + " coalesce((select jsonb_agg(jsonb_build_object('attempt', a.attempt, 'startedAt',"
          + " a.started_at, 'durationMs', a.duration_ms, 'status', a.status, 'error', a.error)"
          + " order by a.attempt) from webhook_attempts a where a.delivery_id = d.id), '[]')";
  private static final String DELIVERIES =
      "select "
          + DELIVERY_COLUMNS
          + " from webhook_deliveries d where d.endpoint_id = $1"
          + " and ($2::text is null or d.status = $2) order by d.created_at desc, d.id limit $3";
  // An attempt is in flight while its claim's lease runs and it has not been logged yet; sending
  // such a delivery again would send it twice at once. Attempt numbers go on (every attempt keeps
  // its row in the log); the retry schedule starts over from schedule_base.
  private static final String REDELIVER =
      "update webhook_deliveries d set status = 'pending', schedule_base = d.attempts,"
          + " next_attempt_at = now(), updated_at = now() where d.id = $1 and d.endpoint_id = $2"
          + " and not (d.status = 'pending' and d.attempts > 0 and d.next_attempt_at > now()"
          + " and not exists (select 1 from webhook_attempts a where a.delivery_id = d.id"
          + " and a.attempt = d.attempts)) returning "
          + DELIVERY_COLUMNS;
  private static final String DELIVERY_EXISTS =
      "select 1 from webhook_deliveries where id = $1 and endpoint_id = $2";

  /** A registered endpoint. */
  public record Endpoint(
      UUID id,
      String url,
      String description,
      List<String> events,
      List<String> types,
      List<String> locales,
      String secret,
      String previousSecret,
      OffsetDateTime previousExpiresAt,
      boolean enabled,
      String disabledReason,
      OffsetDateTime createdAt) {

    /** The management view; the secret only when asked for (on creation and rotation). */
    public JsonObject toJson(boolean withSecret) {
      JsonObject o =
          new JsonObject()
              .put("id", id.toString())
              .put("url", url)
              .put("description", description)
              .put("events", new JsonArray(events))
              .put("types", types == null ? null : new JsonArray(types))
              .put("locales", locales == null ? null : new JsonArray(locales))
              .put("enabled", enabled)
              .put("disabledReason", disabledReason)
              .put(
                  "previousSecretExpiresAt",
                  previousExpiresAt == null ? null : previousExpiresAt.toInstant().toString())
              .put("createdAt", createdAt.toInstant().toString());
      if (withSecret) {
        o.put("secret", secret);
      }
      return o;
    }

    /** Whether an event of this kind, type and locales goes to this endpoint. */
    public boolean wants(String kind, String type, List<String> eventLocales) {
      return events.contains(kind)
          && (types == null || types.contains(type))
          && (locales == null || eventLocales.stream().anyMatch(locales::contains));
    }
  }

  /** A delivery claimed for an attempt, with what is needed to send it. */
  public record Claimed(
      UUID id,
      UUID endpointId,
      String messageId,
      JsonObject payload,
      int attempt,
      String url,
      String secret,
      String previousSecret,
      boolean enabled,
      int scheduleBase) {

    /** Attempts since the retry schedule (re)started: the initial one and redeliveries are 1. */
    public int scheduleStep() {
      return attempt - scheduleBase;
    }
  }

  public Future<Endpoint> insert(SqlClient db, Endpoint e) {
    return db.preparedQuery(INSERT_ENDPOINT)
        .execute(
            Tuple.of(
                e.id(),
                e.url(),
                e.description(),
                new JsonArray(e.events()),
                e.types() == null ? null : new JsonArray(e.types()),
                e.locales() == null ? null : new JsonArray(e.locales()),
                e.secret()))
        .map(rs -> endpoint(rs.iterator().next()));
  }

  public Future<List<Endpoint>> list(SqlClient db) {
    return db.query(LIST_ENDPOINTS).execute().map(WebhookRepository::endpoints);
  }

  public Future<List<Endpoint>> enabled(SqlClient db) {
    return db.query(ENABLED_ENDPOINTS).execute().map(WebhookRepository::endpoints);
  }

  public Future<Optional<Endpoint>> find(SqlClient db, UUID id) {
    return db.preparedQuery(FIND_ENDPOINT).execute(Tuple.of(id)).map(WebhookRepository::first);
  }

  public Future<Boolean> delete(SqlClient db, UUID id) {
    return db.preparedQuery(DELETE_ENDPOINT).execute(Tuple.of(id)).map(rs -> rs.rowCount() > 0);
  }

  public Future<Optional<Endpoint>> rotate(
      SqlClient db, UUID id, String secret, long overlapSeconds) {
    return db.preparedQuery(ROTATE)
        .execute(Tuple.of(id, secret, (double) overlapSeconds))
        .map(WebhookRepository::first);
  }

  public Future<Optional<Endpoint>> setEnabled(
      SqlClient db, UUID id, boolean enabled, String reason) {
    return db.preparedQuery(SET_ENABLED)
        .execute(Tuple.of(id, enabled, reason))
        .map(WebhookRepository::first);
  }

  /** Tuples of (id, endpoint, message id, event type, entry id, payload, delay in seconds). */
  public Future<Void> insertDeliveries(SqlClient db, List<Tuple> rows) {
    return rows.isEmpty()
        ? Future.succeededFuture()
        : db.preparedQuery(INSERT_DELIVERY).executeBatch(rows).mapEmpty();
  }

  public static Tuple delivery(
      UUID endpoint, String messageId, String type, UUID entry, JsonObject payload, double delay) {
    return Tuple.of(UUID.randomUUID(), endpoint, messageId, type, entry, payload, delay);
  }

  public Future<List<Claimed>> claim(SqlClient db, int limit, double leaseSeconds) {
    return db.preparedQuery(CLAIM)
        .execute(Tuple.of(limit, leaseSeconds))
        .map(
            rs -> {
              List<Claimed> out = new ArrayList<>();
              for (Row r : rs) {
                out.add(
                    new Claimed(
                        r.getUUID(0),
                        r.getUUID(1),
                        r.getString(2),
                        (JsonObject) r.getValue(3),
                        r.getInteger(4),
                        r.getString(5),
                        r.getString(6),
                        r.getString(7),
                        r.getBoolean(8),
                        r.getInteger(9)));
              }
              return out;
            });
  }

  /** One attempt, for the delivery log. */
  public record Attempt(
      int number, OffsetDateTime started, int durationMs, Integer status, String error) {}

  /**
   * Logs an attempt and ends it: {@code pending} again after {@code delaySeconds}, or {@code
   * succeeded} / {@code failed}.
   */
  public Future<Void> finish(
      SqlClient db, UUID delivery, Attempt a, String state, String lastError, double delaySeconds) {
    return db.preparedQuery(FINISH)
        .execute(
            Tuple.from(
                java.util.Arrays.asList(
                    delivery,
                    a.number(),
                    a.started(),
                    a.durationMs(),
                    a.status(),
                    a.error(),
                    state,
                    lastError,
                    delaySeconds)))
        .mapEmpty();
  }

  public Future<List<JsonObject>> deliveries(
      SqlClient db, UUID endpoint, String status, int limit) {
    return db.preparedQuery(DELIVERIES)
        .execute(Tuple.of(endpoint, status, limit))
        .map(
            rs -> {
              List<JsonObject> out = new ArrayList<>();
              rs.forEach(r -> out.add(deliveryJson(r)));
              return out;
            });
  }

  /** What a redelivery found. */
  public sealed interface Redelivery {
    /** Queued to be sent again now; the delivery as it is now. */
    record Queued(JsonObject delivery) implements Redelivery {}

    /** An attempt is being sent; nothing changed. */
    record InFlight() implements Redelivery {}

    /** No such delivery of the endpoint. */
    record Missing() implements Redelivery {}
  }

  public Future<Redelivery> redeliver(SqlClient db, UUID endpoint, UUID delivery) {
    Tuple ids = Tuple.of(delivery, endpoint);
    return db.preparedQuery(REDELIVER)
        .execute(ids)
        .compose(
            rs ->
                rs.size() > 0
                    ? Future.succeededFuture(
                        new Redelivery.Queued(deliveryJson(rs.iterator().next())))
                    : db.preparedQuery(DELIVERY_EXISTS)
                        .execute(ids)
                        .map(
                            e ->
                                e.size() > 0
                                    ? new Redelivery.InFlight()
                                    : new Redelivery.Missing()));
  }

  private static JsonObject deliveryJson(Row r) {
    OffsetDateTime next = r.getOffsetDateTime(6);
    Object history = r.getValue(11);
    return new JsonObject()
        .put("id", r.getUUID(0).toString())
        .put("messageId", r.getString(1))
        .put("event", r.getString(2))
        .put("entryId", r.getUUID(3) == null ? null : r.getUUID(3).toString())
        .put("status", r.getString(4))
        .put("attempts", r.getInteger(5))
        .put("nextAttemptAt", next == null ? null : next.toInstant().toString())
        .put("lastStatus", r.getInteger(7))
        .put("lastError", r.getString(8))
        .put("createdAt", r.getOffsetDateTime(9).toInstant().toString())
        .put("payload", r.getValue(10))
        .put("history", history instanceof JsonArray a ? a : new JsonArray());
  }

  private static List<Endpoint> endpoints(io.vertx.sqlclient.RowSet<Row> rs) {
    List<Endpoint> out = new ArrayList<>();
    rs.forEach(r -> out.add(endpoint(r)));
    return out;
  }

  private static Optional<Endpoint> first(io.vertx.sqlclient.RowSet<Row> rs) {
    return rs.size() == 0 ? Optional.empty() : Optional.of(endpoint(rs.iterator().next()));
  }

  private static Endpoint endpoint(Row r) {
    return new Endpoint(
        r.getUUID(0),
        r.getString(1),
        r.getString(2),
        strings(r.getJsonArray(3)),
        strings(r.getJsonArray(4)),
        strings(r.getJsonArray(5)),
        r.getString(6),
        r.getString(7),
        r.getOffsetDateTime(8),
        r.getBoolean(9),
        r.getString(10),
        r.getOffsetDateTime(11));
  }

  private static List<String> strings(JsonArray a) {
    return a == null ? null : a.stream().map(String::valueOf).toList();
  }
}
