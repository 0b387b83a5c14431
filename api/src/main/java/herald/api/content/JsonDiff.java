package herald.api.content;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Objects;
import java.util.TreeSet;

/** The differences between two JSON values, as a list of changed paths. */
final class JsonDiff {
  private JsonDiff() {}

  /** Each change is {@code {"path", "op": added|removed|changed, "from"?, "to"?}}. */
  static JsonArray diff(Object from, Object to) {
    JsonArray out = new JsonArray();
    walk("", from, to, out);
    return out;
  }

  private static void walk(String path, Object a, Object b, JsonArray out) {
    if (a instanceof JsonObject ao && b instanceof JsonObject bo) {
      TreeSet<String> keys = new TreeSet<>(ao.fieldNames());
      keys.addAll(bo.fieldNames());
      for (String k : keys) {
        walk(path.isEmpty() ? k : path + "." + k, ao.getValue(k), bo.getValue(k), out);
      }
    } else if (a instanceof JsonArray aa && b instanceof JsonArray ba && aa.size() == ba.size()) {
      for (int i = 0; i < aa.size(); i++) {
        walk(path + "[" + i + "]", aa.getValue(i), ba.getValue(i), out);
      }
    } else if (!Objects.equals(a, b)) {
      JsonObject c = new JsonObject().put("path", path);
      if (a == null) {
        c.put("op", "added").put("to", b);
      } else if (b == null) {
        c.put("op", "removed").put("from", a);
      } else {
        c.put("op", "changed").put("from", a).put("to", b);
      }
      out.add(c);
    }
  }
}
