package herald.api.content;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Content types for reading paths, refreshed at most once a second per type: types change rarely,
 * and a delivery request should not cost a query for its type.
 */
public final class TypeCache {
  private static final long TTL_NANOS = 1_000_000_000L;
  private final Pool pool;
  private final ContentTypeRepository types;
  private final Map<String, Timed> cache = new ConcurrentHashMap<>();

  private record Timed(Optional<ContentType> type, long at) {}

  public TypeCache(Pool pool, ContentTypeRepository types) {
    this.pool = pool;
    this.types = types;
  }

  public Future<Optional<ContentType>> get(String id) {
    Timed t = cache.get(id);
    long now = System.nanoTime();
    if (t != null && now - t.at() < TTL_NANOS) {
      return Future.succeededFuture(t.type());
    }
    return types.find(pool, id).onSuccess(found -> cache.put(id, new Timed(found, now)));
  }
}
