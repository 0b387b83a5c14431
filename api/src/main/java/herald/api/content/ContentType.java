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
public record ContentType(String id, String name, List<FieldDef> fields) {
  static final Pattern ID = Pattern.compile("[a-z][a-z0-9_-]{0,63}");
  static final Pattern FIELD_ID = Pattern.compile("[a-zA-Z][a-zA-Z0-9_]{0,63}");
  static final int MAX_FIELDS = 100;

  public ContentType {
    fields = List.copyOf(fields);
  }

  public Optional<FieldDef> field(String fieldId) {
    return fields.stream().filter(f -> f.id().equals(fieldId)).findFirst();
  }

  public List<FieldSchema> schema() {
    return fields.stream().map(f -> new FieldSchema(f.id(), f.type().id(), f.localized())).toList();
  }

  public JsonObject toJson() {
    JsonArray fs = new JsonArray();
    fields.forEach(f -> fs.add(f.toJson()));
    return new JsonObject().put("id", id).put("name", name).put("fields", fs);
  }

  /** Reads a stored type; trusts the stored JSON, which was validated on the way in. */
  static ContentType fromStored(String id, String name, JsonArray fields) {
    List<FieldDef> defs = new ArrayList<>();
    for (int i = 0; i < fields.size(); i++) {
      JsonObject f = fields.getJsonObject(i);
      defs.add(
          new FieldDef(
              f.getString("id"),
              FieldType.parse(f.getString("type")).orElseThrow(),
              f.getBoolean("required", false),
              f.getBoolean("localized", false)));
    }
    return new ContentType(id, name, defs);
  }

  /** Validates a type definition from a request: a 422 problem lists every error. */
  static ContentType fromRequest(JsonObject body) {
    JsonArray errors = new JsonArray();
    String id = body.getValue("id") instanceof String s ? s : null;
    if (id == null || !ID.matcher(id).matches()) {
      errors.add(
          ProblemException.fieldError(
              "id", "required: lower-case letters, digits, '-' or '_', starting with a letter"));
    }
    String name = body.getValue("name") instanceof String s ? s.strip() : null;
    if (name == null || name.isEmpty() || name.length() > 200) {
      errors.add(ProblemException.fieldError("name", "required, 1 to 200 characters"));
    }
    List<FieldDef> defs = new ArrayList<>();
    Object fieldsValue = body.getValue("fields");
    if (!(fieldsValue instanceof JsonArray fields) || fields.isEmpty()) {
      errors.add(ProblemException.fieldError("fields", "required: a non-empty array of fields"));
    } else if (fields.size() > MAX_FIELDS) {
      errors.add(ProblemException.fieldError("fields", "at most " + MAX_FIELDS + " fields"));
    } else {
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < fields.size(); i++) {
        String at = "fields[" + i + "]";
        if (!(fields.getValue(i) instanceof JsonObject f)) {
          errors.add(ProblemException.fieldError(at, "must be an object"));
          continue;
        }
        String fid = f.getValue("id") instanceof String s ? s : null;
        if (fid == null || !FIELD_ID.matcher(fid).matches()) {
          errors.add(
              ProblemException.fieldError(
                  at + ".id", "required: letters, digits or '_', starting with a letter"));
          continue;
        }
        if (!seen.add(fid)) {
          errors.add(ProblemException.fieldError(at + ".id", "duplicate field id '" + fid + "'"));
        }
        Optional<FieldType> type =
            f.getValue("type") instanceof String s ? FieldType.parse(s) : Optional.empty();
        if (type.isEmpty()) {
          errors.add(ProblemException.fieldError(at + ".type", "one of " + FieldType.names()));
        }
        Object req = f.getValue("required");
        Object loc = f.getValue("localized");
        if (req != null && !(req instanceof Boolean)) {
          errors.add(ProblemException.fieldError(at + ".required", "must be true or false"));
        }
        if (loc != null && !(loc instanceof Boolean)) {
          errors.add(ProblemException.fieldError(at + ".localized", "must be true or false"));
        }
        if (type.isPresent()) {
          defs.add(
              new FieldDef(fid, type.get(), Boolean.TRUE.equals(req), Boolean.TRUE.equals(loc)));
        }
      }
    }
    if (!errors.isEmpty()) {
      throw ProblemException.invalid("The content type definition is invalid.", errors);
    }
    return new ContentType(id, name, defs);
  }
}
