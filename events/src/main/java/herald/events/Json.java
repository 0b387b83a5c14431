package herald.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.ArrayList;
import java.util.List;

/** Small helpers for the explicit JSON of the wire contract. */
final class Json {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  static String requiredText(JsonNode n, String name) {
    JsonNode v = n.get(name);
    if (v == null || !v.isTextual() || v.asText().isEmpty()) {
      throw new MalformedEventException("missing or non-text field '" + name + "'");
    }
    return v.asText();
  }

  static long requiredLong(JsonNode n, String name) {
    JsonNode v = n.get(name);
    if (v == null || !v.canConvertToLong() || !v.isIntegralNumber()) {
      throw new MalformedEventException("missing or non-integer field '" + name + "'");
    }
    return v.asLong();
  }

  static List<String> textList(JsonNode n, String name) {
    JsonNode v = n.get(name);
    if (v == null || !v.isArray()) {
      throw new MalformedEventException("missing or non-array field '" + name + "'");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode e : v) {
      if (!e.isTextual()) {
        throw new MalformedEventException("non-text element in '" + name + "'");
      }
      out.add(e.asText());
    }
    return out;
  }

  static ArrayNode array(List<String> values) {
    ArrayNode a = MAPPER.createArrayNode();
    values.forEach(a::add);
    return a;
  }
}
