package herald.api.content;

import herald.api.http.ProblemException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** Publishing and withdrawing some of an entry's locales while the others stay as published. */
final class LocaleMerge {
  private LocaleMerge() {}

  /**
   * The published fields with the given locales taken from the draft, the others kept; a locale the
   * draft has no content in is a 422.
   */
  static JsonObject publishLocales(
      ContentType type, Entry current, EntryValidator.Valid valid, List<String> locales) {
    for (String l : locales) {
      if (!valid.locales().contains(l)) {
        throw ProblemException.invalid(
            "The draft has no content in locale '" + l + "'.",
            new JsonArray()
                .add(
                    ProblemException.fieldError(
                        "locales",
                        "'" + l + "' is not among the draft's locales " + valid.locales())));
      }
    }
    JsonObject draft = valid.fields();
    JsonObject base =
        current.published() == null
            ? new JsonObject()
            : current.published().getJsonObject("fields").copy();
    JsonObject out = new JsonObject();
    for (FieldDef f : type.fields()) {
      if (!f.localized()) {
        if (draft.getValue(f.id()) != null) {
          out.put(f.id(), draft.getValue(f.id()));
        }
        continue;
      }
      JsonObject merged =
          base.getValue(f.id()) instanceof JsonObject m ? m.copy() : new JsonObject();
      JsonObject fromDraft = draft.getValue(f.id()) instanceof JsonObject m ? m : new JsonObject();
      for (String l : locales) {
        merged.remove(l);
        if (fromDraft.getValue(l) != null) {
          merged.put(l, fromDraft.getValue(l));
        }
      }
      if (!merged.isEmpty()) {
        out.put(f.id(), merged);
      }
    }
    return out;
  }

  /** The published fields without the given locales (a field left with none is dropped). */
  static JsonObject withoutLocales(ContentType type, JsonObject published, List<String> locales) {
    JsonObject fields = published.copy();
    for (FieldDef f : type.fields()) {
      if (f.localized() && fields.getValue(f.id()) instanceof JsonObject m) {
        locales.forEach(m::remove);
        if (m.isEmpty()) {
          fields.remove(f.id());
        }
      }
    }
    return fields;
  }
}
