package herald.publisher.channel.newsletter;

import herald.events.ContentEvent;
import herald.events.ContentEventCodec;
import herald.events.ContentPublished;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The seed newsletter's items (the same JSON the all-in-one launcher publishes) as the events the
 * newsletter channel receives: the seed newsletter is one issue of these.
 */
final class SeedIssue {

  private SeedIssue() {}

  static List<ContentPublished> entries() {
    JsonArray model = new JsonArray(resource("seed-model.json"));
    JsonArray entries = new JsonArray(resource("seed-entries.json"));
    List<ContentPublished> out = new ArrayList<>();
    int i = 0;
    for (Object o : entries) {
      JsonObject e = (JsonObject) o;
      if (!e.getJsonArray("channels", new JsonArray()).contains("newsletter")) {
        continue; // people and organisations that items refer to
      }
      JsonObject type = null;
      for (Object t : model) {
        if (((JsonObject) t).getString("id").equals(e.getString("type"))) {
          type = (JsonObject) t;
        }
      }
      JsonArray schema = new JsonArray();
      for (Object f : type.getJsonArray("fields")) {
        JsonObject field = ((JsonObject) f).copy();
        field.put("localized", field.getBoolean("localized", false));
        schema.add(field);
      }
      JsonObject fields = e.getJsonObject("fields");
      JsonArray locales = new JsonArray();
      fields.getJsonObject("title").fieldNames().forEach(locales::add);
      String title = fields.getJsonObject("title").getString("en");
      JsonObject data =
          new JsonObject()
              .put(
                  "entryId",
                  UUID.nameUUIDFromBytes(title.getBytes(StandardCharsets.UTF_8)).toString())
              .put("version", 1)
              .put("type", e.getString("type"))
              .put("slug", slug(title))
              .put("locales", locales)
              .put("channels", e.getJsonArray("channels"))
              .put("schema", schema)
              .put("fields", fields)
              .put(
                  "publishedAt",
                  Instant.parse("2026-01-27T09:00:00Z").plusSeconds(60L * i++).toString());
      out.add(
          (ContentPublished)
              ContentEventCodec.fromData(ContentEvent.PUBLISHED, data.toBuffer().getBytes()));
    }
    return out;
  }

  private static String slug(String title) {
    return java.text.Normalizer.normalize(title, java.text.Normalizer.Form.NFD)
        .replaceAll("\\p{M}", "")
        .toLowerCase(java.util.Locale.ROOT)
        .replaceAll("[^a-z0-9]+", "-")
        .replaceAll("(^-|-$)", "");
  }

  private static String resource(String name) {
    try (InputStream in = SeedIssue.class.getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
