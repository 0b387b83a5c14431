package herald.api.content;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivery responses kept in memory and dropped precisely when content they show changes: each
 * response records its surrogate keys (entry ids, and {@code type:<id>} for lists), and the
 * commit-time NOTIFY of a publish or unpublish names the entry and its type.
 *
 * <p>NOTE: a response is stored only if no change arrived while it was computed (a generation
 * counter), so a read racing a publish never caches the old content. While the notification
 * connection is down nothing is cached.
 */
public final class ResponseCache {
  private static final Logger LOG = LoggerFactory.getLogger(ResponseCache.class);

  /** A cached response. */
  public record Cached(Buffer body, String etag, String surrogateKeys, Set<String> keys) {}

  private final Vertx vertx;
  private final PgConnectOptions connectOptions;
  private final int maxEntries;
  private final AtomicLong generation = new AtomicLong();
  private final Map<String, Cached> map;
  private final Counter hits;
  private final Counter misses;
  private volatile boolean listening;
  private PgConnection conn;
  private long timer = -1;
  private boolean stopped;

  public ResponseCache(
      Vertx vertx, PgConnectOptions connectOptions, int maxEntries, MeterRegistry registry) {
    this.vertx = vertx;
    this.connectOptions = connectOptions;
    this.maxEntries = maxEntries;
    // Access-ordered: the least recently used response goes first when full.
    this.map = new LinkedHashMap<>(1024, 0.75f, true);
    this.hits = Counter.builder("herald.delivery.cache").tag("outcome", "hit").register(registry);
    this.misses =
        Counter.builder("herald.delivery.cache").tag("outcome", "miss").register(registry);
  }

  public Future<Void> start() {
    timer =
        vertx.setPeriodic(
            2_000,
            id -> {
              if (conn == null && !stopped) {
                connect();
              }
            });
    return connect().recover(t -> Future.succeededFuture());
  }

  public Future<Void> stop() {
    stopped = true;
    vertx.cancelTimer(timer);
    return conn == null ? Future.succeededFuture() : conn.close();
  }

  private Future<Void> connect() {
    return PgConnection.connect(vertx, connectOptions)
        .compose(
            c -> {
              conn = c;
              c.notificationHandler(n -> invalidate(n.getPayload()));
              c.closeHandler(
                  v -> {
                    listening = false;
                    conn = null;
                    clear();
                  });
              return c.query("LISTEN herald_published").execute();
            })
        .onSuccess(
            rs -> {
              clear();
              listening = true;
            })
        .onFailure(t -> LOG.warn("response cache cannot listen for changes: {}", t.toString()))
        .mapEmpty();
  }

  /** The current generation; pass it to {@link #put} after computing a response. */
  public long generation() {
    return generation.get();
  }

  /** A cached response for the key, counted as a hit, or null without counting a miss. */
  public synchronized Cached peek(String key) {
    Cached c = map.get(key);
    if (c != null) {
      hits.increment();
    }
    return c;
  }

  public synchronized Cached get(String key) {
    Cached c = map.get(key);
    (c == null ? misses : hits).increment();
    return c;
  }

  /** Stores a response computed since {@code gen} unless something changed meanwhile. */
  public synchronized void put(String key, long gen, Cached c) {
    if (!listening || generation.get() != gen) {
      return;
    }
    map.put(key, c);
    if (map.size() > maxEntries) {
      Iterator<String> it = map.keySet().iterator();
      it.next();
      it.remove();
    }
  }

  /** Drops every response that shows the entry, or lists its type. */
  public synchronized void invalidate(String payload) {
    generation.incrementAndGet();
    String[] parts = payload.split(" ", 2);
    String id = parts[0];
    String typeKey = parts.length > 1 ? "type:" + parts[1] : null;
    map.values()
        .removeIf(
            c ->
                c.keys().contains(id)
                    || typeKey != null && c.keys().contains(typeKey)
                    || c.keys().contains("type:*"));
  }

  private synchronized void clear() {
    generation.incrementAndGet();
    map.clear();
  }
}
