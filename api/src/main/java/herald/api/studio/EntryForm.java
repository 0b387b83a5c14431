package herald.api.studio;

import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The editor generated from a content type: each field of the type (as the api's {@code GET
 * /v1/manage/types/{id}} gives it) becomes inputs named by the path the api's validator uses in its
 * errors ({@code fields.title.en}, {@code fields.programme[0].start}), so a 422 lands at its input;
 * and a submitted form becomes the entry's {@code fields} again.
 */
public final class EntryForm {
  /** Most items a group may have in a form (the api allows 200 per list field). */
  static final int MAX_ITEMS = 200;

  private static final Pattern ITEM = Pattern.compile("\\[(\\d{1,3})]");

  /** One input place: a field's value in one locale (or its only value). */
  public record Cell(
      String locale,
      String name,
      String value,
      String local,
      String zone,
      String lat,
      String lon,
      String place,
      boolean checked,
      List<Ref> refs,
      String error) {

    /** The HTML id of the cell's (first) input. */
    public String id() {
      return htmlId(name);
    }
  }

  /** A referenced entry, with what to call it. */
  public record Ref(String id, String label) {}

  /** One field as the editor shows it. */
  public record Field(
      String id,
      String label,
      String kind,
      boolean required,
      boolean localized,
      List<String> values,
      List<String> referenceTypes,
      List<Cell> cells,
      List<List<Field>> items,
      List<Field> template,
      String error,
      String name) {

    /**
     * The id of the field's box: its path's id where no input has it (localized fields and groups,
     * so that an error about the whole field links there), else a distinct one.
     */
    public String htmlId() {
      return localized || kind.equals("group")
          ? EntryForm.htmlId(name)
          : "fld-" + EntryForm.htmlId(name);
    }

    public String referenceTypesCsv() {
      return String.join(",", referenceTypes);
    }

    public boolean many() {
      return kind.equals("references");
    }
  }

  private EntryForm() {}

  /**
   * The fields of a type with an entry's values (empty for a new entry), in the given locales.
   *
   * @param labels entry titles for the references shown, by id
   * @param errors the api's field errors, by path
   */
  public static List<Field> view(
      JsonObject type,
      JsonObject fields,
      List<String> locales,
      Map<String, String> labels,
      Map<String, String> errors) {
    List<Field> out = new ArrayList<>();
    for (Object o : type.getJsonArray("fields", new JsonArray())) {
      JsonObject def = (JsonObject) o;
      out.add(
          field(
              def,
              "fields." + def.getString("id"),
              fields.getValue(def.getString("id")),
              locales,
              labels,
              errors));
    }
    return out;
  }

  private static Field field(
      JsonObject def,
      String name,
      Object value,
      List<String> locales,
      Map<String, String> labels,
      Map<String, String> errors) {
    String kind = def.getString("type");
    boolean localized = def.getBoolean("localized", false);
    List<String> values = strings(def.getJsonArray("values"));
    List<String> refTypes = strings(def.getJsonArray("referenceTypes"));
    List<Cell> cells = new ArrayList<>();
    List<List<Field>> items = new ArrayList<>();
    List<Field> template = List.of();
    if (kind.equals("group")) {
      JsonArray subs = def.getJsonArray("fields", new JsonArray());
      JsonArray given = value instanceof JsonArray a ? a : new JsonArray();
      for (int i = 0; i < given.size() && i < MAX_ITEMS; i++) {
        JsonObject item = given.getValue(i) instanceof JsonObject io ? io : new JsonObject();
        List<Field> fs = new ArrayList<>();
        for (Object s : subs) {
          JsonObject sub = (JsonObject) s;
          String sid = sub.getString("id");
          fs.add(
              field(
                  sub.copy().put("localized", false),
                  name + "[" + i + "]." + sid,
                  item.getValue(sid),
                  locales,
                  labels,
                  errors));
        }
        items.add(fs);
      }
      List<Field> t = new ArrayList<>();
      for (Object s : subs) {
        JsonObject sub = (JsonObject) s;
        t.add(
            field(
                sub.copy().put("localized", false),
                name + "[__i__]." + sub.getString("id"),
                null,
                locales,
                labels,
                Map.of()));
      }
      template = t;
    } else if (localized) {
      JsonObject per = value instanceof JsonObject p ? p : new JsonObject();
      for (String l : locales) {
        cells.add(cell(kind, name + "." + l, l, per.getValue(l), labels, errors));
      }
    } else {
      cells.add(cell(kind, name, null, value, labels, errors));
    }
    String id = def.getString("id");
    return new Field(
        id,
        humanize(id),
        kind,
        def.getBoolean("required", false),
        localized,
        values,
        refTypes,
        cells,
        items,
        template,
        errors.get(name),
        name);
  }

  private static Cell cell(
      String kind,
      String name,
      String locale,
      Object v,
      Map<String, String> labels,
      Map<String, String> errors) {
    String value = "";
    String local = "";
    String zone = "";
    String lat = "";
    String lon = "";
    String place = "";
    boolean checked = false;
    List<Ref> refs = new ArrayList<>();
    switch (kind) {
      case "boolean" -> checked = Boolean.TRUE.equals(v);
      case "tags" -> value = v instanceof JsonArray a ? String.join(", ", strings(a)) : "";
      case "datetime" -> {
        if (v instanceof String s) {
          try {
            OffsetDateTime t = OffsetDateTime.parse(s);
            local = t.toLocalDateTime().toString();
            zone = t.getOffset().getId().equals("Z") ? "+00:00" : t.getOffset().getId();
          } catch (DateTimeParseException e) {
            local = s;
          }
        }
      }
      case "location" -> {
        if (v instanceof JsonObject o) {
          lat = o.getValue("lat") == null ? "" : String.valueOf(o.getValue("lat"));
          lon = o.getValue("lon") == null ? "" : String.valueOf(o.getValue("lon"));
          place = o.getString("name", "");
        }
      }
      case "reference" -> {
        if (v instanceof String s) {
          refs.add(new Ref(s, labels.getOrDefault(s, s)));
        }
      }
      case "references" -> {
        if (v instanceof JsonArray a) {
          for (String s : strings(a)) {
            refs.add(new Ref(s, labels.getOrDefault(s, s)));
          }
        }
      }
      default -> value = v == null ? "" : String.valueOf(v);
    }
    return new Cell(
        locale, name, value, local, zone, lat, lon, place, checked, refs, errors.get(name));
  }

  /**
   * The entry's fields from a submitted form: the shown locales of localized fields replace those
   * of {@code current}; every other locale of {@code current} is kept.
   */
  public static JsonObject read(
      JsonObject type, MultiMap form, List<String> locales, JsonObject current) {
    JsonObject out = new JsonObject();
    for (Object o : type.getJsonArray("fields", new JsonArray())) {
      JsonObject def = (JsonObject) o;
      String id = def.getString("id");
      String name = "fields." + id;
      if (def.getBoolean("localized", false) && !def.getString("type").equals("group")) {
        JsonObject per = current.getValue(id) instanceof JsonObject p ? p.copy() : new JsonObject();
        for (String l : locales) {
          Object v = value(def, name + "." + l, form);
          if (v == null) {
            per.remove(l);
          } else {
            per.put(l, v);
          }
        }
        if (!per.isEmpty()) {
          out.put(id, per);
        }
      } else {
        Object v = value(def, name, form);
        if (v != null) {
          out.put(id, v);
        }
      }
    }
    return out;
  }

  private static Object value(JsonObject def, String name, MultiMap form) {
    String kind = def.getString("type");
    switch (kind) {
      case "group" -> {
        TreeSet<Integer> indices = new TreeSet<>();
        String prefix = name + "[";
        for (String key : form.names()) {
          if (key.startsWith(prefix)) {
            Matcher m = ITEM.matcher(key.substring(name.length()));
            if (m.lookingAt()) {
              indices.add(Integer.parseInt(m.group(1)));
            }
          }
        }
        JsonArray items = new JsonArray();
        for (int i : indices) {
          if (items.size() >= MAX_ITEMS) {
            break;
          }
          JsonObject item = new JsonObject();
          for (Object s : def.getJsonArray("fields", new JsonArray())) {
            JsonObject sub = (JsonObject) s;
            Object v = value(sub, name + "[" + i + "]." + sub.getString("id"), form);
            if (v != null) {
              item.put(sub.getString("id"), v);
            }
          }
          if (!item.isEmpty()) {
            items.add(item);
          }
        }
        return items.isEmpty() ? null : items;
      }
      case "boolean" -> {
        if (form.get(name + ".present") == null && form.get(name) == null) {
          return null;
        }
        return form.get(name) != null;
      }
      case "number" -> {
        String s = text(form, name);
        if (s == null) {
          return null;
        }
        try {
          return s.contains(".") || s.contains("e") || s.contains("E")
              ? Double.parseDouble(s)
              : Long.parseLong(s);
        } catch (NumberFormatException e) {
          return s; // the api says what is wrong with it, at the field
        }
      }
      case "tags" -> {
        String s = text(form, name);
        if (s == null) {
          return null;
        }
        JsonArray a = new JsonArray();
        for (String t : s.split(",")) {
          if (!t.isBlank() && !a.contains(t.strip())) {
            a.add(t.strip());
          }
        }
        return a.isEmpty() ? null : a;
      }
      case "datetime" -> {
        String local = text(form, name + ".local");
        if (local == null) {
          return null;
        }
        String zone = text(form, name + ".zone");
        return dateTime(local, zone == null ? "UTC" : zone);
      }
      case "location" -> {
        String lat = text(form, name + ".lat");
        String lon = text(form, name + ".lon");
        String place = text(form, name + ".name");
        if (lat == null && lon == null && place == null) {
          return null;
        }
        JsonObject o = new JsonObject();
        o.put("lat", number(lat));
        o.put("lon", number(lon));
        if (place != null) {
          o.put("name", place);
        }
        return o;
      }
      case "reference" -> {
        return text(form, name);
      }
      case "references" -> {
        JsonArray a = new JsonArray();
        for (String s : form.getAll(name)) {
          if (!s.isBlank() && !a.contains(s.strip())) {
            a.add(s.strip());
          }
        }
        return a.isEmpty() ? null : a;
      }
      case "richtext" -> {
        String s = form.get(name);
        return s == null || s.isBlank() ? null : s.replace("\r\n", "\n");
      }
      default -> {
        return text(form, name);
      }
    }
  }

  /** A local date-time in a zone (IANA name such as Europe/Belgrade, or an offset) as RFC 3339. */
  static String dateTime(String local, String zone) {
    try {
      LocalDateTime t = LocalDateTime.parse(local);
      ZoneId z =
          zone.startsWith("+") || zone.startsWith("-") ? ZoneOffset.of(zone) : ZoneId.of(zone);
      return t.atZone(z).toOffsetDateTime().toString();
    } catch (RuntimeException e) {
      return local + " " + zone; // not a date-time: the api's 422 says so at the field
    }
  }

  private static Object number(String s) {
    if (s == null) {
      return null;
    }
    try {
      return Double.parseDouble(s);
    } catch (NumberFormatException e) {
      return s;
    }
  }

  private static String text(MultiMap form, String name) {
    String s = form.get(name);
    return s == null || s.isBlank() ? null : s.strip();
  }

  /** The api's field errors of a 422 problem, by path. */
  public static Map<String, String> errors(JsonObject problem) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Object o : problem.getJsonArray("errors", new JsonArray())) {
      if (o instanceof JsonObject e) {
        out.merge(e.getString("field", ""), e.getString("detail", ""), (a, b) -> a + "; " + b);
      }
    }
    return out;
  }

  /** "startsAt" → "Starts at", "registrationUrl" → "Registration URL". */
  static String humanize(String id) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (i == 0) {
        sb.append(Character.toUpperCase(c));
      } else if (Character.isUpperCase(c)) {
        sb.append(' ').append(Character.toLowerCase(c));
      } else {
        sb.append(c == '_' ? ' ' : c);
      }
    }
    return sb.toString().replace(" url", " URL").replace("Url", "URL");
  }

  /** The HTML id of the input for a field path (public for the templates). */
  public static String htmlIdOf(String name) {
    return htmlId(name);
  }

  static String htmlId(String name) {
    return "f-" + name.replaceAll("[^A-Za-z0-9_-]", "-");
  }

  private static List<String> strings(JsonArray a) {
    List<String> out = new ArrayList<>();
    if (a != null) {
      for (Object o : a) {
        if (o != null) {
          out.add(String.valueOf(o));
        }
      }
    }
    return out;
  }

  /**
   * The title of an entry for lists and pickers: its title or name in the first locale that has
   * one.
   */
  public static String title(JsonObject entry, List<String> locales) {
    JsonObject f = entry.getJsonObject("fields", new JsonObject());
    for (String key : new String[] {"title", "name", "headline", "subject"}) {
      Object v = f.getValue(key);
      if (v instanceof String s && !s.isBlank()) {
        return s;
      }
      if (v instanceof JsonObject per) {
        for (String l : locales) {
          if (per.getValue(l) instanceof String s && !s.isBlank()) {
            return s;
          }
        }
        for (Map.Entry<String, Object> e : per) {
          if (e.getValue() instanceof String s && !s.isBlank()) {
            return s;
          }
        }
      }
    }
    return entry.getString("slug", entry.getString("id", "")).toLowerCase(Locale.ROOT);
  }
}
