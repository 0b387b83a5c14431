package herald.api.content;

import io.vertx.core.json.JsonObject;

/** One field of a content type. */
public record FieldDef(String id, FieldType type, boolean required, boolean localized) {

  public JsonObject toJson() {
    return new JsonObject()
        .put("id", id)
        .put("type", type.id())
        .put("required", required)
        .put("localized", localized);
  }
}
