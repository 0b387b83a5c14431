package herald.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Content events as CloudEvents 1.0 in the Kafka protocol binding, binary content mode: attributes
 * travel as {@code ce_*} headers, the data is the JSON body and the key is the entry id.
 */
public final class ContentEventCodec {
  public static final String SPEC_VERSION = "1.0";
  public static final String CONTENT_TYPE = "application/json";

  public static final String H_SPECVERSION = "ce_specversion";
  public static final String H_ID = "ce_id";
  public static final String H_SOURCE = "ce_source";
  public static final String H_TYPE = "ce_type";
  public static final String H_TIME = "ce_time";
  public static final String H_SUBJECT = "ce_subject";

  /** CloudEvents extension attribute carrying the entry version, so it can be read unparsed. */
  public static final String H_ENTRY_VERSION = "ce_entryversion";

  public static final String H_CONTENT_TYPE = "content-type";

  private ContentEventCodec() {}

  /** The JSON data of an event, as stored in the outbox and sent as the record value. */
  public static byte[] data(ContentEvent event) {
    ObjectNode n = Json.MAPPER.createObjectNode();
    n.put("entryId", event.entryId().toString());
    n.put("version", event.version());
    n.put("type", event.contentType());
    n.put("slug", event.slug());
    n.set("locales", Json.array(event.locales()));
    n.set("channels", Json.array(event.channels()));
    if (event instanceof ContentPublished p) {
      n.set(
          "schema",
          Json.MAPPER
              .createArrayNode()
              .addAll(p.schema().stream().map(FieldSchema::toJson).toList()));
      n.set("fields", p.fields());
      n.put("publishedAt", p.occurredAt().toString());
    } else {
      n.put("unpublishedAt", event.occurredAt().toString());
    }
    try {
      return Json.MAPPER.writeValueAsBytes(n);
    } catch (IOException e) {
      throw new IllegalStateException("cannot serialise event", e);
    }
  }

  /** The CloudEvents headers of an event with the given id and source. */
  public static Headers headers(
      String eventId, String source, String type, UUID entryId, long version, Instant time) {
    RecordHeaders h = new RecordHeaders();
    put(h, H_SPECVERSION, SPEC_VERSION);
    put(h, H_ID, eventId);
    put(h, H_SOURCE, source);
    put(h, H_TYPE, type);
    put(h, H_TIME, time.toString());
    put(h, H_SUBJECT, entryId.toString());
    put(h, H_ENTRY_VERSION, Long.toString(version));
    put(h, H_CONTENT_TYPE, CONTENT_TYPE);
    return h;
  }

  /** A record for an event whose data was encoded earlier (for example by the outbox). */
  public static ProducerRecord<String, byte[]> toRecord(
      String topic,
      String eventId,
      String source,
      String type,
      UUID entryId,
      long version,
      Instant time,
      byte[] data) {
    return new ProducerRecord<>(
        topic,
        null,
        entryId.toString(),
        data,
        headers(eventId, source, type, entryId, version, time));
  }

  /** A record for an event. */
  public static ProducerRecord<String, byte[]> toRecord(
      String topic, String eventId, String source, ContentEvent event) {
    return toRecord(
        topic,
        eventId,
        source,
        event.eventType(),
        event.entryId(),
        event.version(),
        event.occurredAt(),
        data(event));
  }

  /**
   * Reads a record from a content topic.
   *
   * @throws MalformedEventException when the record is not a content event this code understands: a
   *     poison record that a consumer logs, dead-letters and skips.
   */
  public static ContentEvent fromRecord(ConsumerRecord<String, byte[]> record) {
    Headers h = record.headers();
    String spec = header(h, H_SPECVERSION);
    if (!SPEC_VERSION.equals(spec)) {
      throw new MalformedEventException("unsupported CloudEvents specversion: " + spec);
    }
    String type = header(h, H_TYPE);
    if (type == null) {
      throw new MalformedEventException("missing ce_type header");
    }
    if (record.value() == null) {
      throw new MalformedEventException("record has no value");
    }
    ContentEvent event = fromData(type, record.value());
    if (!event.entryId().toString().equals(record.key())) {
      throw new MalformedEventException(
          "record key " + record.key() + " differs from entry id " + event.entryId());
    }
    return event;
  }

  /** Reads an event's JSON data given its CloudEvents type. */
  public static ContentEvent fromData(String type, byte[] data) {
    JsonNode n;
    try {
      n = Json.MAPPER.readTree(data);
    } catch (IOException e) {
      throw new MalformedEventException("data is not JSON", e);
    }
    if (n == null || !n.isObject()) {
      throw new MalformedEventException("data is not a JSON object");
    }
    UUID entryId = uuid(Json.requiredText(n, "entryId"));
    long version = Json.requiredLong(n, "version");
    String contentType = Json.requiredText(n, "type");
    String slug = Json.requiredText(n, "slug");
    List<String> locales = Json.textList(n, "locales");
    List<String> channels = Json.textList(n, "channels");
    switch (type) {
      case ContentEvent.PUBLISHED -> {
        JsonNode schemaNode = n.get("schema");
        JsonNode fields = n.get("fields");
        if (schemaNode == null || !schemaNode.isArray()) {
          throw new MalformedEventException("missing or non-array field 'schema'");
        }
        if (fields == null || !fields.isObject()) {
          throw new MalformedEventException("missing or non-object field 'fields'");
        }
        List<FieldSchema> schema = new ArrayList<>();
        schemaNode.forEach(f -> schema.add(FieldSchema.fromJson(f)));
        return new ContentPublished(
            entryId,
            version,
            contentType,
            slug,
            locales,
            channels,
            schema,
            (ObjectNode) fields,
            instant(Json.requiredText(n, "publishedAt")));
      }
      case ContentEvent.UNPUBLISHED -> {
        return new ContentUnpublished(
            entryId,
            version,
            contentType,
            slug,
            locales,
            channels,
            instant(Json.requiredText(n, "unpublishedAt")));
      }
      default -> throw new MalformedEventException("unknown event type: " + type);
    }
  }

  /** The text of a header, or null when absent. */
  public static String header(Headers headers, String name) {
    Header h = headers.lastHeader(name);
    return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  private static void put(RecordHeaders h, String name, String value) {
    h.add(name, value.getBytes(StandardCharsets.UTF_8));
  }

  private static UUID uuid(String s) {
    try {
      return UUID.fromString(s);
    } catch (IllegalArgumentException e) {
      throw new MalformedEventException("not a UUID: " + s, e);
    }
  }

  private static Instant instant(String s) {
    try {
      return Instant.parse(s);
    } catch (DateTimeParseException e) {
      throw new MalformedEventException("not an RFC 3339 UTC time: " + s, e);
    }
  }
}
