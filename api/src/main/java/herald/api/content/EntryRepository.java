package herald.api.content;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/** The SQL of the {@code entries} table. */
public final class EntryRepository {
  static final String COLUMNS =
      "id, type_id, slug, status, version, fields, channels, published, published_version,"
          + " published_at, first_published_at, created_at, updated_at";
  private static final String INSERT =
      "insert into entries (id, type_id, slug, status, version, fields, channels)"
          + " values ($1, $2, $3, 'draft', 1, $4, $5) returning "
          + COLUMNS;
  private static final String FIND = "select " + COLUMNS + " from entries where id = $1";
  // NOTE: the row lock orders concurrent changes of one entry, so their versions and outbox rows
  // follow commit order.
  private static final String FIND_FOR_UPDATE = FIND + " for update";
  private static final String UPDATE_DRAFT =
      "update entries set slug = $2, fields = $3, channels = $4, version = version + 1,"
          + " updated_at = now() where id = $1 returning "
          + COLUMNS;
  private static final String PUBLISH =
      "update entries set status = 'published', version = $2, published = $3,"
          + " published_version = $2, published_at = $4,"
          + " first_published_at = coalesce(first_published_at, $4), updated_at = now() where id = $1"
          + " returning "
          + COLUMNS;
  private static final String UNPUBLISH =
      "update entries set status = 'draft', version = $2, published = null,"
          + " published_version = null, published_at = null, updated_at = now() where id = $1"
          + " returning "
          + COLUMNS;
  private static final String DELETE = "delete from entries where id = $1";
  private static final String TYPES_OF = "select id, type_id from entries where id = any($1)";
  private static final String BY_SLUG =
      "select " + COLUMNS + " from entries where type_id = $1 and slug = $2";
  private static final String BY_IDS = "select " + COLUMNS + " from entries where id = any($1)";
  private static final String SLUGS_LIKE =
      "select slug from entries where type_id = $1 and (slug = $2 or slug like $3) and id <> $4";

  /**
   * Until the transaction ends, one writer at a time picks a slug from this base in this type: the
   * next one then sees the slug the first committed and takes the following suffix.
   */
  private static final String LOCK_SLUG_BASE =
      "select pg_advisory_xact_lock(hashtext('slug'), hashtext($1 || '/' || $2))";

  public Future<Entry> insert(
      SqlClient db, UUID id, String type, String slug, JsonObject fields, JsonArray channels) {
    return db.preparedQuery(INSERT)
        .execute(Tuple.of(id, type, slug, fields, channels))
        .map(rs -> toEntry(rs.iterator().next()));
  }

  public Future<Optional<Entry>> find(SqlClient db, UUID id) {
    return one(db, FIND, id);
  }

  /** Finds and locks the entry until the transaction ends. */
  public Future<Optional<Entry>> lock(SqlClient db, UUID id) {
    return one(db, FIND_FOR_UPDATE, id);
  }

  public Future<Entry> updateDraft(
      SqlClient db, UUID id, String slug, JsonObject fields, JsonArray channels) {
    return db.preparedQuery(UPDATE_DRAFT)
        .execute(Tuple.of(id, slug, fields, channels))
        .map(rs -> toEntry(rs.iterator().next()));
  }

  public Future<Entry> publish(
      SqlClient db, UUID id, long version, JsonObject snapshot, OffsetDateTime at) {
    return db.preparedQuery(PUBLISH)
        .execute(Tuple.of(id, version, snapshot, at))
        .map(rs -> toEntry(rs.iterator().next()));
  }

  public Future<Entry> unpublish(SqlClient db, UUID id, long version) {
    return db.preparedQuery(UNPUBLISH)
        .execute(Tuple.of(id, version))
        .map(rs -> toEntry(rs.iterator().next()));
  }

  /** Deletes the entry with its versions and scheduled actions. */
  public Future<Void> delete(SqlClient db, UUID id) {
    return db.preparedQuery(DELETE).execute(Tuple.of(id)).mapEmpty();
  }

  /** The type of each of the given entries that exists. */
  public Future<java.util.Map<UUID, String>> typesOf(SqlClient db, java.util.Collection<UUID> ids) {
    return db.preparedQuery(TYPES_OF)
        .execute(Tuple.of(ids.toArray(new UUID[0])))
        .map(
            rs -> {
              java.util.Map<UUID, String> out = new java.util.HashMap<>();
              rs.forEach(r -> out.put(r.getUUID("id"), r.getString("type_id")));
              return out;
            });
  }

  /** The entry of the type with the slug, published or not. */
  public Future<Optional<Entry>> findBySlug(SqlClient db, String type, String slug) {
    return db.preparedQuery(BY_SLUG)
        .execute(Tuple.of(type, slug))
        .map(rs -> rs.size() == 0 ? Optional.empty() : Optional.of(toEntry(rs.iterator().next())));
  }

  /** The entries with the given ids that exist, in no particular order. */
  public Future<java.util.List<Entry>> byIds(SqlClient db, java.util.Collection<UUID> ids) {
    return db.preparedQuery(BY_IDS)
        .execute(Tuple.of(ids.toArray(new UUID[0])))
        .map(
            rs -> {
              java.util.List<Entry> out = new java.util.ArrayList<>();
              rs.forEach(r -> out.add(toEntry(r)));
              return out;
            });
  }

  /** Slugs of the type equal to {@code base} or {@code base-…}, other than the entry's own. */
  /** Waits for, then holds until the end of the transaction, the right to pick from a base. */
  public Future<Void> lockSlugBase(SqlClient db, String type, String base) {
    return db.preparedQuery(LOCK_SLUG_BASE).execute(Tuple.of(type, base)).mapEmpty();
  }

  public Future<Set<String>> slugsLike(SqlClient db, String type, String base, UUID except) {
    // Slugs are [a-z0-9-] only, so the LIKE pattern has no wildcard but the one we add.
    return db.preparedQuery(SLUGS_LIKE)
        .execute(Tuple.of(type, base, base + "-%", except))
        .map(
            rs -> {
              Set<String> out = new HashSet<>();
              rs.forEach(r -> out.add(r.getString("slug")));
              return out;
            });
  }

  private static Future<Optional<Entry>> one(SqlClient db, String sql, UUID id) {
    return db.preparedQuery(sql)
        .execute(Tuple.of(id))
        .map(rs -> rs.size() == 0 ? Optional.empty() : Optional.of(toEntry(rs.iterator().next())));
  }

  static Entry toEntry(Row r) {
    return new Entry(
        r.getUUID("id"),
        r.getString("type_id"),
        r.getString("slug"),
        r.getString("status"),
        r.getLong("version"),
        (JsonObject) r.getJson("fields"),
        (JsonArray) r.getJson("channels"),
        (JsonObject) r.getJson("published"),
        r.getLong("published_version"),
        r.getOffsetDateTime("published_at"),
        r.getOffsetDateTime("first_published_at"),
        r.getOffsetDateTime("created_at"),
        r.getOffsetDateTime("updated_at"));
  }
}
