package herald.api.schedule;

import herald.api.auth.Principal;
import herald.api.auth.Role;
import herald.api.content.EntryService;
import herald.api.http.ProblemException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs scheduled publishes and unpublishes when due. Every api instance runs one; a row is claimed
 * with SKIP LOCKED in the transaction that performs its action, so each action runs exactly once,
 * and after a restart the due rows are simply found again.
 */
public final class ScheduleRunner {
  private static final Logger LOG = LoggerFactory.getLogger(ScheduleRunner.class);
  private static final int BATCH = 50;

  private final Vertx vertx;
  private final Pool pool;
  private final ScheduleRepository schedules;
  private final EntryService entries;
  private final Duration interval;
  private long timer = -1;
  private boolean running;

  public ScheduleRunner(
      Vertx vertx,
      Pool pool,
      ScheduleRepository schedules,
      EntryService entries,
      Duration interval) {
    this.vertx = vertx;
    this.pool = pool;
    this.schedules = schedules;
    this.entries = entries;
    this.interval = interval;
  }

  public void start() {
    timer = vertx.setPeriodic(interval.toMillis(), id -> tick());
  }

  public void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  private void tick() {
    if (running) {
      return;
    }
    running = true;
    runDue(BATCH)
        .onComplete(
            ar -> {
              running = false;
              if (ar.failed()) {
                LOG.warn("scheduled actions could not run, will retry: {}", ar.cause().toString());
              }
            });
  }

  /** Runs up to {@code max} due actions, one transaction each. */
  private Future<Void> runDue(int max) {
    if (max == 0) {
      return Future.succeededFuture();
    }
    return runOne().compose(ran -> ran ? runDue(max - 1) : Future.succeededFuture());
  }

  /** Claims and performs one due action; false when none is due. */
  private Future<Boolean> runOne() {
    return pool.<Boolean>withTransaction(
            conn ->
                schedules
                    .claimDue(conn, 1)
                    .compose(
                        due -> {
                          if (due.isEmpty()) {
                            return Future.succeededFuture(false);
                          }
                          ScheduleRepository.Scheduled s = due.get(0);
                          Principal actor =
                              new Principal("scheduler", "scheduler for " + s.actor(), Role.EDITOR);
                          Future<?> action =
                              "publish".equals(s.action())
                                  ? entries.publishIn(conn, actor, s.entryId(), s.locales())
                                  : entries.unpublishIn(conn, actor, s.entryId(), s.locales());
                          return action
                              .recover(t -> Future.failedFuture(new Failed(s, t)))
                              .compose(e -> schedules.finish(conn, s.id(), "done", null))
                              .map(true);
                        }))
        .recover(
            t -> {
              // An action that cannot be done (the entry no longer fits its type, or is not
              // published any more) is marked failed after its transaction rolled back; other
              // errors leave it pending for the next tick.
              if (t instanceof Failed f && f.getCause() instanceof ProblemException pe) {
                String why = pe.problem().title() + ": " + pe.problem().detail();
                LOG.warn("scheduled {} of entry {} failed: {}", f.s.action(), f.s.entryId(), why);
                return pool.withTransaction(conn -> schedules.finish(conn, f.s.id(), "failed", why))
                    .map(true);
              }
              return Future.failedFuture(t);
            });
  }

  private static final class Failed extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient ScheduleRepository.Scheduled s;

    Failed(ScheduleRepository.Scheduled s, Throwable cause) {
      super(cause.getMessage(), cause, false, false);
      this.s = s;
    }
  }
}
