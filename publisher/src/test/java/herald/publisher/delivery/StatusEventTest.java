package herald.publisher.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import herald.events.ContentEventCodec;
import herald.events.DeliveryEventCodec;
import herald.events.DeliveryStatusEvent;
import herald.events.MalformedEventException;
import herald.publisher.channel.DeliveryContext;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("A delivery's status event")
class StatusEventTest {

  static final UUID ENTRY = UUID.fromString("9d3c2a41-7e0b-4c55-8f1a-2b6e4d8c0a17");
  static final OffsetDateTime T = OffsetDateTime.parse("2026-11-27T10:00:00Z");

  static Delivery delivery(DeliveryStatus status) {
    UUID id = DeliveryContext.deliveryId(ENTRY, 5, "social", "mastodon-main");
    return new Delivery(
        7,
        id,
        ENTRY,
        5,
        "social",
        "mastodon-main",
        Delivery.PUBLISH,
        status,
        2,
        0,
        "the target answered 503",
        "event-1",
        6,
        T.plusMinutes(1),
        T.minusSeconds(2),
        null,
        T.minusSeconds(1),
        T.plusSeconds(3));
  }

  static ConsumerRecord<String, byte[]> consumed(ProducerRecord<String, byte[]> p) {
    return new ConsumerRecord<>(
        p.topic(),
        0,
        0L,
        0L,
        TimestampType.CREATE_TIME,
        -1,
        p.value().length,
        p.key(),
        p.value(),
        p.headers(),
        Optional.empty());
  }

  @Test
  @DisplayName("carries the delivery's state and attempts, and reads back the same over Kafka")
  void roundTrip() {
    List<Attempt> attempts =
        List.of(
            new Attempt(1, T, T.plusSeconds(1), "timeout", "no answer within 30000 ms"),
            new Attempt(2, T.plusSeconds(40), T.plusSeconds(41), "failed", "503"));
    DeliveryStatusEvent e =
        DeliveryService.statusEvent(delivery(DeliveryStatus.RETRY_SCHEDULED), attempts);

    ProducerRecord<String, byte[]> record = DeliveryEventCodec.toRecord("status", e);
    DeliveryStatusEvent back = DeliveryEventCodec.statusFromRecord(consumed(record));

    assertEquals(e, back);
    assertEquals(ENTRY.toString(), record.key());
    assertEquals("retry_scheduled", back.state());
    assertEquals(6, back.sequence());
    assertEquals("2026-11-27T10:01:00Z", back.nextAttemptAt().toString());
    assertEquals(
        List.of("timeout", "failed"),
        back.history().stream().map(DeliveryStatusEvent.Attempt::outcome).toList());
    assertEquals(
        "delivery.status", ContentEventCodec.header(record.headers(), ContentEventCodec.H_TYPE));
    assertEquals(
        e.deliveryId().toString(),
        ContentEventCodec.header(record.headers(), ContentEventCodec.H_SUBJECT));
  }

  @Test
  @DisplayName("has the same CloudEvents id when the relay sends it again")
  void stableId() {
    DeliveryStatusEvent e = DeliveryService.statusEvent(delivery(DeliveryStatus.SENT), List.of());
    assertEquals(
        ContentEventCodec.header(
            DeliveryEventCodec.toRecord("status", e).headers(), ContentEventCodec.H_ID),
        ContentEventCodec.header(
            DeliveryEventCodec.toRecord("status", e).headers(), ContentEventCodec.H_ID));
  }

  @Test
  @DisplayName("is poison when its key is not its entry id")
  void keyMustMatch() {
    DeliveryStatusEvent e = DeliveryService.statusEvent(delivery(DeliveryStatus.SENT), List.of());
    ProducerRecord<String, byte[]> r = DeliveryEventCodec.toRecord("status", e);
    ProducerRecord<String, byte[]> wrongKey =
        new ProducerRecord<>("status", null, UUID.randomUUID().toString(), r.value(), r.headers());
    assertThrows(
        MalformedEventException.class,
        () -> DeliveryEventCodec.statusFromRecord(consumed(wrongKey)));
  }
}
