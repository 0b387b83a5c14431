package herald.api.sync;

import herald.api.auth.Principal;
import herald.api.http.Problem;
import herald.api.http.ProblemException;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A token bucket per API key: {@code ratePerSecond} requests on average, bursts of {@code burst};
 * beyond that 429 with {@code Retry-After}.
 *
 * <p>NOTE: buckets are per api instance; behind a load balancer over n instances a key gets up to n
 * times the rate.
 */
public final class RateLimiter {
  private final double ratePerNano;
  private final double burst;
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

  /** Callers kept track of before full buckets are dropped. */
  private static final int MAX_BUCKETS = 10_000;

  public RateLimiter(double ratePerSecond, int burst) {
    this.ratePerNano = ratePerSecond / 1e9;
    this.burst = Math.max(1, burst);
  }

  private final class Bucket {
    private double tokens = burst;
    private long at = System.nanoTime();

    synchronized boolean full() {
      return tokens + (System.nanoTime() - at) * ratePerNano >= burst;
    }

    synchronized long waitFor() {
      double now = Math.min(burst, tokens + (System.nanoTime() - at) * ratePerNano);
      return now >= 1 ? 0 : (long) Math.ceil((1 - now) / ratePerNano);
    }

    /** Takes a token; returns 0, or the nanoseconds until one is there. */
    synchronized long take() {
      long now = System.nanoTime();
      tokens = Math.min(burst, tokens + (now - at) * ratePerNano);
      at = now;
      if (tokens >= 1) {
        tokens -= 1;
        return 0;
      }
      return (long) Math.ceil((1 - tokens) / ratePerNano);
    }
  }

  /** Counts one event against {@code id}: 0 when there was room, else the nanoseconds to wait. */
  public long take(String id) {
    if (buckets.size() > MAX_BUCKETS) {
      // Many callers seen: forget the ones that are back to a full bucket.
      buckets.values().removeIf(Bucket::full);
    }
    return buckets.computeIfAbsent(id, k -> new Bucket()).take();
  }

  /** The nanoseconds until {@code id} has room again, without counting anything; 0 if it has. */
  public long waitFor(String id) {
    Bucket b = buckets.get(id);
    return b == null ? 0 : b.waitFor();
  }

  /** A handler, after authentication, that counts the request against the caller's key. */
  public Handler<RoutingContext> handler() {
    return ctx -> {
      Principal p = ctx.get(Principal.CONTEXT_KEY);
      String id = p == null ? "anonymous" : p.keyId();
      long wait = buckets.computeIfAbsent(id, k -> new Bucket()).take();
      if (wait == 0) {
        ctx.next();
        return;
      }
      long seconds = Math.max(1, (wait + 999_999_999L) / 1_000_000_000L);
      ctx.response().putHeader("Retry-After", Long.toString(seconds));
      ctx.fail(
          new ProblemException(
              Problem.of(
                  429,
                  "rate-limited",
                  "Too many requests",
                  "This key may make "
                      + (ratePerNano * 1e9)
                      + " requests per second on average; try again in "
                      + seconds
                      + " s.")));
    };
  }
}
