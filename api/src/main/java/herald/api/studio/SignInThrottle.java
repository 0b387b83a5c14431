package herald.api.studio;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;

/**
 * Counts failed sign-ins per e-mail address and per client address in PostgreSQL, so that every api
 * instance sees the same counts, and says how long a throttled subject must wait.
 */
public final class SignInThrottle {
  // The wait ends when the oldest failure inside the window leaves it.
  private static final String CHECK =
      "select count(*) as n, extract(epoch from (min(at) + make_interval(secs => $2) - now()))"
          + " as wait from studio_signin_failures where subject = $1"
          + " and at > now() - make_interval(secs => $2)";
  private static final String FAIL = "insert into studio_signin_failures (subject) values ($1)";
  private static final String CLEAR = "delete from studio_signin_failures where subject = $1";
  private static final String PRUNE =
      "delete from studio_signin_failures where at < now() - make_interval(secs => $1)";

  private final Pool pool;
  private final Duration window;

  public SignInThrottle(Pool pool, Duration window) {
    this.pool = pool;
    this.window = window;
  }

  /** Seconds to wait before the subject may try again, or 0 when it is under its limit. */
  public Future<Long> waitSeconds(String subject, int limit) {
    return pool.preparedQuery(CHECK)
        .execute(Tuple.of(subject, (double) window.toSeconds()))
        .map(
            rs -> {
              var r = rs.iterator().next();
              if (r.getLong("n") < limit) {
                return 0L;
              }
              Number w = r.getNumeric("wait");
              return Math.max(1L, w == null ? 1L : (long) Math.ceil(w.doubleValue()));
            });
  }

  public Future<Void> fail(String... subjects) {
    Future<Void> f = Future.succeededFuture();
    for (String s : subjects) {
      f = f.compose(x -> pool.preparedQuery(FAIL).execute(Tuple.of(s)).mapEmpty());
    }
    return f;
  }

  public Future<Void> clear(String subject) {
    return pool.preparedQuery(CLEAR).execute(Tuple.of(subject)).mapEmpty();
  }

  /** Forgets failures older than a day. */
  public Future<Void> prune() {
    return pool.preparedQuery(PRUNE)
        .execute(Tuple.of((double) Duration.ofDays(1).toSeconds()))
        .mapEmpty();
  }
}
