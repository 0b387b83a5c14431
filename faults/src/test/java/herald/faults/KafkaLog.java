package herald.faults;

import herald.events.ContentEventCodec;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** What the suite reads of the Kafka log itself: the evidence that a fault hit its mark. */
final class KafkaLog {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private KafkaLog() {}

  private static Admin admin(Stack stack) {
    return Admin.create(
        Map.of(
            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
            stack.bootstrapServers(),
            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
            (int) TIMEOUT.toMillis()));
  }

  private static List<TopicPartition> partitions(Admin admin) throws Exception {
    return admin
        .describeTopics(List.of(Stack.TOPIC))
        .allTopicNames()
        .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
        .get(Stack.TOPIC)
        .partitions()
        .stream()
        .map(p -> new TopicPartition(Stack.TOPIC, p.partition()))
        .toList();
  }

  private static Map<TopicPartition, Long> ends(Admin admin, List<TopicPartition> parts)
      throws Exception {
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    parts.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
    Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> info =
        admin.listOffsets(latest).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    Map<TopicPartition, Long> out = new HashMap<>();
    info.forEach((tp, i) -> out.put(tp, i.offset()));
    return out;
  }

  /**
   * Records of the content topic past the positions the indexer last committed (it copies the
   * positions of each Lucene commit to its Kafka group, for lag monitoring).
   */
  static long notCommittedByIndexer(Stack stack) throws Exception {
    try (Admin admin = admin(stack)) {
      Map<TopicPartition, Long> ends = ends(admin, partitions(admin));
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin
              .listConsumerGroupOffsets("herald-indexer")
              .partitionsToOffsetAndMetadata()
              .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      long behind = 0;
      for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
        OffsetAndMetadata c = committed.get(e.getKey());
        behind += e.getValue() - (c == null ? 0 : c.offset());
      }
      return behind;
    }
  }

  /**
   * Moves the (stopped) consumer group's offsets on the content topic back to 0; returns how many
   * records it will read again.
   */
  static long resetToZero(Stack stack, String group) throws Exception {
    try (Admin admin = admin(stack)) {
      List<TopicPartition> parts = partitions(admin);
      Map<TopicPartition, OffsetAndMetadata> zero = new HashMap<>();
      parts.forEach(tp -> zero.put(tp, new OffsetAndMetadata(0)));
      // The group is empty only once the stopped member's leave reached the coordinator.
      long deadline = System.nanoTime() + TIMEOUT.toNanos() * 2;
      while (true) {
        try {
          admin
              .alterConsumerGroupOffsets(group, zero)
              .all()
              .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
          break;
        } catch (java.util.concurrent.ExecutionException e) {
          if (System.nanoTime() > deadline) {
            throw e;
          }
          Thread.sleep(500);
        }
      }
      return ends(admin, parts).values().stream().mapToLong(Long::longValue).sum();
    }
  }

  /**
   * How many times the events of the outbox rows {@code seqs} (comma-separated) are in the content
   * topic: twice each when a relay died between the broker's ack and marking them sent.
   */
  static long copiesOfOutboxEvents(Stack stack, String seqs) throws Exception {
    Set<String> ids = new HashSet<>();
    try (Connection c = stack.oracle();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("select event_id::text from outbox where seq in (" + seqs + ")")) {
      while (rs.next()) {
        ids.add(rs.getString(1));
      }
    }
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    long copies = 0;
    try (Admin admin = admin(stack);
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
      List<TopicPartition> parts = partitions(admin);
      Map<TopicPartition, Long> ends = ends(admin, parts);
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      long deadline = System.nanoTime() + TIMEOUT.toNanos() * 2;
      while (parts.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("could not read the content topic to its end");
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          Header id = r.headers().lastHeader(ContentEventCodec.H_ID);
          if (id != null && ids.contains(new String(id.value(), StandardCharsets.UTF_8))) {
            copies++;
          }
        }
      }
    }
    return copies;
  }
}
