package herald.api.studio;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Who has an entry open: each open editor reports itself every 20 s; someone not heard from for a
 * minute has left. Kept in PostgreSQL so every api instance sees every editor.
 */
final class Presence {
  private static final String SEEN =
      "insert into studio_presence (entry_id, user_id, seen_at) values ($1, $2, now())"
          + " on conflict (entry_id, user_id) do update set seen_at = now()";
  private static final String OTHERS =
      "select u.name from studio_presence p join studio_users u on u.id = p.user_id"
          + " where p.entry_id = $1 and p.user_id <> $2 and p.seen_at > now() - interval '60 seconds'"
          + " order by u.name limit 20";
  private static final String PRUNE =
      "delete from studio_presence where seen_at < now() - interval '1 hour'";

  private final Pool pool;

  Presence(Pool pool) {
    this.pool = pool;
  }

  Future<Void> seen(UUID entry, StudioUser user) {
    return pool.preparedQuery(SEEN).execute(Tuple.of(entry, user.id())).mapEmpty();
  }

  Future<List<String>> others(UUID entry, StudioUser me) {
    return pool.preparedQuery(OTHERS)
        .execute(Tuple.of(entry, me.id()))
        .map(
            rs -> {
              List<String> names = new ArrayList<>();
              rs.forEach(r -> names.add(r.getString(0)));
              return names;
            });
  }

  Future<Void> prune() {
    return pool.query(PRUNE).execute().mapEmpty();
  }
}
