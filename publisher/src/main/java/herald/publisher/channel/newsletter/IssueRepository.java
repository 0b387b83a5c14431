package herald.publisher.channel.newsletter;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The {@code newsletter_issue} and {@code newsletter_issue_item} tables. */
final class IssueRepository {

  /** An item of an issue, with the entry's snapshot. */
  record Item(UUID entryId, int position, JsonObject event) {}

  private static final String COLUMNS =
      "id, number, subject, status, scheduled_at, started_at, sent_at, created_at";

  private static final String INSERT =
      "INSERT INTO publisher.newsletter_issue (id, subject, status) VALUES ($1, $2, 'draft')"
          + " RETURNING "
          + COLUMNS;

  /** Pending entries that no other unsent issue holds, oldest first. */
  private static final String ADD_PENDING =
      "INSERT INTO publisher.newsletter_issue_item (issue_id, entry_id, position)"
          + " SELECT $1, e.entry_id, row_number() OVER (ORDER BY e.published_at, e.entry_id)"
          + " FROM publisher.newsletter_entry e WHERE e.sent_in IS NULL AND NOT EXISTS"
          + " (SELECT 1 FROM publisher.newsletter_issue_item i JOIN publisher.newsletter_issue s"
          + " ON s.id = i.issue_id WHERE i.entry_id = e.entry_id AND s.id <> $1"
          + " AND s.status IN ('draft', 'scheduled', 'sending'))";

  private static final String FIND =
      "SELECT " + COLUMNS + " FROM publisher.newsletter_issue WHERE id = $1";

  private static final String LIST =
      "SELECT " + COLUMNS + " FROM publisher.newsletter_issue ORDER BY number DESC LIMIT 100";

  private static final String ITEMS =
      "SELECT i.entry_id, i.position, COALESCE(i.event, e.event) AS event"
          + " FROM publisher.newsletter_issue_item i LEFT JOIN publisher.newsletter_entry e"
          + " ON e.entry_id = i.entry_id WHERE i.issue_id = $1 ORDER BY i.position";

  private static final String KNOWN_ENTRIES =
      "SELECT count(*) AS n FROM publisher.newsletter_entry WHERE entry_id = ANY($1)";

  private static final String CLEAR_ITEMS =
      "DELETE FROM publisher.newsletter_issue_item WHERE issue_id = $1";

  private static final String SET_ITEMS =
      "INSERT INTO publisher.newsletter_issue_item (issue_id, entry_id, position)"
          + " SELECT $1, u.id, u.ord FROM unnest($2::uuid[]) WITH ORDINALITY AS u(id, ord)";

  private static final String SET_SUBJECT =
      "UPDATE publisher.newsletter_issue SET subject = $2, updated_at = now() WHERE id = $1";

  private static final String SCHEDULE =
      "UPDATE publisher.newsletter_issue SET status = 'scheduled', scheduled_at = $2,"
          + " updated_at = now() WHERE id = $1 AND status IN ('draft', 'scheduled')";

  private static final String LOCK_FOR_SENDING =
      "UPDATE publisher.newsletter_issue SET status = 'sending', started_at = now(),"
          + " updated_at = now() WHERE id = $1 AND status IN ('draft', 'scheduled') RETURNING id";

  private static final String FREEZE_ITEMS =
      "UPDATE publisher.newsletter_issue_item i SET event = e.event"
          + " FROM publisher.newsletter_entry e WHERE i.issue_id = $1 AND e.entry_id = i.entry_id";

  private static final String DROP_GONE_ITEMS =
      "DELETE FROM publisher.newsletter_issue_item WHERE issue_id = $1 AND event IS NULL";

  private static final String MARK_ENTRIES_SENT =
      "UPDATE publisher.newsletter_entry SET sent_in = $1 WHERE sent_in IS NULL AND entry_id IN"
          + " (SELECT entry_id FROM publisher.newsletter_issue_item WHERE issue_id = $1)";

  private static final String DUE =
      "SELECT id FROM publisher.newsletter_issue WHERE (status = 'scheduled' AND scheduled_at <= now())"
          + " OR status = 'sending' ORDER BY number";

  private static final String FINISH =
      "UPDATE publisher.newsletter_issue SET status = 'sent', sent_at = now(), updated_at = now()"
          + " WHERE id = $1 AND status = 'sending'";

  Future<Issue> create(SqlClient db, UUID id, String subject) {
    return db.preparedQuery(INSERT)
        .execute(Tuple.of(id, subject))
        .map(rows -> map(rows.iterator().next()))
        .compose(issue -> db.preparedQuery(ADD_PENDING).execute(Tuple.of(id)).map(issue));
  }

  Future<Optional<Issue>> find(SqlClient db, UUID id) {
    return db.preparedQuery(FIND)
        .execute(Tuple.of(id))
        .map(
            rows -> rows.size() == 0 ? Optional.empty() : Optional.of(map(rows.iterator().next())));
  }

  Future<List<Issue>> list(SqlClient db) {
    return db.query(LIST)
        .execute()
        .map(
            rows -> {
              List<Issue> out = new ArrayList<>();
              rows.forEach(r -> out.add(map(r)));
              return out;
            });
  }

  Future<List<Item>> items(SqlClient db, UUID issueId) {
    return db.preparedQuery(ITEMS)
        .execute(Tuple.of(issueId))
        .map(
            rows -> {
              List<Item> out = new ArrayList<>();
              rows.forEach(
                  r -> {
                    JsonObject event = (JsonObject) r.getValue("event");
                    if (event != null) {
                      out.add(new Item(r.getUUID("entry_id"), r.getInteger("position"), event));
                    }
                  });
              return out;
            });
  }

  /** How many of the ids are entries in the pool (sent or not). */
  Future<Long> countKnown(SqlClient db, List<UUID> entryIds) {
    return db.preparedQuery(KNOWN_ENTRIES)
        .execute(Tuple.of(entryIds.toArray(new UUID[0])))
        .map(rows -> rows.iterator().next().getLong("n"));
  }

  Future<Void> setItems(SqlClient db, UUID issueId, List<UUID> entryIds) {
    return db.preparedQuery(CLEAR_ITEMS)
        .execute(Tuple.of(issueId))
        .compose(
            v ->
                db.preparedQuery(SET_ITEMS)
                    .execute(Tuple.of(issueId, (Object) entryIds.toArray(new UUID[0]))))
        .mapEmpty();
  }

  Future<Void> setSubject(SqlClient db, UUID issueId, String subject) {
    return db.preparedQuery(SET_SUBJECT).execute(Tuple.of(issueId, subject)).mapEmpty();
  }

  Future<Boolean> schedule(SqlClient db, UUID issueId, Instant at) {
    return db.preparedQuery(SCHEDULE)
        .execute(Tuple.of(issueId, OffsetDateTime.ofInstant(at, ZoneOffset.UTC)))
        .map(r -> r.rowCount() == 1);
  }

  /**
   * Moves a draft or scheduled issue to sending, freezes its items and marks their entries as sent
   * in it; false when the issue was not draft or scheduled (already sending or sent). Run it in the
   * transaction that also writes the recipients.
   */
  Future<Boolean> lockForSending(SqlClient db, UUID issueId) {
    return db.preparedQuery(LOCK_FOR_SENDING)
        .execute(Tuple.of(issueId))
        .compose(
            r -> {
              if (r.rowCount() == 0) {
                return Future.succeededFuture(false);
              }
              return db.preparedQuery(FREEZE_ITEMS)
                  .execute(Tuple.of(issueId))
                  .compose(v -> db.preparedQuery(DROP_GONE_ITEMS).execute(Tuple.of(issueId)))
                  .compose(v -> db.preparedQuery(MARK_ENTRIES_SENT).execute(Tuple.of(issueId)))
                  .map(true);
            });
  }

  /** Issues whose sending should run now: scheduled and due, or sending (after a restart). */
  Future<List<UUID>> due(SqlClient db) {
    return db.query(DUE)
        .execute()
        .map(
            rows -> {
              List<UUID> out = new ArrayList<>();
              rows.forEach(r -> out.add(r.getUUID("id")));
              return out;
            });
  }

  Future<Void> finish(SqlClient db, UUID issueId) {
    return db.preparedQuery(FINISH).execute(Tuple.of(issueId)).mapEmpty();
  }

  private static Issue map(Row r) {
    return new Issue(
        r.getUUID("id"),
        r.getLong("number"),
        r.getString("subject"),
        r.getString("status"),
        instant(r.getOffsetDateTime("scheduled_at")),
        instant(r.getOffsetDateTime("started_at")),
        instant(r.getOffsetDateTime("sent_at")),
        instant(r.getOffsetDateTime("created_at")));
  }

  private static Instant instant(OffsetDateTime t) {
    return t == null ? null : t.toInstant();
  }
}
