package herald.api.content;

import herald.api.http.ProblemException;
import herald.events.FieldSchema;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** A content type: the shape of its entries. */
public record ContentType(String id, String name, List<FieldDef> fields, long version) {
  static final Pattern ID = Pattern.compile("[a-z][a-z0-9_-]{0,63}");
  static final Pattern FIELD_ID = Pattern.compile("[a-zA-Z][a-zA-Z0-9_]{0,63}");
  static final int MAX_FIELDS = 100;
  static final int MAX_PATTERN = 500;

  public ContentType {
    fields = List.copyOf(fields);
  }

  public Optional<FieldDef> field(String fieldId) {
    return fields.stream().filter(f -> f.id().equals(fieldId)).findFirst();
  }

  public List<FieldSchema> schema() {
    return fields.stream().map(FieldDef::schema).toList();
  }

  public JsonObject toJson() {
    JsonArray fs = new JsonArray();
    fields.forEach(f -> fs.add(f.toJson()));
    return new JsonObject()
        .put("id", id)
        .put("name", name)
        .put("version", version)
        .put("fields", fs);
  }

  /** Reads a stored type; stored JSON was validated on the way in. */
  static ContentType fromStored(String id, String name, JsonArray fields, long version) {
    JsonArray errors = new JsonArray();
    List<FieldDef> defs = parseFields(fields, "fields", errors, false);
    if (!errors.isEmpty()) {
      throw new IllegalStateException("stored type " + id + " is invalid: " + errors.encode());
    }
    return new ContentType(id, name, defs, version);
  }

  /** Validates a type definition from a request: a 422 problem lists every error. */
  static ContentType fromRequest(JsonObject body, String pathId) {
    JsonArray errors = new JsonArray();
    String id = body.getValue("id") instanceof String s ? s : pathId;
    if (id == null || !ID.matcher(id).matches()) {
      errors.add(
          ProblemException.fieldError(
              "id", "required: lower-case letters, digits, '-' or '_', starting with a letter"));
    } else if (pathId != null && !pathId.equals(id)) {
      errors.add(ProblemException.fieldError("id", "must match the path: " + pathId));
    }
    String name = body.getValue("name") instanceof String s ? s.strip() : null;
    if (name == null || name.isEmpty() || name.length() > 200) {
      errors.add(ProblemException.fieldError("name", "required, 1 to 200 characters"));
    }
    List<FieldDef> defs = List.of();
    Object fieldsValue = body.getValue("fields");
    if (!(fieldsValue instanceof JsonArray fields) || fields.isEmpty()) {
      errors.add(ProblemException.fieldError("fields", "required: a non-empty array of fields"));
    } else {
      defs = parseFields(fields, "fields", errors, false);
    }
    if (!errors.isEmpty()) {
      throw ProblemException.invalid("The content type definition is invalid.", errors);
    }
    return new ContentType(id, name, defs, 1);
  }

  private static List<FieldDef> parseFields(
      JsonArray fields, String at, JsonArray errors, boolean inGroup) {
    List<FieldDef> defs = new ArrayList<>();
    if (fields.size() > MAX_FIELDS) {
      errors.add(ProblemException.fieldError(at, "at most " + MAX_FIELDS + " fields"));
      return defs;
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < fields.size(); i++) {
      String fat = at + "[" + i + "]";
      if (!(fields.getValue(i) instanceof JsonObject f)) {
        errors.add(ProblemException.fieldError(fat, "must be an object"));
        continue;
      }
      FieldDef d = parseField(f, fat, errors, inGroup);
      if (d != null && !seen.add(d.id())) {
        errors.add(ProblemException.fieldError(fat + ".id", "duplicate field id '" + d.id() + "'"));
      } else if (d != null) {
        defs.add(d);
      }
    }
    return defs;
  }

  private static FieldDef parseField(JsonObject f, String at, JsonArray errors, boolean inGroup) {
    int before = errors.size();
    String fid = f.getValue("id") instanceof String s ? s : null;
    if (fid == null || !FIELD_ID.matcher(fid).matches()) {
      errors.add(
          ProblemException.fieldError(
              at + ".id", "required: letters, digits or '_', starting with a letter"));
      return null;
    }
    Optional<FieldType> parsed =
        f.getValue("type") instanceof String s ? FieldType.parse(s) : Optional.empty();
    if (parsed.isEmpty()) {
      errors.add(ProblemException.fieldError(at + ".type", "one of " + FieldType.names()));
      return null;
    }
    FieldType type = parsed.get();
    boolean required = bool(f, "required", at, errors);
    boolean localized = bool(f, "localized", at, errors);
    if (inGroup && localized) {
      errors.add(
          ProblemException.fieldError(
              at + ".localized", "fields inside a group cannot be localized; localize the group"));
    }
    Integer minLength = nonNegativeInt(f, "minLength", at, errors);
    Integer maxLength = nonNegativeInt(f, "maxLength", at, errors);
    if (minLength != null && maxLength != null && minLength > maxLength) {
      errors.add(ProblemException.fieldError(at + ".minLength", "must not exceed maxLength"));
    }
    Double min = number(f, "min", at, errors);
    Double max = number(f, "max", at, errors);
    if (min != null && max != null && min > max) {
      errors.add(ProblemException.fieldError(at + ".min", "must not exceed max"));
    }
    String pattern = null;
    if (f.getValue("pattern") != null) {
      if (!(f.getValue("pattern") instanceof String p) || p.length() > MAX_PATTERN) {
        errors.add(
            ProblemException.fieldError(
                at + ".pattern", "a regular expression of at most " + MAX_PATTERN + " characters"));
      } else if (type != FieldType.TEXT) {
        errors.add(ProblemException.fieldError(at + ".pattern", "only text fields take a pattern"));
      } else {
        try {
          // RE2 syntax: matching takes time linear in the text (no backreferences, no
          // lookaround), so no pattern can stall the api on a crafted value.
          com.google.re2j.Pattern.compile(p);
          pattern = p;
        } catch (com.google.re2j.PatternSyntaxException e) {
          errors.add(
              ProblemException.fieldError(
                  at + ".pattern",
                  "invalid or unsupported (RE2 syntax, no backreferences or lookaround): "
                      + e.getDescription()));
        }
      }
    }
    List<String> values = strings(f, "values", at, errors);
    if (type == FieldType.ENUM && values.isEmpty()) {
      errors.add(ProblemException.fieldError(at + ".values", "an enum needs its allowed values"));
    } else if (type != FieldType.ENUM && !values.isEmpty()) {
      errors.add(ProblemException.fieldError(at + ".values", "only enum fields take values"));
    }
    List<String> referenceTypes = strings(f, "referenceTypes", at, errors);
    if (!type.references() && !referenceTypes.isEmpty()) {
      errors.add(
          ProblemException.fieldError(
              at + ".referenceTypes", "only reference fields take referenceTypes"));
    }
    List<FieldDef> sub = List.of();
    if (type == FieldType.GROUP) {
      if (inGroup) {
        errors.add(ProblemException.fieldError(at + ".type", "groups cannot be nested"));
      } else if (!(f.getValue("fields") instanceof JsonArray subFields) || subFields.isEmpty()) {
        errors.add(ProblemException.fieldError(at + ".fields", "a group needs its fields"));
      } else {
        sub = parseFields(subFields, at + ".fields", errors, true);
      }
    } else if (f.getValue("fields") != null) {
      errors.add(ProblemException.fieldError(at + ".fields", "only group fields take fields"));
    }
    if (errors.size() > before) {
      return null;
    }
    return new FieldDef(
        fid,
        type,
        required,
        localized,
        minLength,
        maxLength,
        min,
        max,
        pattern,
        values,
        referenceTypes,
        sub);
  }

  private static boolean bool(JsonObject f, String name, String at, JsonArray errors) {
    Object v = f.getValue(name);
    if (v != null && !(v instanceof Boolean)) {
      errors.add(ProblemException.fieldError(at + "." + name, "must be true or false"));
      return false;
    }
    return Boolean.TRUE.equals(v);
  }

  private static Integer nonNegativeInt(JsonObject f, String name, String at, JsonArray errors) {
    Object v = f.getValue(name);
    if (v == null) {
      return null;
    }
    if (v instanceof Number n
        && n.doubleValue() == Math.rint(n.doubleValue())
        && n.intValue() >= 0) {
      return n.intValue();
    }
    errors.add(ProblemException.fieldError(at + "." + name, "a whole number, 0 or more"));
    return null;
  }

  private static Double number(JsonObject f, String name, String at, JsonArray errors) {
    Object v = f.getValue(name);
    if (v == null) {
      return null;
    }
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    errors.add(ProblemException.fieldError(at + "." + name, "a number"));
    return null;
  }

  private static List<String> strings(JsonObject f, String name, String at, JsonArray errors) {
    Object v = f.getValue(name);
    if (v == null) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    if (v instanceof JsonArray a) {
      for (Object o : a) {
        if (o instanceof String s && !s.isBlank() && s.length() <= 200) {
          out.add(s);
        } else {
          errors.add(ProblemException.fieldError(at + "." + name, "an array of non-blank strings"));
          return List.of();
        }
      }
      return out;
    }
    errors.add(ProblemException.fieldError(at + "." + name, "an array of strings"));
    return List.of();
  }
}
