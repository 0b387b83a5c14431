package herald.publisher.delivery;

import herald.events.DeliveryStatusEvent;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.templates.SqlTemplate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The SQL of {@code publisher.status_outbox}: {@code delivery.status} events written in the same
 * transaction as the change they announce, and taken out by the {@link StatusRelay}.
 */
public final class StatusOutbox {

  static final String APPEND =
      """
      INSERT INTO publisher.status_outbox (delivery_id, entry_id, sequence, data)
      VALUES (#{deliveryId}, #{entryId}, #{sequence}, #{data})""";

  // NOTE: SKIP LOCKED lets a second publisher take the next batch instead of waiting; order
  // between publishers does not matter because readers keep the highest sequence per delivery.
  static final String NEXT_BATCH =
      """
      SELECT seq, delivery_id, entry_id, sequence, occurred_at, data FROM publisher.status_outbox
      ORDER BY seq LIMIT #{limit}
      FOR UPDATE SKIP LOCKED""";

  static final String DELETE = "DELETE FROM publisher.status_outbox WHERE seq = ANY(#{seqs})";

  static final String COUNT = "SELECT count(*) FROM publisher.status_outbox";

  /** A status event waiting to be sent. */
  public record Pending(
      long seq,
      UUID deliveryId,
      UUID entryId,
      long sequence,
      OffsetDateTime occurredAt,
      byte[] data) {}

  /** Appends the event. */
  public Future<Void> append(SqlClient client, DeliveryStatusEvent event) {
    return SqlTemplate.forUpdate(client, APPEND)
        .execute(
            Map.of(
                "deliveryId",
                event.deliveryId(),
                "entryId",
                event.entryId(),
                "sequence",
                event.sequence(),
                "data",
                Buffer.buffer(event.toJson())))
        .mapEmpty();
  }

  /** The oldest waiting events, locked for the caller's transaction. */
  public Future<List<Pending>> nextBatch(SqlClient client, int limit) {
    return SqlTemplate.forQuery(client, NEXT_BATCH)
        .mapTo(
            r ->
                new Pending(
                    r.getLong("seq"),
                    r.getUUID("delivery_id"),
                    r.getUUID("entry_id"),
                    r.getLong("sequence"),
                    r.getOffsetDateTime("occurred_at"),
                    r.getBuffer("data").getBytes()))
        .execute(Map.of("limit", limit))
        .map(
            rows -> {
              List<Pending> out = new ArrayList<>();
              rows.forEach(out::add);
              return out;
            });
  }

  /** Removes sent events. */
  public Future<Void> delete(SqlClient client, List<Long> seqs) {
    return SqlTemplate.forUpdate(client, DELETE)
        .execute(Map.of("seqs", seqs.toArray(new Long[0])))
        .mapEmpty();
  }

  /** How many events wait. */
  public Future<Long> count(SqlClient client) {
    return client.query(COUNT).execute().map(rows -> rows.iterator().next().getLong(0));
  }
}
