package herald.api.studio;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;

/**
 * The dashboard's four lists in one statement: drafts in progress, entries changed since they were
 * published, scheduled actions, and deliveries that failed (the latest of each entry, channel and
 * target only: a later version that went out makes an older failure history). One round trip
 * instead of one api call per list is what keeps the page under its time budget (see
 * BENCHMARKS.md); every list is what any author may read through the api anyway.
 */
final class DashboardRepository {
  /** Rows per list. */
  static final int ROWS = 8;

  private static final String LISTS =
      "select"
          + " (select coalesce(jsonb_agg(x order by x.updated_at desc, x.id desc), '[]') from"
          + "   (select id, type_id as type, fields->'title' as title, updated_at from entries"
          + "    where status = 'draft' order by updated_at desc, id desc limit $1) x) as drafts,"
          + " (select coalesce(jsonb_agg(x order by x.updated_at desc, x.id desc), '[]') from"
          + "   (select id, type_id as type, fields->'title' as title, updated_at from entries"
          + "    where status = 'published' and version > published_version"
          + "    order by updated_at desc, id desc limit $1) x) as changed,"
          + " (select coalesce(jsonb_agg(x order by x.run_at, x.id), '[]') from"
          + "   (select s.id, s.entry_id, s.action, s.run_at, e.type_id as type,"
          + "      e.fields->'title' as title"
          + "    from scheduled_actions s join entries e on e.id = s.entry_id"
          + "    where s.status = 'pending' order by s.run_at, s.id limit $1) x) as scheduled,"
          + " (select coalesce(jsonb_agg(x order by x.updated_at desc, x.id), '[]') from"
          + "   (select d.delivery_id as id, d.entry_id, d.channel, d.target, d.state, d.attempts,"
          + "      d.last_error, d.updated_at, e.type_id as type, e.fields->'title' as title"
          + "    from deliveries d join entries e on e.id = d.entry_id"
          + "    where d.state in ('dead', 'retry_scheduled')"
          + "      and not exists (select 1 from deliveries n where n.entry_id = d.entry_id"
          + "        and n.channel = d.channel and n.target = d.target and n.version > d.version)"
          + "    order by d.updated_at desc limit $1) x) as failed";

  /** The four lists, each a JSON array of rows. */
  record Lists(JsonArray drafts, JsonArray changed, JsonArray scheduled, JsonArray failed) {}

  Future<Lists> lists(SqlClient db) {
    return db.preparedQuery(LISTS)
        .execute(io.vertx.sqlclient.Tuple.of(ROWS))
        .map(
            rows -> {
              Row r = rows.iterator().next();
              return new Lists(
                  array(r.getValue("drafts")),
                  array(r.getValue("changed")),
                  array(r.getValue("scheduled")),
                  array(r.getValue("failed")));
            });
  }

  private static JsonArray array(Object v) {
    return v instanceof JsonArray a ? a : new JsonArray();
  }

  /** The title of a row in the first of {@code locales} it has, else its id. */
  static String title(JsonObject row, java.util.List<String> locales) {
    Object t = row.getValue("title");
    if (t instanceof JsonObject m) {
      for (String l : locales) {
        if (m.getValue(l) instanceof String s && !s.isBlank()) {
          return s;
        }
      }
      for (Object v : m.getMap().values()) {
        if (v instanceof String s && !s.isBlank()) {
          return s;
        }
      }
    } else if (t instanceof String s && !s.isBlank()) {
      return s;
    }
    return row.getString("id", row.getString("entry_id", ""));
  }
}
