package herald.indexer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import herald.events.ContentPublished;
import herald.events.FieldSchema;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The seed newsletter's items (a copy of the demo content in test resources) as the publish events
 * the api sends for them: version 1, published one day apart from 2025-11-20 on.
 */
public final class SeedEvents {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  public static final Instant FIRST_PUBLISHED = Instant.parse("2025-11-20T09:00:00Z");

  private SeedEvents() {}

  /** Every seed item, in the order of the seed file. */
  public static List<ContentPublished> all() {
    Map<String, List<FieldSchema>> schemas = new HashMap<>();
    for (JsonNode type : read("/seed/model.json")) {
      List<FieldSchema> fields = new ArrayList<>();
      type.get("fields")
          .forEach(
              f ->
                  fields.add(
                      new FieldSchema(
                          f.get("id").asText(),
                          f.get("type").asText(),
                          f.path("localized").asBoolean())));
      schemas.put(type.get("id").asText(), fields);
    }
    List<ContentPublished> out = new ArrayList<>();
    int i = 0;
    for (JsonNode entry : read("/seed/entries.json")) {
      ObjectNode fields = (ObjectNode) entry.get("fields");
      List<String> locales = new ArrayList<>();
      fields.get("title").fieldNames().forEachRemaining(locales::add);
      List<String> channels = new ArrayList<>();
      entry.get("channels").forEach(c -> channels.add(c.asText()));
      String title = fields.get("title").get("en").asText();
      out.add(
          new ContentPublished(
              UUID.nameUUIDFromBytes(title.getBytes(StandardCharsets.UTF_8)),
              1,
              entry.get("type").asText(),
              slug(title),
              locales,
              channels,
              schemas.get(entry.get("type").asText()),
              fields,
              FIRST_PUBLISHED.plusSeconds(86_400L * i++)));
    }
    return out;
  }

  /** The seed item whose English title starts with the text. */
  public static ContentPublished titled(String start) {
    return all().stream()
        .filter(e -> e.title("en").startsWith(start))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no seed item titled " + start));
  }

  private static String slug(String title) {
    String ascii =
        Normalizer.normalize(title, Normalizer.Form.NFD).replaceAll("\\p{M}", "").toLowerCase();
    return ascii.replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
  }

  private static JsonNode read(String resource) {
    try (InputStream in = SeedEvents.class.getResourceAsStream(resource)) {
      return MAPPER.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
