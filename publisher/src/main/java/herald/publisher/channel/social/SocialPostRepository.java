package herald.publisher.channel.social;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The {@code social_post} table: what was posted where, per entry and account. */
public final class SocialPostRepository {

  /** One row. */
  public record StoredPost(
      UUID entryId,
      String account,
      Network network,
      long version,
      String status,
      String idempotencyKey,
      String remoteId,
      String remoteUri,
      String text,
      java.time.Instant firstTriedAt) {

    public boolean posted() {
      return POSTED.equals(status);
    }
  }

  static final String POSTING = "posting";
  static final String POSTED = "posted";

  private static final String COLUMNS =
      "entry_id, account, network, version, status, idempotency_key, remote_id, remote_uri, text,"
          + " first_tried_at";

  private static final String FIND =
      "SELECT " + COLUMNS + " FROM publisher.social_post WHERE entry_id = $1 AND account = $2";

  private static final String FIND_BY_ENTRY =
      "SELECT " + COLUMNS + " FROM publisher.social_post WHERE entry_id = $1 ORDER BY account";

  private static final String RECORD_POSTING =
      "INSERT INTO publisher.social_post (entry_id, account, network, version, status, idempotency_key,"
          + " remote_id, text) VALUES ($1, $2, $3, $4, 'posting', $5, $6, $7)"
          + " ON CONFLICT (entry_id, account) DO UPDATE SET version = EXCLUDED.version,"
          + " status = 'posting', idempotency_key = EXCLUDED.idempotency_key,"
          + " remote_id = EXCLUDED.remote_id, text = EXCLUDED.text, updated_at = now(),"
          // A repeat under the same key keeps the time the key was first sent.
          + " first_tried_at = CASE WHEN social_post.status = 'posting'"
          + " AND social_post.idempotency_key = EXCLUDED.idempotency_key"
          + " THEN social_post.first_tried_at ELSE now() END";

  private static final String RECORD_POSTED =
      "UPDATE publisher.social_post SET status = 'posted', version = $3, remote_id = $4, remote_uri = $5,"
          + " text = $6, updated_at = now() WHERE entry_id = $1 AND account = $2";

  private static final String DELETE =
      "DELETE FROM publisher.social_post WHERE entry_id = $1 AND account = $2";

  public Future<Optional<StoredPost>> find(SqlClient db, UUID entryId, String account) {
    return db.preparedQuery(FIND)
        .execute(Tuple.of(entryId, account))
        .map(
            rows -> rows.size() == 0 ? Optional.empty() : Optional.of(map(rows.iterator().next())));
  }

  public Future<List<StoredPost>> findByEntry(SqlClient db, UUID entryId) {
    return db.preparedQuery(FIND_BY_ENTRY)
        .execute(Tuple.of(entryId))
        .map(
            rows -> {
              List<StoredPost> out = new java.util.ArrayList<>();
              rows.forEach(r -> out.add(map(r)));
              return out;
            });
  }

  /** Written before the call to the network. */
  public Future<Void> recordPosting(
      SqlClient db,
      UUID entryId,
      String account,
      Network network,
      long version,
      String idempotencyKey,
      String plannedId,
      String text) {
    return db.preparedQuery(RECORD_POSTING)
        .execute(
            Tuple.tuple()
                .addUUID(entryId)
                .addString(account)
                .addString(network.id())
                .addLong(version)
                .addString(idempotencyKey)
                .addString(plannedId)
                .addString(text))
        .mapEmpty();
  }

  /** Written after the network confirmed the post (or its edit). */
  public Future<Void> recordPosted(
      SqlClient db, UUID entryId, String account, long version, RemotePost remote, String text) {
    return db.preparedQuery(RECORD_POSTED)
        .execute(
            Tuple.tuple()
                .addUUID(entryId)
                .addString(account)
                .addLong(version)
                .addString(remote.id())
                .addString(remote.uri())
                .addString(text))
        .mapEmpty();
  }

  public Future<Void> delete(SqlClient db, UUID entryId, String account) {
    return db.preparedQuery(DELETE).execute(Tuple.of(entryId, account)).mapEmpty();
  }

  private static StoredPost map(Row r) {
    return new StoredPost(
        r.getUUID("entry_id"),
        r.getString("account"),
        Network.of(r.getString("network")),
        r.getLong("version"),
        r.getString("status"),
        r.getString("idempotency_key"),
        r.getString("remote_id"),
        r.getString("remote_uri"),
        r.getString("text"),
        r.getOffsetDateTime("first_tried_at").toInstant());
  }
}
