package herald.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;

/**
 * Golden content events, exactly as they travel on Kafka, shared by every consumer's tests: each
 * consumer must read these.
 */
public final class GoldenSamples {
  /** A webinar from the seed newsletter, published in English and Serbian Cyrillic. */
  public static final String PUBLISHED = "content.published";

  /**
   * The seed's decriminalisation webinar with every field type: references to speakers and
   * organisations, a programme group, a location, tags, in English, Serbian Cyrillic and Russian.
   */
  public static final String PUBLISHED_FULL = "content.published.full";

  /** The same entry as {@link #PUBLISHED}, unpublished. */
  public static final String UNPUBLISHED = "content.unpublished";

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private GoldenSamples() {}

  /** The raw golden sample: {@code key}, {@code headers} and {@code value}. */
  public static ObjectNode json(String name) {
    try (InputStream in = GoldenSamples.class.getResourceAsStream("/golden/" + name + ".json")) {
      if (in == null) {
        throw new IllegalArgumentException("no golden sample " + name);
      }
      return (ObjectNode) MAPPER.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The golden sample as a record to send, to the given topic. */
  public static ProducerRecord<String, byte[]> producerRecord(String name, String topic) {
    return producerRecord(json(name), topic);
  }

  /**
   * A variant of a golden sample as a record to send; {@code edit} may change the value (for
   * example the version), and the {@code ce_entryversion} header follows the value.
   */
  public static ProducerRecord<String, byte[]> producerRecord(
      String name, String topic, Consumer<ObjectNode> edit) {
    ObjectNode sample = json(name);
    edit.accept((ObjectNode) sample.get("value"));
    ObjectNode headers = (ObjectNode) sample.get("headers");
    headers.put("ce_entryversion", sample.get("value").path("version").asText());
    JsonNode entryId = sample.get("value").get("entryId");
    if (entryId != null) {
      sample.put("key", entryId.asText());
      headers.put("ce_subject", entryId.asText());
    }
    return producerRecord(sample, topic);
  }

  /** The golden sample as a consumed record at the given position. */
  public static ConsumerRecord<String, byte[]> consumerRecord(
      String name, String topic, int partition, long offset) {
    ProducerRecord<String, byte[]> p = producerRecord(name, topic);
    return new ConsumerRecord<>(
        topic,
        partition,
        offset,
        0L,
        TimestampType.CREATE_TIME,
        -1,
        p.value().length,
        p.key(),
        p.value(),
        p.headers(),
        java.util.Optional.empty());
  }

  private static ProducerRecord<String, byte[]> producerRecord(ObjectNode sample, String topic) {
    RecordHeaders headers = new RecordHeaders();
    Iterator<Map.Entry<String, JsonNode>> it = sample.get("headers").fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> h = it.next();
      headers.add(h.getKey(), h.getValue().asText().getBytes(StandardCharsets.UTF_8));
    }
    byte[] value;
    try {
      value = MAPPER.writeValueAsBytes(sample.get("value"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new ProducerRecord<>(topic, null, sample.get("key").asText(), value, headers);
  }
}
