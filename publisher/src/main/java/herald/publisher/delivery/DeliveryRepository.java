package herald.publisher.delivery;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.templates.RowMapper;
import io.vertx.sqlclient.templates.SqlTemplate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The SQL of the delivery log ({@code publisher.delivery}) and of the applied versions ({@code
 * publisher.applied_version}); every method takes the caller's {@link SqlClient}, so the caller
 * owns the transaction.
 */
public final class DeliveryRepository {

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

  static final String RECORD_PENDING =
      """
      INSERT INTO publisher.delivery (entry_id, version, channel, status, event_id)
      VALUES (#{entryId}, #{version}, #{channel}, 'pending', #{eventId})
      ON CONFLICT (entry_id, version, channel) DO NOTHING""";

  static final String MARK_SENT =
      """
      UPDATE publisher.delivery
      SET status = 'sent', attempts = attempts + 1, last_error = NULL, updated_at = now()
      WHERE entry_id = #{entryId} AND version = #{version} AND channel = #{channel}""";

  static final String MARK_FAILED =
      """
      UPDATE publisher.delivery
      SET status = 'failed', attempts = attempts + 1, last_error = #{error}, updated_at = now()
      WHERE entry_id = #{entryId} AND version = #{version} AND channel = #{channel}""";

  static final String CHANNELS_OF_ENTRY =
      "SELECT DISTINCT channel FROM publisher.delivery WHERE entry_id = #{entryId}";

  private static final String COLUMNS =
      "id, entry_id, version, channel, status, attempts, last_error, event_id, created_at,"
          + " updated_at";

  static final String FIND_BY_VERSION =
      "SELECT "
          + COLUMNS
          + " FROM publisher.delivery WHERE entry_id = #{entryId} AND version = #{version}"
          + " ORDER BY channel";

  static final String FIND_BY_ENTRY =
      "SELECT "
          + COLUMNS
          + " FROM publisher.delivery WHERE entry_id = #{entryId} ORDER BY version, channel";

  private static final RowMapper<Delivery> DELIVERY = DeliveryRepository::delivery;

  /** Longest {@code last_error} kept: enough for a message, not for a stack trace. */
  static final int MAX_ERROR_LENGTH = 1000;

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

  /** Records a pending delivery unless the (entry, version, channel) one exists already. */
  public Future<Void> recordPending(
      SqlClient client, UUID entryId, long version, String channel, String eventId) {
    Map<String, Object> p = key(entryId, version, channel);
    p.put("eventId", eventId);
    return SqlTemplate.forUpdate(client, RECORD_PENDING).execute(p).mapEmpty();
  }

  /** Marks the delivery sent, counting the attempt. */
  public Future<Void> markSent(SqlClient client, UUID entryId, long version, String channel) {
    return SqlTemplate.forUpdate(client, MARK_SENT)
        .execute(key(entryId, version, channel))
        .mapEmpty();
  }

  /** Marks the delivery failed with a short reason, counting the attempt. */
  public Future<Void> markFailed(
      SqlClient client, UUID entryId, long version, String channel, String error) {
    Map<String, Object> p = key(entryId, version, channel);
    p.put(
        "error", error.length() > MAX_ERROR_LENGTH ? error.substring(0, MAX_ERROR_LENGTH) : error);
    return SqlTemplate.forUpdate(client, MARK_FAILED).execute(p).mapEmpty();
  }

  /** The channels that any version of the entry was delivered to, or tried. */
  public Future<List<String>> channelsOfEntry(SqlClient client, UUID entryId) {
    return SqlTemplate.forQuery(client, CHANNELS_OF_ENTRY)
        .mapTo(row -> row.getString("channel"))
        .execute(Map.of("entryId", entryId))
        .map(DeliveryRepository::list);
  }

  /** The deliveries of one version of an entry, by channel. */
  public Future<List<Delivery>> findByVersion(SqlClient client, UUID entryId, long version) {
    return SqlTemplate.forQuery(client, FIND_BY_VERSION)
        .mapTo(DELIVERY)
        .execute(Map.of("entryId", entryId, "version", version))
        .map(DeliveryRepository::list);
  }

  /** All deliveries of an entry, oldest version first. */
  public Future<List<Delivery>> findByEntry(SqlClient client, UUID entryId) {
    return SqlTemplate.forQuery(client, FIND_BY_ENTRY)
        .mapTo(DELIVERY)
        .execute(Map.of("entryId", entryId))
        .map(DeliveryRepository::list);
  }

  private static Map<String, Object> key(UUID entryId, long version, String channel) {
    Map<String, Object> p = new HashMap<>();
    p.put("entryId", entryId);
    p.put("version", version);
    p.put("channel", channel);
    return p;
  }

  private static <T> List<T> list(Iterable<T> rows) {
    List<T> out = new ArrayList<>();
    rows.forEach(out::add);
    return out;
  }

  private static Delivery delivery(Row row) {
    return new Delivery(
        row.getLong("id"),
        row.getUUID("entry_id"),
        row.getLong("version"),
        row.getString("channel"),
        DeliveryStatus.fromDb(row.getString("status")),
        row.getInteger("attempts"),
        row.getString("last_error"),
        row.getString("event_id"),
        row.getOffsetDateTime("created_at"),
        row.getOffsetDateTime("updated_at"));
  }
}
