package herald.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ContentEventCodecTest {

  @Test
  @DisplayName("the golden published sample reads as a publish with all locales and its schema")
  void readsGoldenPublished() {
    ContentEvent e =
        ContentEventCodec.fromRecord(
            GoldenSamples.consumerRecord(GoldenSamples.PUBLISHED, Topics.CONTENT, 0, 0));
    ContentPublished p = assertInstanceOf(ContentPublished.class, e);
    assertEquals(UUID.fromString("5b0f6c1e-2d1a-4a57-9b7e-0f6a3c9d2e11"), p.entryId());
    assertEquals(3, p.version());
    assertEquals("event", p.contentType());
    assertEquals(List.of("en", "sr-Cyrl"), p.locales());
    assertEquals("Needle and Syringe Programmes (NSP) for People Who Inject Drugs", p.title("en"));
    assertTrue(p.title("sr-Cyrl").startsWith("Програми"));
    assertEquals("Europe/Belgrade", p.text("timeZone", "en").orElseThrow());
    assertEquals("Europe/Belgrade", p.text("timeZone", "sr-Cyrl").orElseThrow());
    assertTrue(p.text("title", "de").isEmpty());
    assertEquals(Instant.parse("2026-01-27T09:00:00Z"), p.occurredAt());
  }

  @Test
  @DisplayName("the full golden sample carries group sub-fields and reference types in its schema")
  void readsGoldenFull() {
    ContentPublished p =
        (ContentPublished)
            ContentEventCodec.fromRecord(
                GoldenSamples.consumerRecord(GoldenSamples.PUBLISHED_FULL, Topics.CONTENT, 0, 0));
    FieldSchema programme =
        p.schema().stream().filter(f -> f.id().equals("programme")).findFirst().orElseThrow();
    assertEquals("group", programme.type());
    assertEquals(
        List.of("start", "end", "title", "speakers"),
        programme.fields().stream().map(FieldSchema::id).toList());
    assertEquals(List.of("person"), programme.fields().get(3).referenceTypes());
    assertEquals(3, p.value("programme", "ru").orElseThrow().size());
    assertEquals("Вебинар о декриминализации", p.title("ru"));
    ContentPublished back =
        (ContentPublished)
            ContentEventCodec.fromRecord(
                asConsumed(ContentEventCodec.toRecord("t", "e", "/herald/api", p)));
    assertEquals(p, back);
  }

  @Test
  @DisplayName("the golden unpublished sample reads as an unpublish")
  void readsGoldenUnpublished() {
    ContentEvent e =
        ContentEventCodec.fromRecord(
            GoldenSamples.consumerRecord(GoldenSamples.UNPUBLISHED, Topics.CONTENT, 0, 1));
    ContentUnpublished u = assertInstanceOf(ContentUnpublished.class, e);
    assertEquals(4, u.version());
    assertEquals(List.of("website", "newsletter"), u.channels());
  }

  @Test
  @DisplayName(
      "an encoded event reads back equal, with CloudEvents headers and the entry id as key")
  void roundTrip() {
    ContentPublished original =
        (ContentPublished)
            ContentEventCodec.fromRecord(
                GoldenSamples.consumerRecord(GoldenSamples.PUBLISHED, Topics.CONTENT, 0, 0));
    ProducerRecord<String, byte[]> r =
        ContentEventCodec.toRecord("t", "evt-1", "/herald/api", original);
    assertEquals(original.entryId().toString(), r.key());
    assertEquals("1.0", ContentEventCodec.header(r.headers(), "ce_specversion"));
    assertEquals("content.published", ContentEventCodec.header(r.headers(), "ce_type"));
    assertEquals("evt-1", ContentEventCodec.header(r.headers(), "ce_id"));
    assertEquals("3", ContentEventCodec.header(r.headers(), "ce_entryversion"));
    ContentEvent back = ContentEventCodec.fromRecord(asConsumed(r));
    assertEquals(original, back);
  }

  @Test
  @DisplayName("records that are not content events are rejected as malformed, not crashed on")
  void rejectsPoison() {
    RecordHeaders h = new RecordHeaders();
    h.add("ce_specversion", "1.0".getBytes(StandardCharsets.UTF_8));
    h.add("ce_type", "content.published".getBytes(StandardCharsets.UTF_8));
    for (String body : List.of("not json", "[]", "{\"entryId\":\"x\"}", "{}")) {
      ConsumerRecord<String, byte[]> r = record("k", body.getBytes(StandardCharsets.UTF_8), h);
      assertThrows(MalformedEventException.class, () -> ContentEventCodec.fromRecord(r));
    }
    ConsumerRecord<String, byte[]> noHeaders =
        record("k", "{}".getBytes(StandardCharsets.UTF_8), new RecordHeaders());
    assertThrows(MalformedEventException.class, () -> ContentEventCodec.fromRecord(noHeaders));
  }

  @Test
  @DisplayName("a record whose key differs from the entry id is rejected")
  void rejectsWrongKey() {
    ProducerRecord<String, byte[]> p =
        GoldenSamples.producerRecord(GoldenSamples.PUBLISHED, Topics.CONTENT);
    ConsumerRecord<String, byte[]> r =
        record(UUID.randomUUID().toString(), p.value(), (RecordHeaders) p.headers());
    assertThrows(MalformedEventException.class, () -> ContentEventCodec.fromRecord(r));
  }

  private static ConsumerRecord<String, byte[]> asConsumed(ProducerRecord<String, byte[]> p) {
    return record(p.key(), p.value(), (RecordHeaders) p.headers());
  }

  private static ConsumerRecord<String, byte[]> record(
      String key, byte[] value, RecordHeaders headers) {
    return new ConsumerRecord<>(
        "t",
        0,
        0L,
        0L,
        TimestampType.CREATE_TIME,
        -1,
        value.length,
        key,
        value,
        headers,
        java.util.Optional.empty());
  }
}
