package herald.publisher.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.nio.file.FileSystemException;
import java.util.Properties;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Sorting consumer failures")
class FailuresTest {

  @Test
  @DisplayName("I/O trouble, timeouts and a lost database connection are worth a retry")
  void transientFailuresAreRetriable() {
    assertTrue(Failures.isRetriable(new FileSystemException("/site: No space left on device")));
    assertTrue(Failures.isRetriable(new ConnectException("Connection refused")));
    assertTrue(Failures.isRetriable(new TimeoutException()));
    assertTrue(Failures.isRetriable(ClosedConnectionException.INSTANCE));
    assertTrue(Failures.isRetriable(new NotLeaderOrFollowerException()));
    assertTrue(
        Failures.isRetriable(
            new IllegalStateException(
                "wrapped", new UncheckedIOException(new IOException("disk")))));
  }

  @Test
  @DisplayName("a database that is shutting down or a deadlock is worth a retry")
  void transientSqlStatesAreRetriable() {
    assertTrue(Failures.isRetriable(new PgException("admin shutdown", "FATAL", "57P01", null)));
    assertTrue(Failures.isRetriable(new PgException("deadlock", "ERROR", "40P01", null)));
    assertTrue(Failures.isRetriable(new PgException("connection failure", "FATAL", "08006", null)));
  }

  @Test
  @DisplayName("bugs and broken statements are fatal rather than retried for ever")
  void bugsAreFatal() {
    assertFalse(Failures.isRetriable(new NullPointerException()));
    assertFalse(Failures.isRetriable(new PgException("duplicate key", "ERROR", "23505", null)));
    assertFalse(Failures.isRetriable(new PgException("no such table", "ERROR", "42P01", null)));
  }

  @Test
  @DisplayName("the consumer commits by hand and a new group starts at the beginning of the log")
  void consumerProperties() {
    Properties p = ContentConsumer.properties("127.0.0.1:9092", "herald-publisher");

    assertEquals(false, p.get(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG));
    assertEquals("earliest", p.get(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG));
    assertEquals("herald-publisher", p.get(ConsumerConfig.GROUP_ID_CONFIG));
  }
}
