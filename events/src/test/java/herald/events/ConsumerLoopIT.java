package herald.events;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import herald.embedded.EmbeddedKafkaBroker;
import herald.embedded.TestInfrastructure;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The consumer loop, against a real broker")
class ConsumerLoopIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int PARTITIONS = 3;

  private final List<ConsumerLoop> loops = new ArrayList<>();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  /** What the handlers saw: "partition:value" in the order they saw it. */
  private final List<String> seen = new CopyOnWriteArrayList<>();

  @AfterEach
  void stopLoops() {
    loops.forEach(ConsumerLoop::close);
  }

  @Test
  @DisplayName("every record is handled in order per partition, and a new member resumes after it")
  void handlesEveryRecordOnce() throws Exception {
    String bootstrap = TestInfrastructure.shared().kafkaBootstrapServers();
    String topic = topic(bootstrap);
    String group = "loop-" + UUID.randomUUID();
    try (KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
      List<String> first = send(producer, topic, "a", 30);
      ConsumerLoop loop = start(loop(bootstrap, group, topic).eachRecord(this::record));
      await().atMost(WAIT).until(() -> seen.size() == first.size());
      assertEquals(Set.copyOf(first), Set.copyOf(seen));
      assertOrderedPerPartition(seen);
      assertEquals(ConsumerLoop.State.RUNNING, loop.status().state());
      await().atMost(WAIT).until(loop::caughtUp);

      loop.stop(WAIT);
      assertEquals(ConsumerLoop.State.STOPPED, loop.status().state());
      assertFalse(loop.isAlive());
      seen.clear();
      List<String> second = send(producer, topic, "b", 10);
      start(loop(bootstrap, group, topic).eachRecord(this::record));
      await().atMost(WAIT).until(() -> seen.size() >= second.size());
      // The offsets committed by the first loop hold: nothing of the first round comes again.
      assertEquals(Set.copyOf(second), Set.copyOf(seen));
      assertEquals(second.size(), seen.size());
    }
  }

  @Test
  @DisplayName(
      "a failing record keeps its own partition waiting at it, while the other partitions go on")
  void retriableFailureHoldsOnlyItsPartition() throws Exception {
    String bootstrap = TestInfrastructure.shared().kafkaBootstrapServers();
    String topic = topic(bootstrap);
    List<String> others = new ArrayList<>();
    try (KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
      // In the log before the loop starts, so that one poll brings records of every partition:
      // partition 0 has a record that fails, the others records that must not be skipped.
      for (String v : List.of("0:before-1", "0:before-2", "0:stuck", "0:after-1", "0:after-2")) {
        producer.send(new ProducerRecord<>(topic, 0, "k", bytes(v))).get();
      }
      others.addAll(sendToOthers(producer, topic, "early"));
    }
    AtomicBoolean broken = new AtomicBoolean(true);
    AtomicInteger attempts = new AtomicInteger();
    ConsumerLoop loop =
        start(
            ConsumerLoop.builder(
                    "test",
                    GroupConsumers.properties(bootstrap, "loop-" + UUID.randomUUID(), 100),
                    topic)
                .metrics(registry)
                .eachRecord(
                    r -> {
                      if (value(r).equals("0:stuck")) {
                        attempts.incrementAndGet();
                        if (broken.get()) {
                          throw new java.io.IOException("disk full");
                        }
                      }
                      record(r);
                    }));
    try (KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
      // The other partitions keep flowing while partition 0 waits and tries again, so that polls
      // bring its record again together with theirs.
      long deadline = System.nanoTime() + WAIT.toNanos();
      for (int i = 0; attempts.get() < 6 && System.nanoTime() < deadline; i++) {
        others.addAll(sendToOthers(producer, topic, "later-" + i));
      }
      await().atMost(WAIT).until(() -> seen.containsAll(others));
      ConsumerLoop.Status status = loop.status();
      assertEquals(ConsumerLoop.State.RETRYING, status.state(), status.toString());
      assertTrue(status.detail().contains(topic + "-0@2"), status.detail());
      assertTrue(status.detail().contains("disk full"), status.detail());
      assertEquals(List.of("0:before-1", "0:before-2"), partition(seen, 0));

      broken.set(false);
      await().atMost(WAIT).until(() -> partition(seen, 0).size() == 5);
      assertEquals(
          List.of("0:before-1", "0:before-2", "0:stuck", "0:after-1", "0:after-2"),
          partition(seen, 0),
          "nothing skipped, nothing twice, in order");
      await().atMost(WAIT).until(() -> loop.status().state() == ConsumerLoop.State.RUNNING);
      for (int p = 1; p < PARTITIONS; p++) {
        int partition = p;
        assertEquals(
            others.stream().filter(v -> v.startsWith(partition + ":")).toList(),
            partition(seen, p),
            "partition " + p + ": every record once, in order");
      }
      assertTrue(registry.get("herald.consumer.failures").counter().count() >= 2);
    }
  }

  private static List<String> sendToOthers(
      KafkaProducer<String, byte[]> producer, String topic, String prefix) throws Exception {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      for (int p = 1; p < PARTITIONS; p++) {
        String v = p + ":" + prefix + "-" + i;
        producer.send(new ProducerRecord<>(topic, p, "k", bytes(v))).get();
        out.add(v);
      }
    }
    return out;
  }

  @Test
  @DisplayName("a poison record is counted and passed over, and the records after it are handled")
  void poisonIsSkipped() throws Exception {
    String bootstrap = TestInfrastructure.shared().kafkaBootstrapServers();
    String topic = topic(bootstrap);
    start(
        loop(bootstrap, "loop-" + UUID.randomUUID(), topic)
            .eachRecord(
                r -> {
                  if (value(r).endsWith("poison")) {
                    throw new MalformedEventException("not an event");
                  }
                  record(r);
                }));
    try (KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
      for (String v : List.of("1:one", "1:poison", "1:two")) {
        producer.send(new ProducerRecord<>(topic, 1, "k", bytes(v))).get();
      }
      await().atMost(WAIT).until(() -> seen.size() == 2);
      assertEquals(List.of("1:one", "1:two"), seen);
      assertEquals(
          1.0,
          registry.get("herald.consumer.poison").tag("consumer", "test").counter().count(),
          0.0);
    }
  }

  @Test
  @DisplayName("new partitions wait until their positions are found, then start from there")
  void positionsHookIsRetried() throws Exception {
    String bootstrap = TestInfrastructure.shared().kafkaBootstrapServers();
    String topic = topic(bootstrap);
    try (KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
      for (int p = 0; p < PARTITIONS; p++) {
        for (int i = 0; i < 4; i++) {
          producer.send(new ProducerRecord<>(topic, p, "k", bytes(p + ":" + i))).get();
        }
      }
    }
    AtomicInteger lookups = new AtomicInteger();
    ConsumerLoop loop =
        start(
            loop(bootstrap, "loop-" + UUID.randomUUID(), topic)
                .assignAllPartitions()
                .positions(
                    (c, parts) -> {
                      if (lookups.incrementAndGet() <= 3) {
                        throw new java.net.ConnectException("database unreachable");
                      }
                      // The "stored" position: records 0 and 1 of each partition were done.
                      parts.forEach(tp -> c.seek(tp, 2));
                    })
                .eachRecord(this::record));
    await().atMost(WAIT).until(() -> seen.size() == 2 * PARTITIONS);
    List<String> expected = new ArrayList<>();
    for (int p = 0; p < PARTITIONS; p++) {
      expected.add(p + ":2");
      expected.add(p + ":3");
    }
    assertEquals(Set.copyOf(expected), Set.copyOf(seen));
    assertTrue(lookups.get() >= 4);
    await().atMost(WAIT).until(loop::caughtUp);
    assertEquals(ConsumerLoop.State.RUNNING, loop.status().state());
  }

  @Test
  @DisplayName("what no retry can fix stops the loop and says why")
  void fatalStops() throws Exception {
    String bootstrap = TestInfrastructure.shared().kafkaBootstrapServers();
    ConsumerLoop loop =
        start(loop(bootstrap, "loop-" + UUID.randomUUID(), "no such topic!").eachRecord(r -> {}));
    await().atMost(WAIT).until(() -> loop.status().state() == ConsumerLoop.State.FAILED);
    assertTrue(loop.status().detail().contains("InvalidTopicException"), loop.status().detail());
    assertFalse(loop.status().ready());
    await().atMost(WAIT).until(() -> !loop.isAlive());
  }

  @Test
  @DisplayName("a broker killed while records are handled is ridden out: nothing acknowledged lost")
  void ridesOutBrokerKill(@TempDir Path dir) throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir, 0)) {
      String bootstrap = broker.bootstrapServers();
      String topic = topic(bootstrap);
      CountDownLatch inHandler = new CountDownLatch(1);
      CountDownLatch brokerDead = new CountDownLatch(1);
      Set<String> states = ConcurrentHashMap.newKeySet();
      ConsumerLoop loop =
          start(
              loop(bootstrap, "loop-" + UUID.randomUUID(), topic)
                  .eachRecord(
                      r -> {
                        if (value(r).equals("0:r1-015")) {
                          // Still handling when the broker dies: its commit meets a dead broker.
                          inHandler.countDown();
                          brokerDead.await();
                        }
                        record(r);
                      }));
      List<String> acked = new ArrayList<>();
      try (KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
        acked.addAll(send(producer, topic, "r1", 30));
        assertTrue(inHandler.await(WAIT.toSeconds(), TimeUnit.SECONDS));
        broker.kill();
        brokerDead.countDown();
        await()
            .atMost(WAIT)
            .until(
                () -> {
                  ConsumerLoop.Status s = loop.status();
                  states.add(s.state() + " " + s.detail());
                  return s.state() == ConsumerLoop.State.RETRYING;
                });
        broker.restart();
        acked.addAll(send(producer, topic, "r2", 30));
      }
      await().atMost(WAIT).until(() -> Set.copyOf(seen).containsAll(acked));
      assertOrderedPerPartition(seen);
      await().atMost(WAIT).until(() -> loop.status().state() == ConsumerLoop.State.RUNNING);
      assertTrue(loop.isAlive());
      assertTrue(
          states.stream().anyMatch(s -> s.contains("Timeout")), "the commit failed meanwhile");
    }
  }

  private ConsumerLoopBuilder loop(String bootstrap, String group, String topic) {
    return ConsumerLoop.builder("test", GroupConsumers.properties(bootstrap, group, 5), topic)
        .pollTimeout(Duration.ofMillis(200))
        .metrics(registry);
  }

  private ConsumerLoop start(ConsumerLoopBuilder builder) {
    ConsumerLoop loop = builder.build();
    loops.add(loop);
    loop.start();
    return loop;
  }

  private void record(ConsumerRecord<String, byte[]> r) {
    seen.add(value(r));
  }

  private static String topic(String bootstrap) {
    String topic = TestInfrastructure.uniqueTopic("loop");
    Topics.ensure(bootstrap, topic, PARTITIONS);
    return topic;
  }

  /** Sends {@code n} records spread over the partitions; returns them as the handler sees them. */
  private static List<String> send(
      KafkaProducer<String, byte[]> producer, String topic, String prefix, int n) throws Exception {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int p = i % PARTITIONS;
      String v = p + ":" + prefix + "-" + String.format("%03d", i);
      producer
          .send(new ProducerRecord<>(topic, p, "k", bytes(v)))
          .get(WAIT.toSeconds(), TimeUnit.SECONDS);
      out.add(v);
    }
    return out;
  }

  private static List<String> partition(List<String> values, int p) {
    return values.stream().filter(v -> v.startsWith(p + ":")).toList();
  }

  /** Within each partition, values come in the order they were sent (repeats allowed). */
  private static void assertOrderedPerPartition(List<String> values) {
    for (int p = 0; p < PARTITIONS; p++) {
      List<String> mine = partition(values, p);
      for (int i = 1; i < mine.size(); i++) {
        String prev = mine.get(i - 1);
        String cur = mine.get(i);
        assertTrue(
            cur.compareTo(prev) >= 0 || mine.subList(0, i).contains(cur),
            "partition " + p + " out of order: " + mine);
      }
    }
  }

  private static String value(ConsumerRecord<String, byte[]> r) {
    return new String(r.value(), StandardCharsets.UTF_8);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static KafkaProducer<String, byte[]> producer(String bootstrap) {
    return new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrap,
            ProducerConfig.ACKS_CONFIG,
            "all",
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
            StringSerializer.class,
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
            ByteArraySerializer.class));
  }
}
