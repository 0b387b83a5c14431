package herald.api.feeds;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Reads of published entries for feeds (the {@code entries} table belongs to the content API). */
public final class FeedRepository {
  private static final String NEWEST =
      "select id from entries where published is not null"
          + " and ($1::text is null or type_id = $1)"
          + " and ($2::text is null or published -> 'fields' -> 'tags' @> jsonb_build_array($2::text))"
          + " and ($3::text[] is null or published -> 'locales' ?| $3::text[])"
          + " order by first_published_at desc, id desc limit $4";
  // Events that have not ended yet (or, without an end, not started), soonest first.
  // Calendar subscribers expect the recent past as well as what is coming: the upcoming events,
  // soonest first, then the past ones, most recent first, up to the feed's size in all (so past
  // events fill only what upcoming ones leave free).
  private static final String CALENDAR =
      "select id from entries where published is not null and type_id = $1"
          + " and published -> 'fields' ->> 'startsAt' is not null"
          + " and ($2::text[] is null or published -> 'locales' ?| $2::text[])"
          + " order by coalesce(published -> 'fields' ->> 'endsAt',"
          + " published -> 'fields' ->> 'startsAt')::timestamptz < now(),"
          + " abs(extract(epoch from (published -> 'fields' ->> 'startsAt')::timestamptz - now())),"
          + " id limit $3";

  public Future<List<UUID>> newest(
      SqlClient db, String type, String tag, List<String> locales, int limit) {
    return db.preparedQuery(NEWEST)
        .execute(
            Tuple.of(type, tag, locales == null ? null : locales.toArray(new String[0]), limit))
        .map(FeedRepository::ids);
  }

  /** The events of a calendar feed; see {@link #CALENDAR}. */
  public Future<List<UUID>> calendar(SqlClient db, String type, List<String> locales, int limit) {
    return db.preparedQuery(CALENDAR)
        .execute(Tuple.of(type, locales == null ? null : locales.toArray(new String[0]), limit))
        .map(FeedRepository::ids);
  }

  private static List<UUID> ids(io.vertx.sqlclient.RowSet<io.vertx.sqlclient.Row> rs) {
    List<UUID> out = new ArrayList<>();
    rs.forEach(r -> out.add(r.getUUID(0)));
    return out;
  }
}
