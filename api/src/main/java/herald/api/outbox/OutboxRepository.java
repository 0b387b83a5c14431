package herald.api.outbox;

import herald.events.ContentEvent;
import herald.events.ContentEventCodec;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** The SQL of the {@code outbox} table. */
public final class OutboxRepository {
  private static final String APPEND =
      "insert into outbox (event_id, entry_id, event_type, entry_version, occurred_at, data)"
          + " values ($1, $2, $3, $4, $5, $6)";
  private static final String UNSENT =
      "select seq, event_id, entry_id, event_type, entry_version, occurred_at, data from outbox"
          + " where sent_at is null order by seq limit $1";
  private static final String MARK_SENT =
      "update outbox set sent_at = now() where seq = any($1) and sent_at is null";
  private static final String COUNT_UNSENT = "select count(*) from outbox where sent_at is null";

  /** An outbox row waiting to be sent. */
  public record Pending(
      long seq,
      UUID eventId,
      UUID entryId,
      String eventType,
      long entryVersion,
      OffsetDateTime occurredAt,
      byte[] data) {}

  /** Appends an event; call it in the transaction that makes the change it announces. */
  public Future<UUID> append(SqlClient db, ContentEvent event) {
    UUID eventId = UUID.randomUUID();
    return db.preparedQuery(APPEND)
        .execute(
            Tuple.of(
                eventId,
                event.entryId(),
                event.eventType(),
                event.version(),
                event.occurredAt().atOffset(ZoneOffset.UTC),
                Buffer.buffer(ContentEventCodec.data(event))))
        .map(eventId);
  }

  public Future<List<Pending>> unsent(SqlClient db, int limit) {
    return db.preparedQuery(UNSENT)
        .execute(Tuple.of(limit))
        .map(
            rs -> {
              List<Pending> out = new ArrayList<>(rs.size());
              for (io.vertx.sqlclient.Row r : rs) {
                out.add(toRow(r));
              }
              return out;
            });
  }

  public Future<Integer> markSent(SqlClient db, Long[] seqs) {
    return db.preparedQuery(MARK_SENT).execute(Tuple.of(seqs)).map(rs -> rs.rowCount());
  }

  public Future<Long> countUnsent(SqlClient db) {
    return db.query(COUNT_UNSENT).execute().map(rs -> rs.iterator().next().getLong(0));
  }

  private static Pending toRow(io.vertx.sqlclient.Row r) {
    return new Pending(
        r.getLong("seq"),
        r.getUUID("event_id"),
        r.getUUID("entry_id"),
        r.getString("event_type"),
        r.getLong("entry_version"),
        r.getOffsetDateTime("occurred_at"),
        r.getBuffer("data").getBytes());
  }
}
