package herald.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** One field of a content type as carried in events, so that consumers never call back. */
public record FieldSchema(String id, String type, boolean localized) {

  ObjectNode toJson() {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("id", id);
    n.put("type", type);
    n.put("localized", localized);
    return n;
  }

  static FieldSchema fromJson(JsonNode n) {
    return new FieldSchema(
        Json.requiredText(n, "id"), Json.requiredText(n, "type"), n.path("localized").asBoolean());
  }
}
