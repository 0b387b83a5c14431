package herald.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("shared test infrastructure")
class TestInfrastructureTest {

  @Test
  @DisplayName("one infrastructure serves the whole JVM and hands out fresh, empty databases")
  void freshDatabases() throws Exception {
    Infrastructure infra = TestInfrastructure.shared();
    assertSame(infra, TestInfrastructure.shared());

    PgSettings first = TestInfrastructure.freshDatabase();
    PgSettings second = TestInfrastructure.freshDatabase();
    assertNotEquals(first.database(), second.database());
    assertEquals(infra.pg().port(), first.port());
    Sql.execute(first, "CREATE TABLE mine (id int)");
    assertEquals(
        "0", Sql.queryString(second, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"));
  }

  @Test
  @DisplayName("unique topic names keep tests apart on the shared broker")
  void uniqueTopics() throws Exception {
    String topic = TestInfrastructure.uniqueTopic("content");
    assertTrue(topic.matches("content-[0-9a-f]{8}"), topic);
    assertNotEquals(topic, TestInfrastructure.uniqueTopic("content"));

    String bootstrap = TestInfrastructure.shared().kafkaBootstrapServers();
    KafkaTestClients.createTopic(bootstrap, topic);
    KafkaTestClients.produce(bootstrap, topic, "k", "v");
    List<ConsumerRecord<String, String>> records = KafkaTestClients.readAll(bootstrap, topic);
    assertEquals("v", records.get(0).value());
  }
}
