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

  public RateLimiter(double ratePerSecond, int burst) {
    this.ratePerNano = ratePerSecond / 1e9;
    this.burst = Math.max(1, burst);
  }

  private final class Bucket {
    private double tokens = burst;
    private long at = System.nanoTime();

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
