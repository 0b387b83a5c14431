package herald.events;

import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which partitions a {@link ConsumerLoop} reads and where each starts: the group's share of the
 * topic, or every partition of it (new ones within a minute); and, with a positions hook, each new
 * partition paused until the hook has sought it. Only the loop's thread uses it.
 */
final class Partitions implements ConsumerRebalanceListener {
  private static final Logger LOG = LoggerFactory.getLogger(Partitions.class);
  private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(5);
  private static final long CHECK_NANOS = TimeUnit.SECONDS.toNanos(60);

  private final String name;
  private final String topic;
  private final boolean all;
  private final ConsumerLoop.Positions positions;
  private final BiConsumer<Collection<TopicPartition>, Boolean> release;
  private final Set<TopicPartition> unpositioned = new HashSet<>();
  private Consumer<String, byte[]> client;
  private volatile boolean joined;
  private long lastCheck;

  /**
   * @param release told of partitions the loop no longer holds, and whether it may still hand over
   *     (commit) what it handled of them
   */
  Partitions(
      String name,
      String topic,
      boolean all,
      ConsumerLoop.Positions positions,
      BiConsumer<Collection<TopicPartition>, Boolean> release) {
    this.name = name;
    this.topic = topic;
    this.all = all;
    this.positions = positions;
    this.release = release;
  }

  /** Joins the group (or, for every partition, waits for the first {@link #prepare}). */
  void start(Consumer<String, byte[]> c) {
    client = c;
    if (!all) {
      c.subscribe(List.of(topic), this);
    }
  }

  /** Whether the loop is in its group, or holds every partition. */
  boolean joined() {
    return joined;
  }

  /** Whether positions live with the effects rather than in Kafka. */
  boolean ownPositions() {
    return positions != null;
  }

  /**
   * Before a poll: takes on new partitions of the topic (every-partition mode) and lets the
   * positions hook seek the waiting ones, which then resume. Throws what the metadata request or
   * the hook threw; the partitions stay paused for the next attempt.
   */
  void prepare() throws Exception {
    if (all && (!joined || System.nanoTime() - lastCheck >= CHECK_NANOS)) {
      assignAll();
    }
    if (!unpositioned.isEmpty()) {
      List<TopicPartition> parts = List.copyOf(unpositioned);
      positions.seek(client, parts);
      unpositioned.clear();
      client.resume(parts);
    }
  }

  private void assignAll() {
    Set<TopicPartition> wanted = new HashSet<>();
    client
        .partitionsFor(topic, METADATA_TIMEOUT)
        .forEach(p -> wanted.add(new TopicPartition(p.topic(), p.partition())));
    lastCheck = System.nanoTime();
    if (wanted.isEmpty()) {
      throw new UnknownTopicOrPartitionException("topic " + topic + " has no partitions yet");
    }
    Set<TopicPartition> current = client.assignment();
    if (!current.containsAll(wanted)) {
      Set<TopicPartition> added = new HashSet<>(wanted);
      added.removeAll(current);
      client.assign(wanted);
      LOG.info("{}: assigned {}", name, wanted);
      onPartitionsAssigned(added);
    }
    joined = true;
  }

  @Override
  public void onPartitionsAssigned(Collection<TopicPartition> parts) {
    // Called after every rebalance, even with nothing new: the member is in the group.
    joined = true;
    if (positions != null && !parts.isEmpty()) {
      client.pause(parts);
      unpositioned.addAll(parts);
    }
  }

  @Override
  public void onPartitionsRevoked(Collection<TopicPartition> parts) {
    // Hand over what was handled, so that the next owner does not do it again.
    release.accept(parts, true);
    unpositioned.removeAll(parts);
  }

  @Override
  public void onPartitionsLost(Collection<TopicPartition> parts) {
    // Already someone else's: nothing to hand over.
    release.accept(parts, false);
    unpositioned.removeAll(parts);
  }
}
