package herald.publisher.channel.newsletter;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The {@code newsletter_subscriber} table. */
final class SubscriberRepository {

  private static final String COLUMNS = "id, email, locale, topics, status";

  private static final String FIND_BY_EMAIL =
      "SELECT " + COLUMNS + " FROM publisher.newsletter_subscriber WHERE lower(email) = lower($1)";

  private static final String FIND =
      "SELECT " + COLUMNS + " FROM publisher.newsletter_subscriber WHERE id = $1";

  private static final String INSERT =
      "INSERT INTO publisher.newsletter_subscriber (id, email, locale, topics, status)"
          + " VALUES ($1, $2, $3, $4, 'pending') ON CONFLICT DO NOTHING";

  /** New preferences wait for confirmation like a new subscription. */
  private static final String RESUBSCRIBE =
      "UPDATE publisher.newsletter_subscriber SET locale = $2, topics = $3, status = 'pending',"
          + " updated_at = now() WHERE id = $1 AND status <> 'confirmed'";

  /**
   * Claims the right to send a confirmation mail: at most one per address every few minutes, so the
   * subscribe endpoint cannot be used to flood someone's inbox.
   */
  private static final String CLAIM_CONFIRMATION =
      "UPDATE publisher.newsletter_subscriber SET confirmation_sent_at = now()"
          + " WHERE id = $1 AND status = 'pending' AND (confirmation_sent_at IS NULL"
          + " OR confirmation_sent_at < now() - interval '5 minutes') RETURNING id";

  private static final String CONFIRM =
      "UPDATE publisher.newsletter_subscriber SET status = 'confirmed', confirmed_at = now(),"
          + " updated_at = now() WHERE id = $1 AND status = 'pending' RETURNING id";

  private static final String UNSUBSCRIBE =
      "UPDATE publisher.newsletter_subscriber SET status = 'unsubscribed',"
          + " unsubscribed_at = now(), updated_at = now() WHERE id = $1 AND status <> 'unsubscribed'";

  private static final String COUNTS =
      "SELECT status, count(*) AS n FROM publisher.newsletter_subscriber GROUP BY status";

  Future<Optional<Subscriber>> findByEmail(SqlClient db, String email) {
    return db.preparedQuery(FIND_BY_EMAIL).execute(Tuple.of(email)).map(rows -> first(rows));
  }

  Future<Optional<Subscriber>> find(SqlClient db, UUID id) {
    return db.preparedQuery(FIND).execute(Tuple.of(id)).map(rows -> first(rows));
  }

  /** Inserts a pending subscriber; false when the address is there already. */
  Future<Boolean> insert(SqlClient db, Subscriber s) {
    return db.preparedQuery(INSERT)
        .execute(Tuple.of(s.id(), s.email(), s.locale(), s.topics().toArray(new String[0])))
        .map(r -> r.rowCount() == 1);
  }

  Future<Void> resubscribe(SqlClient db, UUID id, String locale, List<String> topics) {
    return db.preparedQuery(RESUBSCRIBE)
        .execute(Tuple.of(id, locale, topics.toArray(new String[0])))
        .mapEmpty();
  }

  Future<Boolean> claimConfirmation(SqlClient db, UUID id) {
    return db.preparedQuery(CLAIM_CONFIRMATION).execute(Tuple.of(id)).map(r -> r.rowCount() == 1);
  }

  Future<Boolean> confirm(SqlClient db, UUID id) {
    return db.preparedQuery(CONFIRM).execute(Tuple.of(id)).map(r -> r.rowCount() == 1);
  }

  Future<Void> unsubscribe(SqlClient db, UUID id) {
    return db.preparedQuery(UNSUBSCRIBE).execute(Tuple.of(id)).mapEmpty();
  }

  /**
   * Subscribers whose address contains {@code q} (any case), optionally in one status, in address
   * order after the (address, id) of the previous page's last one.
   */
  private static final String SEARCH =
      "SELECT id, email, locale, topics, status, created_at, confirmed_at, unsubscribed_at"
          + " FROM publisher.newsletter_subscriber"
          + " WHERE ($1::text IS NULL OR lower(email) LIKE '%' || $1 || '%' ESCAPE '\\')"
          + " AND ($2::text IS NULL OR status = $2)"
          + " AND ($3::text IS NULL OR (lower(email), id) > ($3, $4::uuid))"
          + " ORDER BY lower(email), id LIMIT $5";

  /** One subscriber as editors see them. */
  record Listed(
      UUID id,
      String email,
      String locale,
      List<String> topics,
      String status,
      java.time.OffsetDateTime createdAt,
      java.time.OffsetDateTime confirmedAt,
      java.time.OffsetDateTime unsubscribedAt) {
    io.vertx.core.json.JsonObject toJson() {
      return new io.vertx.core.json.JsonObject()
          .put("id", id.toString())
          .put("email", email)
          .put("locale", locale)
          .put("topics", new io.vertx.core.json.JsonArray(topics))
          .put("status", status)
          .put("createdAt", createdAt.toInstant().toString())
          .put("confirmedAt", confirmedAt == null ? null : confirmedAt.toInstant().toString())
          .put(
              "unsubscribedAt",
              unsubscribedAt == null ? null : unsubscribedAt.toInstant().toString());
    }
  }

  /**
   * A page of subscribers: {@code q} is matched inside the address (lower case, LIKE's wildcards
   * taken literally); {@code afterEmail}/{@code afterId} from the previous page's last row.
   */
  Future<List<Listed>> search(
      SqlClient db, String q, String status, String afterEmail, UUID afterId, int limit) {
    String like =
        q == null || q.isBlank()
            ? null
            : q.strip()
                .toLowerCase(java.util.Locale.ROOT)
                .replace("\\", "\\\\")
                .replace("%", "\\%")
                .replace("_", "\\_");
    return db.preparedQuery(SEARCH)
        .execute(
            Tuple.of(
                like,
                status,
                afterEmail == null ? null : afterEmail.toLowerCase(java.util.Locale.ROOT),
                afterId,
                limit))
        .map(
            rows -> {
              List<Listed> out = new java.util.ArrayList<>();
              for (Listed r : rows(rows)) {
                out.add(r);
              }
              return out;
            });
  }

  private static List<Listed> rows(io.vertx.sqlclient.RowSet<io.vertx.sqlclient.Row> rows) {
    List<Listed> out = new java.util.ArrayList<>();
    for (io.vertx.sqlclient.Row r : rows) {
      out.add(
          new Listed(
              r.getUUID("id"),
              r.getString("email"),
              r.getString("locale"),
              Arrays.asList(r.getArrayOfStrings("topics")),
              r.getString("status"),
              r.getOffsetDateTime("created_at"),
              r.getOffsetDateTime("confirmed_at"),
              r.getOffsetDateTime("unsubscribed_at")));
    }
    return out;
  }

  /** An editor unsubscribes someone (on their request); false when there is no such subscriber. */
  private static final String UNSUBSCRIBE_BY_EDITOR =
      "UPDATE publisher.newsletter_subscriber SET status = 'unsubscribed',"
          + " unsubscribed_at = coalesce(unsubscribed_at, now()), updated_at = now()"
          + " WHERE id = $1 RETURNING id, email, locale, topics, status, created_at, confirmed_at,"
          + " unsubscribed_at";

  Future<Optional<Listed>> unsubscribeByEditor(SqlClient db, UUID id) {
    return db.preparedQuery(UNSUBSCRIBE_BY_EDITOR)
        .execute(Tuple.of(id))
        .map(rows -> rows(rows).stream().findFirst());
  }

  Future<io.vertx.core.json.JsonObject> counts(SqlClient db) {
    return db.query(COUNTS)
        .execute()
        .map(
            rows -> {
              io.vertx.core.json.JsonObject out =
                  new io.vertx.core.json.JsonObject()
                      .put("pending", 0)
                      .put("confirmed", 0)
                      .put("unsubscribed", 0);
              rows.forEach(r -> out.put(r.getString("status"), r.getLong("n")));
              return out;
            });
  }

  private static Optional<Subscriber> first(io.vertx.sqlclient.RowSet<Row> rows) {
    if (rows.size() == 0) {
      return Optional.empty();
    }
    Row r = rows.iterator().next();
    return Optional.of(
        new Subscriber(
            r.getUUID("id"),
            r.getString("email"),
            r.getString("locale"),
            Arrays.asList(r.getArrayOfStrings("topics")),
            r.getString("status")));
  }
}
