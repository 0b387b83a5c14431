package herald.api.content;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * An entry as stored: the editable draft and, when published, the snapshot that delivery serves
 * ({@code published}: slug, fields, channels, locales).
 */
public record Entry(
    UUID id,
    String type,
    String slug,
    String status,
    long version,
    JsonObject fields,
    JsonArray channels,
    JsonObject published,
    Long publishedVersion,
    OffsetDateTime publishedAt,
    OffsetDateTime firstPublishedAt,
    OffsetDateTime createdAt,
    OffsetDateTime updatedAt) {

  public static final String DRAFT = "draft";
  public static final String PUBLISHED = "published";

  /** The strong ETag of the entry's current state, for optimistic concurrency. */
  public String etag() {
    return "\"" + id + "-v" + version + "\"";
  }

  /** The management view: draft fields and the publication state. */
  public JsonObject toManagementJson() {
    return new JsonObject()
        .put("id", id.toString())
        .put("type", type)
        .put("slug", slug)
        .put("status", status)
        .put("version", version)
        .put("fields", fields)
        .put("channels", channels)
        .put(
            "publishedLocales",
            published == null
                ? new io.vertx.core.json.JsonArray()
                : published.getJsonArray("locales"))
        .put("publishedVersion", publishedVersion)
        .put("publishedAt", publishedAt == null ? null : publishedAt.toInstant().toString())
        .put(
            "firstPublishedAt",
            firstPublishedAt == null ? null : firstPublishedAt.toInstant().toString())
        .put("createdAt", createdAt.toInstant().toString())
        .put("updatedAt", updatedAt.toInstant().toString());
  }
}
