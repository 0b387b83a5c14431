package herald.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * An entry was published: carries the full published snapshot, all locales, and the type's field
 * schema.
 *
 * <p>{@code fields} maps field id to a value; a localized field's value is an object of locale to
 * value.
 */
public record ContentPublished(
    UUID entryId,
    long version,
    String contentType,
    String slug,
    List<String> locales,
    List<String> channels,
    List<FieldSchema> schema,
    ObjectNode fields,
    Instant occurredAt)
    implements ContentEvent {

  public ContentPublished {
    locales = List.copyOf(locales);
    channels = List.copyOf(channels);
    schema = List.copyOf(schema);
    fields = fields.deepCopy();
  }

  @Override
  public String eventType() {
    return PUBLISHED;
  }

  /** The field's value in the given locale, or its plain value when the field is not localized. */
  public Optional<JsonNode> value(String fieldId, String locale) {
    JsonNode v = fields.get(fieldId);
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (isLocalized(fieldId)) {
      JsonNode inLocale = v.get(locale);
      return inLocale == null || inLocale.isNull() ? Optional.empty() : Optional.of(inLocale);
    }
    return Optional.of(v);
  }

  /** The field's text in the locale, or empty when it has none. */
  public Optional<String> text(String fieldId, String locale) {
    return value(fieldId, locale).filter(JsonNode::isValueNode).map(JsonNode::asText);
  }

  /** Whether the type declares the field as localized. */
  public boolean isLocalized(String fieldId) {
    return schema.stream().anyMatch(f -> f.id().equals(fieldId) && f.localized());
  }

  /**
   * A human title for the locale: the {@code title} field, else the first text field with a value,
   * else the slug.
   */
  public String title(String locale) {
    return text("title", locale)
        .or(
            () ->
                schema.stream()
                    .filter(f -> f.type().equals("text"))
                    .map(f -> text(f.id(), locale))
                    .flatMap(Optional::stream)
                    .findFirst())
        .orElse(slug);
  }
}
