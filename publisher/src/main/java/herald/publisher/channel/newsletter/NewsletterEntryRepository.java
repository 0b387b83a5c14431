package herald.publisher.channel.newsletter;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.UUID;

/** The {@code newsletter_entry} table: published entries waiting for (or sent in) an issue. */
final class NewsletterEntryRepository {

  /** A newer version replaces the snapshot; a replay of an older one changes nothing. */
  private static final String UPSERT =
      "INSERT INTO publisher.newsletter_entry (entry_id, version, event, published_at)"
          + " VALUES ($1, $2, $3, $4) ON CONFLICT (entry_id) DO UPDATE"
          + " SET version = EXCLUDED.version, event = EXCLUDED.event, updated_at = now()"
          + " WHERE newsletter_entry.version < EXCLUDED.version";

  /** Out of the pool and out of every issue not sent yet; sent issues keep their frozen copy. */
  private static final String REMOVE_FROM_OPEN_ISSUES =
      "DELETE FROM publisher.newsletter_issue_item WHERE entry_id = $1 AND issue_id IN"
          + " (SELECT id FROM publisher.newsletter_issue WHERE status IN ('draft', 'scheduled'))";

  private static final String REMOVE =
      "DELETE FROM publisher.newsletter_entry WHERE entry_id = $1 AND version < $2";

  private static final String LIST =
      "SELECT entry_id, version, event, published_at, sent_in FROM publisher.newsletter_entry"
          + " WHERE ($1 OR sent_in IS NULL) ORDER BY published_at, entry_id LIMIT 500";

  Future<Void> upsert(
      SqlClient db, UUID entryId, long version, JsonObject event, OffsetDateTime at) {
    return db.preparedQuery(UPSERT).execute(Tuple.of(entryId, version, event, at)).mapEmpty();
  }

  /** Removes the entry unless a newer version was recorded meanwhile. */
  Future<Void> remove(SqlClient db, UUID entryId, long unpublishedVersion) {
    return db.preparedQuery(REMOVE_FROM_OPEN_ISSUES)
        .execute(Tuple.of(entryId))
        .compose(v -> db.preparedQuery(REMOVE).execute(Tuple.of(entryId, unpublishedVersion)))
        .mapEmpty();
  }

  /** The pool as editors see it: pending entries, or all with {@code includeSent}. */
  Future<JsonArray> list(SqlClient db, boolean includeSent) {
    return db.preparedQuery(LIST)
        .execute(Tuple.of(includeSent))
        .map(
            rows -> {
              JsonArray out = new JsonArray();
              rows.forEach(
                  r -> {
                    JsonObject event = (JsonObject) r.getValue("event");
                    out.add(
                        new JsonObject()
                            .put("entryId", r.getUUID("entry_id").toString())
                            .put("version", r.getLong("version"))
                            .put("type", event.getString("type"))
                            .put("slug", event.getString("slug"))
                            .put(
                                "title",
                                IssueService.toEntry(event).title(IssueService.firstLocale(event)))
                            .put(
                                "publishedAt",
                                r.getOffsetDateTime("published_at").toInstant().toString())
                            .put(
                                "sentIn",
                                r.getUUID("sent_in") == null
                                    ? null
                                    : r.getUUID("sent_in").toString()));
                  });
              return out;
            });
  }
}
