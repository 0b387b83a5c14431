package herald.publisher.channel.newsletter;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/** The {@code newsletter_recipient} table: one row per (issue, subscriber) with its status. */
final class RecipientRepository {

  /** A recipient still to send to. */
  record Recipient(
      UUID subscriberId,
      String email,
      String locale,
      List<String> topics,
      String messageId,
      int attempts,
      boolean unsubscribed) {}

  static final int MAX_ATTEMPTS = 3;

  /** Snapshot of the confirmed subscribers when sending starts. */
  private static final String INSERT_ALL =
      "INSERT INTO publisher.newsletter_recipient"
          + " (issue_id, subscriber_id, email, locale, topics, message_id)"
          + " SELECT $1, s.id, s.email, s.locale, s.topics, '<' || $3 || '.' || s.id || '@' || $2 || '>'"
          + " FROM publisher.newsletter_subscriber s WHERE s.status = 'confirmed'"
          + " ON CONFLICT DO NOTHING";

  /** Keyset paging over the open rows; the subscriber's current status catches late opt-outs. */
  private static final String NEXT =
      "SELECT r.subscriber_id, r.email, r.locale, r.topics, r.message_id, r.attempts,"
          + " s.status IS DISTINCT FROM 'confirmed' AS unsubscribed"
          + " FROM publisher.newsletter_recipient r LEFT JOIN publisher.newsletter_subscriber s"
          + " ON s.id = r.subscriber_id WHERE r.issue_id = $1 AND r.status IN ('pending', 'sending')"
          + " AND r.attempts < $4 AND r.subscriber_id > $2 ORDER BY r.subscriber_id LIMIT $3";

  private static final String MARK_SENDING =
      "UPDATE publisher.newsletter_recipient SET status = 'sending', attempts = attempts + 1,"
          + " updated_at = now() WHERE issue_id = $1 AND subscriber_id = $2";

  private static final String MARK_SENT =
      "UPDATE publisher.newsletter_recipient SET status = 'sent', sent_at = now(), last_error = NULL,"
          + " updated_at = now() WHERE issue_id = $1 AND subscriber_id = $2";

  private static final String MARK_FAILED =
      "UPDATE publisher.newsletter_recipient SET status = CASE WHEN $4 OR attempts >= $5"
          + " THEN 'failed' ELSE 'pending' END, last_error = $3, updated_at = now()"
          + " WHERE issue_id = $1 AND subscriber_id = $2";

  private static final String MARK_SKIPPED =
      "UPDATE publisher.newsletter_recipient SET status = 'skipped', last_error = $3,"
          + " updated_at = now() WHERE issue_id = $1 AND subscriber_id = $2";

  /** Rows that ran out of attempts while 'sending' (the process died each time) end as failed. */
  private static final String CLOSE_EXHAUSTED =
      "UPDATE publisher.newsletter_recipient SET status = 'failed',"
          + " last_error = COALESCE(last_error, 'no confirmation from the SMTP server'), updated_at = now()"
          + " WHERE issue_id = $1 AND status IN ('pending', 'sending') AND attempts >= $2";

  private static final String OPEN =
      "SELECT count(*) AS n FROM publisher.newsletter_recipient"
          + " WHERE issue_id = $1 AND status IN ('pending', 'sending') AND attempts < $2";

  private static final String COUNTS =
      "SELECT status, count(*) AS n FROM publisher.newsletter_recipient WHERE issue_id = $1"
          + " GROUP BY status";

  Future<Integer> insertAll(SqlClient db, UUID issueId, String messageIdDomain) {
    return db.preparedQuery(INSERT_ALL)
        .execute(Tuple.of(issueId, messageIdDomain, issueId.toString()))
        .map(r -> r.rowCount());
  }

  Future<List<Recipient>> next(SqlClient db, UUID issueId, UUID after, int limit) {
    return db.preparedQuery(NEXT)
        .execute(Tuple.of(issueId, after, limit, MAX_ATTEMPTS))
        .map(
            rows -> {
              List<Recipient> out = new ArrayList<>(rows.size());
              rows.forEach(
                  r ->
                      out.add(
                          new Recipient(
                              r.getUUID("subscriber_id"),
                              r.getString("email"),
                              r.getString("locale"),
                              Arrays.asList(r.getArrayOfStrings("topics")),
                              r.getString("message_id"),
                              r.getInteger("attempts"),
                              r.getBoolean("unsubscribed"))));
              return out;
            });
  }

  Future<Void> markSending(SqlClient db, UUID issueId, UUID subscriberId) {
    return db.preparedQuery(MARK_SENDING).execute(Tuple.of(issueId, subscriberId)).mapEmpty();
  }

  Future<Void> markSent(SqlClient db, UUID issueId, UUID subscriberId) {
    return db.preparedQuery(MARK_SENT).execute(Tuple.of(issueId, subscriberId)).mapEmpty();
  }

  Future<Void> markFailed(
      SqlClient db, UUID issueId, UUID subscriberId, String error, boolean permanent) {
    return db.preparedQuery(MARK_FAILED)
        .execute(Tuple.of(issueId, subscriberId, error, permanent, MAX_ATTEMPTS))
        .mapEmpty();
  }

  Future<Void> markSkipped(SqlClient db, UUID issueId, UUID subscriberId, String why) {
    return db.preparedQuery(MARK_SKIPPED).execute(Tuple.of(issueId, subscriberId, why)).mapEmpty();
  }

  Future<Void> closeExhausted(SqlClient db, UUID issueId) {
    return db.preparedQuery(CLOSE_EXHAUSTED).execute(Tuple.of(issueId, MAX_ATTEMPTS)).mapEmpty();
  }

  Future<Long> open(SqlClient db, UUID issueId) {
    return db.preparedQuery(OPEN)
        .execute(Tuple.of(issueId, MAX_ATTEMPTS))
        .map(rows -> rows.iterator().next().getLong("n"));
  }

  Future<JsonObject> counts(SqlClient db, UUID issueId) {
    return db.preparedQuery(COUNTS)
        .execute(Tuple.of(issueId))
        .map(
            rows -> {
              JsonObject out = new JsonObject();
              for (String s : List.of("pending", "sending", "sent", "failed", "skipped")) {
                out.put(s, 0L);
              }
              rows.forEach(r -> out.put(r.getString("status"), r.getLong("n")));
              return out;
            });
  }
}
