package herald.publisher.delivery;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.templates.RowMapper;
import io.vertx.sqlclient.templates.SqlTemplate;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The SQL of the delivery log ({@code publisher.delivery}, {@code publisher.delivery_attempt}), the
 * stored content versions and the applied versions; every method takes the caller's {@link
 * SqlClient}, so the caller owns the transaction.
 */
public final class DeliveryRepository {

  private static final String COLUMNS =
      "id, delivery_id, entry_id, version, channel, target, operation, status, attempts,"
          + " retry_base, last_error, event_id, seq, next_attempt_at, published_at, sent_at,"
          + " created_at, updated_at";

  static final String ENSURE_APPLIED_VERSION =
      """
      INSERT INTO publisher.applied_version (entry_id, version)
      VALUES (#{entryId}, 0)
      ON CONFLICT (entry_id) DO NOTHING""";

  // NOTE: FOR UPDATE serialises two consumers that briefly both hold the entry's partition during
  // a rebalance; the second one sees the first one's outcome.
  static final String LOCK_APPLIED_VERSION =
      """
      SELECT version FROM publisher.applied_version
      WHERE entry_id = #{entryId}
      FOR UPDATE""";

  static final String ADVANCE_APPLIED_VERSION =
      """
      UPDATE publisher.applied_version
      SET version = #{version}, updated_at = now()
      WHERE entry_id = #{entryId} AND version < #{version}""";

  static final String STORE_CONTENT_VERSION =
      """
      INSERT INTO publisher.content_version
        (entry_id, version, event_type, event_id, data, occurred_at)
      VALUES (#{entryId}, #{version}, #{eventType}, #{eventId}, #{data}, #{occurredAt})
      ON CONFLICT (entry_id, version) DO NOTHING""";

  // Older versions can no longer be delivered (superseded) nor retried (only the newest version of
  // a target can be), so their payload is dropped, unless an attempt is still using it.
  static final String DROP_OLDER_CONTENT =
      """
      DELETE FROM publisher.content_version cv
      WHERE cv.entry_id = #{entryId} AND cv.version < #{version}
      AND NOT EXISTS (SELECT 1 FROM publisher.delivery d
        WHERE d.entry_id = cv.entry_id AND d.version = cv.version AND d.status = 'sending')""";

  static final String FIND_CONTENT_VERSION =
      """
      SELECT event_type, data FROM publisher.content_version
      WHERE entry_id = #{entryId} AND version = #{version}""";

  // The newest stored event of each entry, whatever its channels: what the website shows of an
  // entry it links to without a page of its own (a speaker who is only a person entry).
  static final String LATEST_CONTENT =
      """
      SELECT DISTINCT ON (entry_id) entry_id, event_type, data FROM publisher.content_version
      WHERE entry_id = ANY(#{entryIds})
      ORDER BY entry_id, version DESC""";

  static final String INSERT_PENDING =
      "INSERT INTO publisher.delivery (delivery_id, entry_id, version, channel, target, operation,"
          + " status, event_id, next_attempt_at, published_at)"
          + " VALUES (#{deliveryId}, #{entryId}, #{version}, #{channel}, #{target}, #{operation},"
          + " 'pending', #{eventId}, now(), #{publishedAt})"
          + " ON CONFLICT (entry_id, version, channel, target) DO NOTHING"
          + " RETURNING "
          + COLUMNS;

  // Every channel: an editor who dropped a channel in the newer version does not want the older
  // version to go out there either.
  static final String SUPERSEDE_OLDER =
      "UPDATE publisher.delivery SET status = 'superseded', seq = seq + 1, next_attempt_at = NULL,"
          + " last_error = 'superseded by version ' || #{version}::text, updated_at = now()"
          + " WHERE entry_id = #{entryId} AND version < #{version}"
          + " AND status IN ('pending', 'retry_scheduled')"
          + " RETURNING "
          + COLUMNS;

  static final String TARGETS_OF_ENTRY =
      """
      SELECT DISTINCT channel, target FROM publisher.delivery
      WHERE entry_id = #{entryId} AND operation = 'publish'""";

  // NOTE: an older version of the same (entry, channel, target) still being sent holds the newer
  // one back, so that a slow publish of v3 cannot land after the unpublish of v4. SKIP LOCKED lets
  // several publishers (and several polls) claim disjoint rows.
  static final String CLAIM =
      "UPDATE publisher.delivery d SET status = 'sending', attempts = d.attempts + 1,"
          + " seq = d.seq + 1, next_attempt_at = NULL, updated_at = now(),"
          + " lease_until = now() + make_interval(secs => #{leaseSeconds})"
          + " WHERE d.id IN ("
          + "  SELECT c.id FROM publisher.delivery c"
          + "  WHERE ((c.status IN ('pending', 'retry_scheduled') AND c.next_attempt_at <= now())"
          + "         OR (c.status = 'sending' AND c.lease_until < now()))"
          + "  AND c.channel = ANY(#{channels})"
          + "  AND NOT EXISTS (SELECT 1 FROM publisher.delivery o"
          + "    WHERE o.entry_id = c.entry_id AND o.channel = c.channel AND o.target = c.target"
          + "    AND o.version < c.version AND o.status = 'sending')"
          + "  ORDER BY c.next_attempt_at NULLS FIRST, c.id"
          + "  LIMIT #{limit}"
          + "  FOR UPDATE SKIP LOCKED)"
          + " RETURNING "
          + COLUMNS.replaceAll("(\\w+)", "d.$1");

  static final String INTERRUPT_OPEN_ATTEMPTS =
      """
      UPDATE publisher.delivery_attempt
      SET outcome = 'interrupted', finished_at = now(),
          error = 'the publisher stopped or lost its lease during the attempt'
      WHERE delivery_id = #{id} AND outcome = 'sending'""";

  static final String START_ATTEMPT =
      """
      INSERT INTO publisher.delivery_attempt (delivery_id, number, outcome)
      VALUES (#{id}, #{number}, 'sending')
      ON CONFLICT (delivery_id, number) DO UPDATE
      SET outcome = 'sending', started_at = now(), finished_at = NULL, error = NULL""";

  static final String FINISH_ATTEMPT =
      """
      UPDATE publisher.delivery_attempt
      SET outcome = #{outcome}, finished_at = now(), error = #{error}
      WHERE delivery_id = #{id} AND number = #{number}""";

  // The attempts guard: a worker whose lease ran out (and whose delivery another worker claimed
  // since) must not overwrite the newer attempt's outcome.
  static final String MARK_SENT =
      "UPDATE publisher.delivery SET status = 'sent', seq = seq + 1, last_error = NULL,"
          + " lease_until = NULL, sent_at = now(), updated_at = now()"
          + " WHERE id = #{id} AND status = 'sending' AND attempts = #{attempt}"
          + " RETURNING "
          + COLUMNS;

  static final String MARK_RETRY =
      "UPDATE publisher.delivery SET status = 'retry_scheduled', seq = seq + 1,"
          + " last_error = #{error}, lease_until = NULL, updated_at = now(),"
          + " next_attempt_at = now() + make_interval(secs => #{delaySeconds})"
          + " WHERE id = #{id} AND status = 'sending' AND attempts = #{attempt}"
          + " RETURNING "
          + COLUMNS;

  static final String MARK_DEAD =
      "UPDATE publisher.delivery SET status = 'dead', seq = seq + 1, last_error = #{error},"
          + " lease_until = NULL, next_attempt_at = NULL, updated_at = now()"
          + " WHERE id = #{id} AND status = 'sending' AND attempts = #{attempt}"
          + " RETURNING "
          + COLUMNS;

  // Only the newest version of its (entry, channel, target) may be re-run: re-running an older one
  // would bring back content that a newer version replaced or withdrew.
  static final String RETRY_NOW =
      "UPDATE publisher.delivery d SET status = 'retry_scheduled', next_attempt_at = now(),"
          + " retry_base = d.attempts, seq = d.seq + 1, updated_at = now()"
          + " WHERE d.delivery_id = #{deliveryId} AND d.status IN ('dead', 'retry_scheduled')"
          + " AND NOT EXISTS (SELECT 1 FROM publisher.delivery n"
          + "   WHERE n.entry_id = d.entry_id AND n.channel = d.channel AND n.target = d.target"
          + "   AND n.version > d.version)"
          + " RETURNING "
          + COLUMNS.replaceAll("(\\w+)", "d.$1");

  static final String ATTEMPTS_OF =
      """
      SELECT number, started_at, finished_at, outcome, error FROM publisher.delivery_attempt
      WHERE delivery_id = #{id} ORDER BY number DESC LIMIT #{limit}""";

  static final String FIND_BY_ENTRY =
      "SELECT "
          + COLUMNS
          + " FROM publisher.delivery WHERE entry_id = #{entryId}"
          + " ORDER BY version, channel, target";

  static final String FIND_BY_DELIVERY_ID =
      "SELECT " + COLUMNS + " FROM publisher.delivery WHERE delivery_id = #{deliveryId}";

  static final String BACKLOG =
      """
      SELECT channel, count(*) AS n FROM publisher.delivery
      WHERE status IN ('pending', 'sending', 'retry_scheduled')
      GROUP BY channel""";

  /** Longest {@code last_error} kept: enough for a message, not for a stack trace. */
  static final int MAX_ERROR_LENGTH = 1000;

  private static final RowMapper<Delivery> DELIVERY = DeliveryRepository::delivery;

  /** A stored content event: its CloudEvents type and JSON data. */
  public record StoredEvent(String eventType, byte[] data) {}

  /**
   * Locks the entry's applied version for the rest of the transaction and returns it; 0 when
   * nothing was applied yet.
   */
  public Future<Long> lockAppliedVersion(SqlClient client, UUID entryId) {
    Map<String, Object> p = Map.of("entryId", entryId);
    return SqlTemplate.forUpdate(client, ENSURE_APPLIED_VERSION)
        .execute(p)
        .compose(
            ignored ->
                SqlTemplate.forQuery(client, LOCK_APPLIED_VERSION)
                    .mapTo(row -> row.getLong("version"))
                    .execute(p))
        .map(rows -> rows.iterator().next());
  }

  /** Raises the entry's applied version to {@code version}; a lower one leaves it unchanged. */
  public Future<Void> advanceAppliedVersion(SqlClient client, UUID entryId, long version) {
    return SqlTemplate.forUpdate(client, ADVANCE_APPLIED_VERSION)
        .execute(Map.of("entryId", entryId, "version", version))
        .mapEmpty();
  }

  /** Keeps the content event of a version, for its deliveries' attempts and retries. */
  public Future<Void> storeContentVersion(
      SqlClient client,
      UUID entryId,
      long version,
      String eventType,
      String eventId,
      byte[] data,
      OffsetDateTime occurredAt) {
    Map<String, Object> p = new HashMap<>();
    p.put("entryId", entryId);
    p.put("version", version);
    p.put("eventType", eventType);
    p.put("eventId", eventId);
    p.put("data", io.vertx.core.buffer.Buffer.buffer(data));
    p.put("occurredAt", occurredAt);
    return SqlTemplate.forUpdate(client, STORE_CONTENT_VERSION).execute(p).mapEmpty();
  }

  /** Drops the stored events of the entry's versions before {@code version}; see the SQL. */
  public Future<Void> dropOlderContent(SqlClient client, UUID entryId, long version) {
    return SqlTemplate.forUpdate(client, DROP_OLDER_CONTENT)
        .execute(Map.of("entryId", entryId, "version", version))
        .mapEmpty();
  }

  /** The content event of a version, if it was stored. */
  public Future<Optional<StoredEvent>> findContentVersion(
      SqlClient client, UUID entryId, long version) {
    return SqlTemplate.forQuery(client, FIND_CONTENT_VERSION)
        .mapTo(r -> new StoredEvent(r.getString("event_type"), r.getBuffer("data").getBytes()))
        .execute(Map.of("entryId", entryId, "version", version))
        .map(
            rows ->
                rows.iterator().hasNext() ? Optional.of(rows.iterator().next()) : Optional.empty());
  }

  /** The newest stored event of each of the entries that has one. */
  public Future<Map<UUID, StoredEvent>> latestContent(SqlClient client, Collection<UUID> entryIds) {
    if (entryIds.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    return SqlTemplate.forQuery(client, LATEST_CONTENT)
        .execute(Map.of("entryIds", entryIds.toArray(new UUID[0])))
        .map(
            rows -> {
              Map<UUID, StoredEvent> out = new HashMap<>();
              rows.forEach(
                  r ->
                      out.put(
                          r.getUUID("entry_id"),
                          new StoredEvent(
                              r.getString("event_type"), r.getBuffer("data").getBytes())));
              return out;
            });
  }

  /**
   * Records a pending delivery due now; empty when the (entry, version, channel, target) one exists
   * already.
   */
  public Future<Optional<Delivery>> insertPending(
      SqlClient client,
      UUID deliveryId,
      UUID entryId,
      long version,
      String channel,
      String target,
      String operation,
      String eventId,
      OffsetDateTime publishedAt) {
    Map<String, Object> p = new HashMap<>();
    p.put("deliveryId", deliveryId);
    p.put("entryId", entryId);
    p.put("version", version);
    p.put("channel", channel);
    p.put("target", target);
    p.put("operation", operation);
    p.put("eventId", eventId);
    p.put("publishedAt", publishedAt);
    return SqlTemplate.forQuery(client, INSERT_PENDING)
        .mapTo(DELIVERY)
        .execute(p)
        .map(DeliveryRepository::first);
  }

  /** Marks the entry's waiting deliveries of versions before {@code version} superseded. */
  public Future<List<Delivery>> supersedeOlder(SqlClient client, UUID entryId, long version) {
    return SqlTemplate.forQuery(client, SUPERSEDE_OLDER)
        .mapTo(DELIVERY)
        .execute(Map.of("entryId", entryId, "version", version))
        .map(DeliveryRepository::list);
  }

  /** The (channel, target) pairs that any version of the entry was published to, or tried. */
  public Future<List<Map.Entry<String, String>>> targetsOfEntry(SqlClient client, UUID entryId) {
    return SqlTemplate.forQuery(client, TARGETS_OF_ENTRY)
        .mapTo(r -> Map.entry(r.getString("channel"), r.getString("target")))
        .execute(Map.of("entryId", entryId))
        .map(DeliveryRepository::list);
  }

  /**
   * Claims up to {@code limit} due deliveries of the given channels for an attempt: each becomes
   * {@code sending} with a lease, its attempt count grows, and an attempt row is started.
   */
  public Future<List<Delivery>> claim(
      SqlClient client, List<String> channels, int limit, Duration lease) {
    Map<String, Object> p = new HashMap<>();
    p.put("channels", channels.toArray(new String[0]));
    p.put("limit", limit);
    p.put("leaseSeconds", lease.toMillis() / 1000.0);
    return SqlTemplate.forQuery(client, CLAIM)
        .mapTo(DELIVERY)
        .execute(p)
        .map(DeliveryRepository::list)
        .compose(
            claimed -> {
              Future<Void> f = Future.succeededFuture();
              for (Delivery d : claimed) {
                Map<String, Object> a = Map.of("id", d.id(), "number", d.attempts());
                f =
                    f.compose(
                        v ->
                            SqlTemplate.forUpdate(client, INTERRUPT_OPEN_ATTEMPTS)
                                .execute(Map.of("id", d.id()))
                                .compose(
                                    x -> SqlTemplate.forUpdate(client, START_ATTEMPT).execute(a))
                                .mapEmpty());
              }
              return f.map(claimed);
            });
  }

  /** Ends the attempt and marks the delivery sent; empty when its lease was lost meanwhile. */
  public Future<Optional<Delivery>> markSent(SqlClient client, Delivery d) {
    return finishAttempt(client, d, "sent", null)
        .compose(
            v ->
                SqlTemplate.forQuery(client, MARK_SENT)
                    .mapTo(DELIVERY)
                    .execute(Map.of("id", d.id(), "attempt", d.attempts())))
        .map(DeliveryRepository::first);
  }

  /** Ends the attempt as failed and schedules the next one after {@code delay}. */
  public Future<Optional<Delivery>> markRetry(
      SqlClient client, Delivery d, String outcome, String error, Duration delay) {
    Map<String, Object> p = new HashMap<>();
    p.put("id", d.id());
    p.put("attempt", d.attempts());
    p.put("error", truncate(error));
    p.put("delaySeconds", delay.toMillis() / 1000.0);
    return finishAttempt(client, d, outcome, error)
        .compose(v -> SqlTemplate.forQuery(client, MARK_RETRY).mapTo(DELIVERY).execute(p))
        .map(DeliveryRepository::first);
  }

  /** Ends the attempt as failed and gives the delivery up, with the reason. */
  public Future<Optional<Delivery>> markDead(
      SqlClient client, Delivery d, String outcome, String attemptError, String reason) {
    Map<String, Object> p = new HashMap<>();
    p.put("id", d.id());
    p.put("attempt", d.attempts());
    p.put("error", truncate(reason));
    return finishAttempt(client, d, outcome, attemptError)
        .compose(v -> SqlTemplate.forQuery(client, MARK_DEAD).mapTo(DELIVERY).execute(p))
        .map(DeliveryRepository::first);
  }

  /** Schedules a dead or waiting delivery for now, with a fresh attempt budget; see RETRY_NOW. */
  public Future<Optional<Delivery>> retryNow(SqlClient client, UUID deliveryId) {
    return SqlTemplate.forQuery(client, RETRY_NOW)
        .mapTo(DELIVERY)
        .execute(Map.of("deliveryId", deliveryId))
        .map(DeliveryRepository::first);
  }

  /** The latest attempts of a delivery, oldest first. */
  public Future<List<Attempt>> attempts(SqlClient client, long id, int limit) {
    return SqlTemplate.forQuery(client, ATTEMPTS_OF)
        .mapTo(
            r ->
                new Attempt(
                    r.getInteger("number"),
                    r.getOffsetDateTime("started_at"),
                    r.getOffsetDateTime("finished_at"),
                    r.getString("outcome"),
                    r.getString("error")))
        .execute(Map.of("id", id, "limit", limit))
        .map(
            rows -> {
              List<Attempt> out = list(rows);
              Collections.reverse(out);
              return out;
            });
  }

  /** All deliveries of an entry, oldest version first. */
  public Future<List<Delivery>> findByEntry(SqlClient client, UUID entryId) {
    return SqlTemplate.forQuery(client, FIND_BY_ENTRY)
        .mapTo(DELIVERY)
        .execute(Map.of("entryId", entryId))
        .map(DeliveryRepository::list);
  }

  /** The delivery with the public id. */
  public Future<Optional<Delivery>> findByDeliveryId(SqlClient client, UUID deliveryId) {
    return SqlTemplate.forQuery(client, FIND_BY_DELIVERY_ID)
        .mapTo(DELIVERY)
        .execute(Map.of("deliveryId", deliveryId))
        .map(DeliveryRepository::first);
  }

  /** Unfinished deliveries (pending, sending, retry scheduled) per channel. */
  public Future<Map<String, Long>> backlog(SqlClient client) {
    return client
        .query(BACKLOG)
        .execute()
        .map(
            rows -> {
              Map<String, Long> out = new HashMap<>();
              rows.forEach(r -> out.put(r.getString("channel"), r.getLong("n")));
              return out;
            });
  }

  private Future<Void> finishAttempt(SqlClient client, Delivery d, String outcome, String error) {
    Map<String, Object> p = new HashMap<>();
    p.put("id", d.id());
    p.put("number", d.attempts());
    p.put("outcome", outcome);
    p.put("error", error == null ? null : truncate(error));
    return SqlTemplate.forUpdate(client, FINISH_ATTEMPT).execute(p).mapEmpty();
  }

  static String truncate(String error) {
    if (error == null) {
      return null;
    }
    return error.length() > MAX_ERROR_LENGTH ? error.substring(0, MAX_ERROR_LENGTH) : error;
  }

  private static <T> Optional<T> first(Iterable<T> rows) {
    var it = rows.iterator();
    return it.hasNext() ? Optional.of(it.next()) : Optional.empty();
  }

  private static <T> List<T> list(Iterable<T> rows) {
    List<T> out = new ArrayList<>();
    rows.forEach(out::add);
    return out;
  }

  private static Delivery delivery(Row row) {
    return new Delivery(
        row.getLong("id"),
        row.getUUID("delivery_id"),
        row.getUUID("entry_id"),
        row.getLong("version"),
        row.getString("channel"),
        row.getString("target"),
        row.getString("operation"),
        DeliveryStatus.fromDb(row.getString("status")),
        row.getInteger("attempts"),
        row.getInteger("retry_base"),
        row.getString("last_error"),
        row.getString("event_id"),
        row.getLong("seq"),
        row.getOffsetDateTime("next_attempt_at"),
        row.getOffsetDateTime("published_at"),
        row.getOffsetDateTime("sent_at"),
        row.getOffsetDateTime("created_at"),
        row.getOffsetDateTime("updated_at"));
  }
}
