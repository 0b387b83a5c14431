package herald.api.sync;

import herald.api.partners.ContentLogConsumer;
import herald.api.partners.LoggedEvent;
import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The {@code sync_log} table: the api's copy of its content topic, and reads of it for sync. */
public final class SyncLogRepository implements ContentLogConsumer.Sink {
  private static final String APPEND =
      "insert into sync_log (kafka_partition, kafka_offset, entry_id, type_id, event_type,"
          + " entry_version) values ($1, $2, $3, $4, $5, $6) on conflict do nothing";

  // Entries with a row in [lo, hi) of any partition of the range; partitions not in the arrays are
  // outside the range.
  private static final String CHANGED =
      "select l.entry_id, min(l.type_id) from sync_log l"
          + " join unnest($1::int[], $2::bigint[], $3::bigint[]) as b(p, lo, hi)"
          + " on l.kafka_partition = b.p and l.kafka_offset >= b.lo and l.kafka_offset < b.hi"
          + " where l.entry_id > $4 and ($5::text[] is null or l.type_id = any($5))"
          + " group by l.entry_id order by l.entry_id limit $6";

  private static final String PUBLISHED_IDS =
      "select id from entries where published is not null and id > $1"
          + " and ($2::text[] is null or type_id = any($2)) order by id limit $3";

  @Override
  public Future<Void> apply(SqlConnection conn, List<LoggedEvent> events) {
    List<Tuple> rows = new ArrayList<>();
    for (LoggedEvent e : events) {
      rows.add(
          Tuple.of(
              e.partition(),
              e.offset(),
              e.event().entryId(),
              e.event().contentType(),
              e.kind(),
              e.event().version()));
    }
    return conn.preparedQuery(APPEND).executeBatch(rows).mapEmpty();
  }

  /** The current end of the log: the next offset of every partition written so far. */
  public Future<Map<Integer, Long>> end(SqlClient db) {
    return ContentLogConsumer.positions(db);
  }

  /** An entry that changed in a range of the log, with its type. */
  public record Changed(UUID id, String type) {}

  /**
   * Entries with at least one row in the range from {@code from} (inclusive) to {@code to}
   * (exclusive), ordered by id, after {@code after}.
   */
  public Future<List<Changed>> changed(
      SqlClient db,
      Map<Integer, Long> from,
      Map<Integer, Long> to,
      UUID after,
      List<String> types,
      int limit) {
    List<Integer> parts = new ArrayList<>(to.keySet());
    Integer[] p = parts.toArray(new Integer[0]);
    Long[] lo = new Long[p.length];
    Long[] hi = new Long[p.length];
    for (int i = 0; i < p.length; i++) {
      lo[i] = from.getOrDefault(p[i], 0L);
      hi[i] = to.get(p[i]);
    }
    return db.preparedQuery(CHANGED)
        .execute(
            Tuple.of(p, lo, hi, after, types == null ? null : types.toArray(new String[0]), limit))
        .map(
            rs -> {
              List<Changed> out = new ArrayList<>();
              for (Row r : rs) {
                out.add(new Changed(r.getUUID(0), r.getString(1)));
              }
              return out;
            });
  }

  /** Ids of published entries after {@code after}, in id order. */
  public Future<List<UUID>> publishedIds(SqlClient db, UUID after, List<String> types, int limit) {
    return db.preparedQuery(PUBLISHED_IDS)
        .execute(Tuple.of(after, types == null ? null : types.toArray(new String[0]), limit))
        .map(
            rs -> {
              List<UUID> out = new ArrayList<>();
              rs.forEach(r -> out.add(r.getUUID(0)));
              return out;
            });
  }
}
