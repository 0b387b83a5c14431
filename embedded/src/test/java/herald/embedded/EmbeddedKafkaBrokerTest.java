package herald.embedded;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("embedded Kafka broker")
class EmbeddedKafkaBrokerTest {

  // A ceiling for a stuck broker, not an expectation: this takes seconds on an idle machine.
  private static final Duration RECOVERY = Duration.ofMinutes(2);

  @TempDir static Path dataDir;
  private static EmbeddedKafkaBroker broker;

  @BeforeAll
  static void startBroker() {
    broker = EmbeddedKafkaBroker.start(dataDir, 0);
  }

  @AfterAll
  static void stopBroker() {
    broker.close();
    assertFalse(broker.isAlive());
  }

  @Test
  @DisplayName("a record produced to a new topic can be consumed")
  void produceAndConsume() throws Exception {
    String bootstrap = broker.bootstrapServers();
    assertTrue(bootstrap.startsWith("127.0.0.1:"), bootstrap);
    assertTrue(Files.exists(dataDir.resolve("kraft").resolve("meta.properties")));

    KafkaTestClients.createTopic(bootstrap, "greetings");
    KafkaTestClients.produce(bootstrap, "greetings", "entry-1", "Zdravo, svijete! Здраво!");

    List<ConsumerRecord<String, String>> records = KafkaTestClients.readAll(bootstrap, "greetings");
    assertEquals(1, records.size());
    assertEquals("entry-1", records.get(0).key());
    assertEquals("Zdravo, svijete! Здраво!", records.get(0).value());
  }

  @Test
  @DisplayName("acknowledged records survive the broker being killed with SIGKILL and restarted")
  void survivesKillAndRestart() throws Exception {
    String bootstrap = broker.bootstrapServers();
    KafkaTestClients.createTopic(bootstrap, "durable");
    KafkaTestClients.produce(bootstrap, "durable", "entry-1", "before the crash");

    broker.kill();
    assertFalse(broker.isAlive());

    broker.restart();
    assertTrue(broker.isAlive());
    assertEquals(bootstrap, broker.bootstrapServers());
    // Right after a restart the partition may not have a leader yet; clients retry.
    await()
        .atMost(RECOVERY)
        .untilAsserted(
            () ->
                assertEquals(
                    List.of("before the crash"),
                    values(KafkaTestClients.readAll(bootstrap, "durable"))));

    KafkaTestClients.produce(bootstrap, "durable", "entry-1", "after the restart");
    assertEquals(
        List.of("before the crash", "after the restart"),
        values(KafkaTestClients.readAll(bootstrap, "durable")));
  }

  private static List<String> values(List<ConsumerRecord<String, String>> records) {
    return records.stream().map(ConsumerRecord::value).toList();
  }
}
