package herald.api.content;

import herald.events.FieldSchema;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * One field of a content type, with its validations.
 *
 * @param minLength for text and rich text: fewest characters; for tags, references and groups:
 *     fewest items
 * @param maxLength the most characters or items
 * @param min for numbers: the smallest value
 * @param max for numbers: the largest value
 * @param pattern for text: a regular expression the whole value must match
 * @param values for enums: the allowed values
 * @param referenceTypes for references: the content types they may point to (empty = any)
 * @param fields for groups: the fields of each item
 */
public record FieldDef(
    String id,
    FieldType type,
    boolean required,
    boolean localized,
    Integer minLength,
    Integer maxLength,
    Double min,
    Double max,
    String pattern,
    List<String> values,
    List<String> referenceTypes,
    List<FieldDef> fields) {

  public FieldDef {
    values = List.copyOf(values);
    referenceTypes = List.copyOf(referenceTypes);
    fields = List.copyOf(fields);
  }

  /** A field without validations beyond its type. */
  public static FieldDef of(String id, FieldType type, boolean required, boolean localized) {
    return new FieldDef(
        id, type, required, localized, null, null, null, null, null, List.of(), List.of(),
        List.of());
  }

  public FieldSchema schema() {
    return new FieldSchema(
        id, type.id(), localized, fields.stream().map(FieldDef::schema).toList(), referenceTypes);
  }

  public JsonObject toJson() {
    JsonObject o =
        new JsonObject()
            .put("id", id)
            .put("type", type.id())
            .put("required", required)
            .put("localized", localized);
    if (minLength != null) {
      o.put("minLength", minLength);
    }
    if (maxLength != null) {
      o.put("maxLength", maxLength);
    }
    if (min != null) {
      o.put("min", min);
    }
    if (max != null) {
      o.put("max", max);
    }
    if (pattern != null) {
      o.put("pattern", pattern);
    }
    if (!values.isEmpty()) {
      o.put("values", new JsonArray(values));
    }
    if (!referenceTypes.isEmpty()) {
      o.put("referenceTypes", new JsonArray(referenceTypes));
    }
    if (!fields.isEmpty()) {
      JsonArray a = new JsonArray();
      fields.forEach(f -> a.add(f.toJson()));
      o.put("fields", a);
    }
    return o;
  }

  /** Whether changing this field into {@code other} changes what stored values mean. */
  boolean incompatibleWith(FieldDef other) {
    return type != other.type
        || localized != other.localized
        || type == FieldType.GROUP && !fields.equals(other.fields);
  }
}
