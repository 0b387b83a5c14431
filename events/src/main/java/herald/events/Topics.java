package herald.events;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/** Kafka topic names that form part of the wire contract, and their creation. */
public final class Topics {
  /** Content life-cycle events, keyed by entry id so that each entry's events stay in order. */
  public static final String CONTENT = "herald.content.v1";

  /** Default number of partitions for {@link #CONTENT}; entries spread by key. */
  public static final int CONTENT_PARTITIONS = 3;

  private Topics() {}

  /**
   * Creates the topic if it does not exist yet; every service calls this at start so that the start
   * order does not matter. Blocking: call it off the event loop.
   *
   * <p>NOTE: content events are kept without time or size limit, for replay (an empty search index
   * or a new channel catches up from the log).
   */
  public static void ensure(String bootstrapServers, String topic, int partitions) {
    try (Admin admin =
        Admin.create(
            Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                // Fail start-up with a clear error rather than hang when Kafka is unreachable.
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                30_000))) {
      NewTopic t =
          new NewTopic(topic, partitions, (short) 1)
              .configs(Map.of("retention.ms", "-1", "retention.bytes", "-1"));
      try {
        admin.createTopics(List.of(t)).all().get(30, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw new IllegalStateException("cannot create topic " + topic, e.getCause());
        }
      } catch (TimeoutException e) {
        throw new IllegalStateException("timed out creating topic " + topic, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted creating topic " + topic, e);
      }
    }
  }
}
