package herald.events;

import java.time.Instant;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Delivery status events and delivery commands as CloudEvents 1.0 in the Kafka binary binding, the
 * same way as {@link ContentEventCodec}: attributes in {@code ce_*} headers, JSON data, key = entry
 * id.
 */
public final class DeliveryEventCodec {

  private DeliveryEventCodec() {}

  /**
   * A record of a status event whose JSON was encoded earlier (for example by an outbox); the
   * CloudEvents id is derived from the delivery and sequence, so a re-send has the same id.
   */
  public static ProducerRecord<String, byte[]> statusRecord(
      String topic, UUID deliveryId, UUID entryId, long sequence, Instant time, byte[] data) {
    String id =
        UUID.nameUUIDFromBytes(
                (deliveryId + ":" + sequence).getBytes(java.nio.charset.StandardCharsets.UTF_8))
            .toString();
    return new ProducerRecord<>(
        topic,
        null,
        entryId.toString(),
        data,
        headers(id, DeliveryStatusEvent.SOURCE, DeliveryStatusEvent.TYPE, deliveryId, time));
  }

  /** A record of a status event. */
  public static ProducerRecord<String, byte[]> toRecord(String topic, DeliveryStatusEvent e) {
    return statusRecord(
        topic, e.deliveryId(), e.entryId(), e.sequence(), e.updatedAt(), e.toJson());
  }

  /** A record of a command. */
  public static ProducerRecord<String, byte[]> toRecord(String topic, DeliveryCommand c) {
    return new ProducerRecord<>(
        topic,
        null,
        c.entryId().toString(),
        c.toJson(),
        headers(
            c.commandId().toString(),
            DeliveryCommand.SOURCE,
            c.type(),
            c.deliveryId(),
            c.requestedAt()));
  }

  /**
   * Reads a status event.
   *
   * @throws MalformedEventException for a poison record
   */
  public static DeliveryStatusEvent statusFromRecord(ConsumerRecord<String, byte[]> r) {
    check(r, DeliveryStatusEvent.TYPE);
    DeliveryStatusEvent e = DeliveryStatusEvent.fromJson(r.value());
    if (!e.entryId().toString().equals(r.key())) {
      throw new MalformedEventException(
          "record key " + r.key() + " differs from entry id " + e.entryId());
    }
    return e;
  }

  /**
   * Reads a command.
   *
   * @throws MalformedEventException for a poison record
   */
  public static DeliveryCommand commandFromRecord(ConsumerRecord<String, byte[]> r) {
    check(r, null);
    return DeliveryCommand.fromJson(r.value());
  }

  private static void check(ConsumerRecord<String, byte[]> r, String type) {
    Headers h = r.headers();
    String spec = ContentEventCodec.header(h, ContentEventCodec.H_SPECVERSION);
    if (!ContentEventCodec.SPEC_VERSION.equals(spec)) {
      throw new MalformedEventException("unsupported CloudEvents specversion: " + spec);
    }
    String actual = ContentEventCodec.header(h, ContentEventCodec.H_TYPE);
    if (actual == null || (type != null && !type.equals(actual))) {
      throw new MalformedEventException("unexpected ce_type: " + actual);
    }
    if (r.value() == null) {
      throw new MalformedEventException("record has no value");
    }
  }

  private static Headers headers(
      String id, String source, String type, UUID subject, Instant time) {
    RecordHeaders h = new RecordHeaders();
    put(h, ContentEventCodec.H_SPECVERSION, ContentEventCodec.SPEC_VERSION);
    put(h, ContentEventCodec.H_ID, id);
    put(h, ContentEventCodec.H_SOURCE, source);
    put(h, ContentEventCodec.H_TYPE, type);
    put(h, ContentEventCodec.H_TIME, (time == null ? Instant.now() : time).toString());
    put(h, ContentEventCodec.H_SUBJECT, subject.toString());
    put(h, ContentEventCodec.H_CONTENT_TYPE, ContentEventCodec.CONTENT_TYPE);
    return h;
  }

  private static void put(RecordHeaders h, String name, String value) {
    h.add(name, value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }
}
