package herald.indexer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import herald.events.ContentEvent;
import herald.events.ContentEventCodec;
import herald.events.GoldenSamples;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.record.TimestampType;

/** The golden samples (and variants of them) read exactly as the consumer reads them. */
public final class GoldenEvents {
  public static final String TOPIC = "herald.content.test";

  /** The golden entry: a webinar in English and Serbian Cyrillic, published at version 3. */
  public static final String ENTRY_ID = "5b0f6c1e-2d1a-4a57-9b7e-0f6a3c9d2e11";

  private GoldenEvents() {}

  public static ContentEvent published() {
    return ContentEventCodec.fromRecord(
        GoldenSamples.consumerRecord(GoldenSamples.PUBLISHED, TOPIC, 0, 0));
  }

  public static ContentEvent unpublished() {
    return ContentEventCodec.fromRecord(
        GoldenSamples.consumerRecord(GoldenSamples.UNPUBLISHED, TOPIC, 0, 1));
  }

  /** The golden publish, edited (version, titles, entry id …) before it is read. */
  public static ContentEvent published(Consumer<ObjectNode> edit) {
    return read(GoldenSamples.producerRecord(GoldenSamples.PUBLISHED, TOPIC, edit));
  }

  /** The golden unpublish, edited before it is read. */
  public static ContentEvent unpublished(Consumer<ObjectNode> edit) {
    return read(GoldenSamples.producerRecord(GoldenSamples.UNPUBLISHED, TOPIC, edit));
  }

  /** An edit that sets the version. */
  public static Consumer<ObjectNode> version(long version) {
    return v -> v.put("version", version);
  }

  /** An edit that moves the sample to another entry. */
  public static Consumer<ObjectNode> entry(UUID id) {
    return v -> v.put("entryId", id.toString());
  }

  /**
   * An edit that turns the sample into another English-only entry with the given title and summary,
   * and no body, so that it shares no words with the golden entry.
   */
  public static Consumer<ObjectNode> otherEntry(UUID id, String title, String summary) {
    return v -> {
      v.put("entryId", id.toString());
      v.putArray("locales").add("en");
      ObjectNode fields = (ObjectNode) v.get("fields");
      fields.putObject("title").put("en", title);
      fields.putObject("summary").put("en", summary);
      fields.remove("body");
      fields.put("organisers", "Herald");
    };
  }

  /** An edit that sets a localized field's value in one locale. */
  public static Consumer<ObjectNode> field(String field, String locale, String value) {
    return v -> ((ObjectNode) v.get("fields").get(field)).put(locale, value);
  }

  private static ContentEvent read(ProducerRecord<String, byte[]> p) {
    return ContentEventCodec.fromRecord(
        new ConsumerRecord<>(
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
            Optional.empty()));
  }
}
