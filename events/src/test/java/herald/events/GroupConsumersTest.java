package herald.events;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class GroupConsumersTest {
  @Test
  @DisplayName("group members commit by hand, start new groups at the beginning and leave quickly")
  void settings() {
    Properties p = GroupConsumers.properties("127.0.0.1:9092", "herald-api-partners", 500);

    assertEquals("herald-api-partners", p.get(ConsumerConfig.GROUP_ID_CONFIG));
    assertEquals(false, p.get(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG));
    assertEquals("earliest", p.get(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG));
    assertEquals("read_committed", p.get(ConsumerConfig.ISOLATION_LEVEL_CONFIG));
    assertEquals(10_000, p.get(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG));
    assertEquals(500, p.get(ConsumerConfig.MAX_POLL_RECORDS_CONFIG));
  }
}
