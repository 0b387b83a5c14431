package herald.api.studio;

/**
 * A row of the content model's field editor: a field's own settings, and its other settings
 * (lengths, patterns, a group's fields) kept as JSON so that saving leaves them as they were;
 * {@code remove} when the admin chose to remove it.
 */
public record FieldRow(
    String id,
    String type,
    boolean required,
    boolean localized,
    String values,
    String referenceTypes,
    String extra,
    boolean existing,
    boolean remove) {}
