package herald.api.content;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * How an entry looks to front-ends: its published snapshot (or, for preview, its draft), localized
 * fields resolved to one locale through a fallback chain when a locale is asked for, rich text as
 * source, HTML and text, and optionally only some fields.
 */
public final class EntryView {
  private final Function<String, List<String>> fallbacks;

  /**
   * @param fallbacks the locales to try, in order, for a requested locale (the locale itself first)
   */
  public EntryView(Function<String, List<String>> fallbacks) {
    this.fallbacks = fallbacks;
  }

  /** The content of an entry as one of the two sources shows it. */
  public record Content(
      Entry entry, JsonObject fields, List<String> locales, List<FieldDef> schema, boolean draft) {}

  /** The published snapshot, or null when the entry is not published. */
  public static Content published(Entry e) {
    JsonObject snap = e.published();
    if (snap == null) {
      return null;
    }
    JsonArray schema = snap.getJsonArray("schema");
    List<FieldDef> defs =
        schema == null ? List.of() : ContentType.fromStored(e.type(), e.type(), schema, 0).fields();
    JsonObject rendered = snap.getJsonObject("rendered");
    return new Content(
        e,
        rendered != null ? rendered : snap.getJsonObject("fields"),
        EntryService.strings(snap.getJsonArray("locales")),
        defs,
        false);
  }

  /** The latest draft, for preview. */
  public static Content draft(Entry e, ContentType type, List<String> locales) {
    return new Content(e, e.fields(), locales, type.fields(), true);
  }

  /**
   * Renders the content.
   *
   * @param locale null for all locales as stored
   * @param select field ids to keep, or null for all
   * @param refs collects the ids of entries the shown fields reference
   */
  public JsonObject render(Content c, String locale, Set<String> select, Collection<UUID> refs) {
    Entry e = c.entry();
    JsonObject out =
        new JsonObject()
            .put("id", e.id().toString())
            .put("type", e.type())
            .put("slug", c.draft() ? e.slug() : c.entry().published().getString("slug"))
            .put("version", c.draft() ? e.version() : e.publishedVersion())
            .put("locales", new JsonArray(c.locales()));
    if (c.draft()) {
      out.put("status", e.status()).put("updatedAt", e.updatedAt().toInstant().toString());
    } else {
      out.put("publishedAt", e.publishedAt().toInstant().toString())
          .put(
              "firstPublishedAt",
              e.firstPublishedAt() == null ? null : e.firstPublishedAt().toInstant().toString());
    }
    if (locale != null) {
      out.put("locale", locale);
    }
    List<String> chain = locale == null ? List.of() : fallbacks.apply(locale);
    JsonObject fields = new JsonObject();
    for (FieldDef def : c.schema()) {
      Object v = c.fields().getValue(def.id());
      if (v == null || select != null && !select.contains(def.id())) {
        continue;
      }
      if (def.localized() && v instanceof JsonObject perLocale) {
        if (locale == null) {
          JsonObject all = new JsonObject();
          perLocale.forEach(le -> all.put(le.getKey(), value(def, le.getValue(), refs)));
          fields.put(def.id(), all);
        } else {
          for (String l : chain) {
            if (perLocale.getValue(l) != null) {
              fields.put(def.id(), value(def, perLocale.getValue(l), refs));
              break;
            }
          }
        }
      } else {
        fields.put(def.id(), value(def, v, refs));
      }
    }
    return out.put("fields", fields);
  }

  /**
   * The fields with every rich text value (also localized, also inside groups) replaced by its
   * rendering {@code {markdown, html, text}}; done once when publishing.
   */
  static JsonObject renderRichText(List<FieldDef> schema, JsonObject fields) {
    JsonObject out = new JsonObject();
    for (FieldDef def : schema) {
      Object v = fields.getValue(def.id());
      if (v == null) {
        continue;
      }
      if (def.localized() && v instanceof JsonObject perLocale) {
        JsonObject all = new JsonObject();
        perLocale.forEach(le -> all.put(le.getKey(), renderValue(def, le.getValue())));
        out.put(def.id(), all);
      } else {
        out.put(def.id(), renderValue(def, v));
      }
    }
    return out;
  }

  private static Object renderValue(FieldDef def, Object v) {
    if (def.type() == FieldType.RICHTEXT && v instanceof String s) {
      return RichText.render(s);
    }
    if (def.type() == FieldType.GROUP && v instanceof JsonArray items) {
      JsonArray out = new JsonArray();
      for (Object o : items) {
        out.add(o instanceof JsonObject item ? renderRichText(def.fields(), item) : o);
      }
      return out;
    }
    return v;
  }

  private static Object value(FieldDef def, Object v, Collection<UUID> refs) {
    switch (def.type()) {
      case RICHTEXT -> {
        // Published snapshots hold it rendered already; drafts (preview) are rendered here.
        return v instanceof String s ? RichText.render(s) : v;
      }
      case REFERENCE -> {
        addRef(v, refs);
        return v;
      }
      case REFERENCES -> {
        if (v instanceof JsonArray a) {
          a.forEach(x -> addRef(x, refs));
        }
        return v;
      }
      case GROUP -> {
        if (!(v instanceof JsonArray items)) {
          return v;
        }
        JsonArray out = new JsonArray();
        for (Object o : items) {
          if (!(o instanceof JsonObject item)) {
            continue;
          }
          JsonObject rendered = new JsonObject();
          for (FieldDef sub : def.fields()) {
            Object sv = item.getValue(sub.id());
            if (sv != null) {
              rendered.put(sub.id(), value(sub, sv, refs));
            }
          }
          out.add(rendered);
        }
        return out;
      }
      default -> {
        return v;
      }
    }
  }

  private static void addRef(Object v, Collection<UUID> refs) {
    if (v instanceof String s) {
      try {
        UUID id = UUID.fromString(s);
        if (!refs.contains(id)) {
          refs.add(id);
        }
      } catch (IllegalArgumentException e) {
        // stored references are validated; ignore anything else
      }
    }
  }
}
