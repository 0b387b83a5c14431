package herald.api;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import herald.events.ContentEventCodec;
import herald.events.ContentUnpublished;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class OutboxRelayIT {

  @Test
  @DisplayName("a transaction that commits after a later one still has its event sent")
  void outOfOrderCommits() throws Exception {
    try (ApiHarness h = new ApiHarness()) {
      h.deploy();
      assertEquals(201, h.admin("POST", "/v1/manage/types", ContentApiIT.ARTICLE).statusCode());
      try (KafkaConsumer<String, byte[]> consumer = h.consumer();
          Connection slow = h.jdbc()) {
        // A slow transaction takes a sequence number first and commits last.
        slow.setAutoCommit(false);
        UUID slowEntry = UUID.randomUUID();
        ContentUnpublished event =
            new ContentUnpublished(
                slowEntry, 7, "article", "slow", List.of("en"), List.of("website"), Instant.now());
        try (PreparedStatement ps =
            slow.prepareStatement(
                "insert into outbox (event_id, entry_id, event_type, entry_version, occurred_at,"
                    + " data) values (?, ?, ?, ?, ?, ?)")) {
          ps.setObject(1, UUID.randomUUID());
          ps.setObject(2, slowEntry);
          ps.setString(3, event.eventType());
          ps.setLong(4, 7);
          ps.setObject(5, OffsetDateTime.now(ZoneOffset.UTC));
          ps.setBytes(6, ContentEventCodec.data(event));
          ps.executeUpdate();
        }
        // A later transaction commits first and is relayed.
        String id =
            h.json(
                    h.admin(
                        "POST",
                        "/v1/manage/entries",
                        new JsonObject()
                            .put("type", "article")
                            .put(
                                "fields",
                                new JsonObject().put("title", new JsonObject().put("en", "Fast")))))
                .getString("id");
        assertEquals(
            200, h.admin("POST", "/v1/manage/entries/" + id + "/publish", null).statusCode());
        List<ConsumerRecord<String, byte[]>> first = ApiHarness.poll(consumer, 1);
        assertEquals(List.of(id), first.stream().map(ConsumerRecord::key).toList());
        assertTrue(
            h.count("select min(seq) from outbox where sent_at is null") == 0,
            "the slow row is not visible yet");

        slow.commit();
        List<ConsumerRecord<String, byte[]>> second = ApiHarness.poll(consumer, 1);
        assertEquals(
            List.of(slowEntry.toString()), second.stream().map(ConsumerRecord::key).toList());
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> h.count("select count(*) from outbox where sent_at is null") == 0);
        String payload = new String(second.get(0).value(), StandardCharsets.UTF_8);
        assertTrue(payload.contains("\"slow\""));
      }
    }
  }

  @Test
  @DisplayName("of two api instances exactly one relays, and the other takes over when it stops")
  void oneActiveRelay() {
    try (ApiHarness h = new ApiHarness()) {
      ApiVerticle a = h.deploy();
      ApiVerticle b = h.deploy();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> a.relay().isLeader() || b.relay().isLeader());
      assertTrue(a.relay().isLeader() ^ b.relay().isLeader(), "exactly one leader");
      ApiVerticle leader = a.relay().isLeader() ? a : b;
      ApiVerticle other = leader == a ? b : a;
      assertEquals(201, h.admin("POST", "/v1/manage/types", ContentApiIT.ARTICLE).statusCode());
      try (KafkaConsumer<String, byte[]> consumer = h.consumer()) {
        h.undeploy(leader);
        await().atMost(Duration.ofSeconds(60)).until(() -> other.relay().isLeader());
        Set<String> ids =
            java.util.stream.IntStream.range(0, 5)
                .mapToObj(
                    i -> {
                      String id =
                          h.json(
                                  h.admin(
                                      "POST",
                                      "/v1/manage/entries",
                                      new JsonObject()
                                          .put("type", "article")
                                          .put(
                                              "fields",
                                              new JsonObject()
                                                  .put(
                                                      "title",
                                                      new JsonObject().put("en", "E" + i)))))
                              .getString("id");
                      h.admin("POST", "/v1/manage/entries/" + id + "/publish", null);
                      return id;
                    })
                .collect(Collectors.toSet());
        List<ConsumerRecord<String, byte[]>> got = ApiHarness.poll(consumer, 5);
        assertEquals(ids, got.stream().map(ConsumerRecord::key).collect(Collectors.toSet()));
        assertEquals(5, got.size(), "each event once");
      }
    }
  }
}
