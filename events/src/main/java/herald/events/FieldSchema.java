package herald.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * One field of a content type as carried in events, so that consumers never call back.
 *
 * <p>Field types and their JSON values: {@code text}, {@code richtext} (CommonMark source), {@code
 * enum}, {@code url}, {@code email}, {@code media} (asset URL) — strings; {@code number}; {@code
 * boolean}; {@code date} ({@code YYYY-MM-DD}); {@code datetime} (RFC 3339 with offset); {@code
 * tags} (array of strings); {@code location} ({@code {"lat", "lon", "name"?}}); {@code reference}
 * (an entry id); {@code references} (array of entry ids); {@code group} (array of objects keyed by
 * the ids of {@link #fields()}, e.g. an event programme). A localized field's value is an object of
 * locale to such a value.
 *
 * @param fields sub-fields of a {@code group}; empty otherwise
 * @param referenceTypes content types a {@code reference(s)} field may point to; empty = any
 */
public record FieldSchema(
    String id,
    String type,
    boolean localized,
    List<FieldSchema> fields,
    List<String> referenceTypes) {

  public FieldSchema {
    fields = List.copyOf(fields);
    referenceTypes = List.copyOf(referenceTypes);
  }

  public FieldSchema(String id, String type, boolean localized) {
    this(id, type, localized, List.of(), List.of());
  }

  ObjectNode toJson() {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("id", id);
    n.put("type", type);
    n.put("localized", localized);
    if (!fields.isEmpty()) {
      ArrayNode a = n.putArray("fields");
      fields.forEach(f -> a.add(f.toJson()));
    }
    if (!referenceTypes.isEmpty()) {
      n.set("referenceTypes", Json.array(referenceTypes));
    }
    return n;
  }

  static FieldSchema fromJson(JsonNode n) {
    List<FieldSchema> sub = new ArrayList<>();
    JsonNode fs = n.get("fields");
    if (fs != null && fs.isArray()) {
      fs.forEach(f -> sub.add(fromJson(f)));
    }
    List<String> refs = n.has("referenceTypes") ? Json.textList(n, "referenceTypes") : List.of();
    return new FieldSchema(
        Json.requiredText(n, "id"),
        Json.requiredText(n, "type"),
        n.path("localized").asBoolean(),
        sub,
        refs);
  }
}
