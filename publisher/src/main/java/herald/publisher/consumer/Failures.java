package herald.publisher.consumer;

import io.vertx.sqlclient.ClosedConnectionException;
import io.vertx.sqlclient.DatabaseException;
import java.io.IOException;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.errors.RetriableException;

/** Sorts failures while handling an event into retriable ones and the rest, which are fatal. */
public final class Failures {

  /**
   * SQLSTATE classes that describe the database's condition rather than our statement: connection
   * exceptions, transaction rollbacks (serialization failures, deadlocks), insufficient resources,
   * operator intervention (shutdown) and system errors.
   */
  private static final Set<String> TRANSIENT_SQLSTATE_CLASSES =
      Set.of("08", "40", "53", "57", "58");

  private Failures() {}

  /**
   * Whether the failure may go away by itself (a full disk, the database restarting, a timeout), so
   * that the same event should be tried again after a pause. Anything else is a bug or a
   * misconfiguration that retrying would only hide.
   */
  public static boolean isRetriable(Throwable failure) {
    Set<Throwable> seen = new HashSet<>();
    for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
      if (t instanceof IOException
          || t instanceof TimeoutException
          || t instanceof ClosedConnectionException
          || t instanceof RetriableException) {
        return true;
      }
      if (t instanceof DatabaseException db
          && db.getSqlState() != null
          && db.getSqlState().length() >= 2
          && TRANSIENT_SQLSTATE_CLASSES.contains(db.getSqlState().substring(0, 2))) {
        return true;
      }
    }
    return false;
  }
}
