package herald.events;

import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The settings every Herald consumer group shares: offsets committed by the service itself after
 * its work (never automatically), a new group reading from the start of the log, raw bytes for the
 * service to decode, and a short session so a killed member's partitions move on quickly.
 */
public final class GroupConsumers {
  private GroupConsumers() {}

  /**
   * Settings for a member of {@code groupId}, polling at most {@code maxPollRecords} records at a
   * time (small enough to finish a batch well inside {@code max.poll.interval.ms}).
   */
  public static Properties properties(String bootstrapServers, String groupId, int maxPollRecords) {
    Properties p = new Properties();
    // Where the cluster is; the rest of it is discovered from there.
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    // Replicas of a service share the partitions of one group.
    p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    // A member killed without leaving the group keeps its partitions until its session times out:
    // 10 s rather than Kafka's default 45 s, so a restarted service resumes sooner (heartbeats go
    // every 3 s, so a live member stays in).
    p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
    // The service records its position after the batch's effects (in Kafka or with the effects
    // themselves): at least once, never lost.
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    // A new group (a new service, or a reset one) reads the whole log.
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // Never act on records of aborted transactions, should a producer ever send transactionally.
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords);
    // The key is an id as text; the value raw bytes: decoding is the service's, so a bad record is
    // poison it can skip, not a poll() error.
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    // Names this client in broker logs and metrics.
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, groupId + "-" + ProcessHandle.current().pid());
    return p;
  }
}
