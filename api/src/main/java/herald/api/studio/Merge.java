package herald.api.studio;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Comparing versions of an entry field by field (per locale for localized fields): the side-by-side
 * diff, and the three-way merge after a conflicting save (412), where the version both sides
 * started from decides which side changed a field.
 */
public final class Merge {
  /** One row of a side-by-side comparison. */
  public record Row(String field, String before, String after, boolean changed) {}

  /**
   * A field both sides changed differently: the editor picks one. {@code key} names the form field
   * that carries the choice.
   */
  public record Choice(String key, String label, String theirs, String mine) {}

  private Merge() {}

  /** Every field (and locale) of two versions, with whether it changed. */
  public static List<Row> sideBySide(JsonObject from, JsonObject to) {
    List<Row> rows = new ArrayList<>();
    rows.add(row("slug", from.getValue("slug"), to.getValue("slug")));
    JsonObject a = from.getJsonObject("fields", new JsonObject());
    JsonObject b = to.getJsonObject("fields", new JsonObject());
    for (String path : paths(a, b)) {
      rows.add(row(path, at(a, path), at(b, path)));
    }
    rows.add(row("channels", from.getValue("channels"), to.getValue("channels")));
    return rows;
  }

  /** The fields both sides changed, each differently, since {@code base}. */
  public static List<Choice> choices(
      JsonObject type, JsonObject base, JsonObject theirs, JsonObject mine, List<String> shown) {
    List<Choice> out = new ArrayList<>();
    for (String path : paths(theirs, mine)) {
      Object b = at(base, path);
      Object t = at(theirs, path);
      Object m = at(mine, path);
      if (!Objects.equals(t, m) && !Objects.equals(t, b) && !Objects.equals(m, b)) {
        out.add(new Choice(path, path, show(t), show(m)));
      }
    }
    return out;
  }

  /** Both sides' changes where only one side changed a field; theirs where both did. */
  public static JsonObject auto(
      JsonObject type, JsonObject base, JsonObject theirs, JsonObject mine) {
    JsonObject out = theirs.copy();
    for (String path : paths(theirs, mine)) {
      Object b = at(base, path);
      Object m = at(mine, path);
      if (!Objects.equals(m, b) && Objects.equals(at(theirs, path), b)) {
        put(out, path, m);
      }
    }
    return out;
  }

  /** Applies the editor's picks (path → "mine") to the automatic merge. */
  public static JsonObject resolve(JsonObject merged, JsonObject mine, Set<String> takeMine) {
    JsonObject out = merged.copy();
    for (String path : takeMine) {
      put(out, path, at(mine, path));
    }
    return out;
  }

  /** Field paths: {@code title.en} for localized values, {@code startsAt} otherwise. */
  static Set<String> paths(JsonObject a, JsonObject b) {
    Set<String> out = new LinkedHashSet<>();
    for (JsonObject o : List.of(a, b)) {
      for (String k : o.fieldNames()) {
        Object v = o.getValue(k);
        if (v instanceof JsonObject per && looksLocalized(per)) {
          per.fieldNames().forEach(l -> out.add(k + "." + l));
        } else {
          out.add(k);
        }
      }
    }
    return out;
  }

  /** A localized value is an object of locale tags (location values have lat/lon instead). */
  private static boolean looksLocalized(JsonObject o) {
    return !o.isEmpty()
        && o.fieldNames().stream().allMatch(k -> k.matches("[a-z]{2,3}(-[A-Za-z]{2,4})?"))
        && !o.containsKey("lat");
  }

  static Object at(JsonObject o, String path) {
    int dot = path.indexOf('.');
    if (dot < 0) {
      return o.getValue(path);
    }
    Object v = o.getValue(path.substring(0, dot));
    return v instanceof JsonObject per ? per.getValue(path.substring(dot + 1)) : null;
  }

  static void put(JsonObject o, String path, Object value) {
    int dot = path.indexOf('.');
    if (dot < 0) {
      if (value == null) {
        o.remove(path);
      } else {
        o.put(path, value);
      }
      return;
    }
    String field = path.substring(0, dot);
    JsonObject per = o.getValue(field) instanceof JsonObject p ? p : new JsonObject();
    if (value == null) {
      per.remove(path.substring(dot + 1));
    } else {
      per.put(path.substring(dot + 1), value);
    }
    if (per.isEmpty()) {
      o.remove(field);
    } else {
      o.put(field, per);
    }
  }

  private static Row row(String field, Object a, Object b) {
    return new Row(field, show(a), show(b), !Objects.equals(a, b));
  }

  static String show(Object v) {
    if (v == null) {
      return "";
    }
    if (v instanceof JsonArray || v instanceof JsonObject) {
      return v instanceof JsonArray a ? a.encodePrettily() : ((JsonObject) v).encodePrettily();
    }
    return String.valueOf(v);
  }
}
