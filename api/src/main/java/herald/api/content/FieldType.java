package herald.api.content;

import java.util.Locale;
import java.util.Optional;

/** The kinds of value a field can hold; see {@code herald.events.FieldSchema} for their JSON. */
public enum FieldType {
  TEXT,
  RICHTEXT,
  NUMBER,
  BOOLEAN,
  DATE,
  DATETIME,
  URL,
  EMAIL,
  ENUM,
  TAGS,
  LOCATION,
  REFERENCE,
  REFERENCES,
  MEDIA,
  GROUP;

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Whether lists can be sorted by a field of this type. */
  public boolean sortable() {
    return switch (this) {
      case TEXT, NUMBER, BOOLEAN, DATE, DATETIME, URL, EMAIL, ENUM -> true;
      default -> false;
    };
  }

  /** Whether values of this type can reference entries. */
  public boolean references() {
    return this == REFERENCE || this == REFERENCES;
  }

  public static Optional<FieldType> parse(String s) {
    for (FieldType t : values()) {
      if (t.id().equals(s)) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }

  /** Names of all types, for error messages. */
  public static String names() {
    StringBuilder sb = new StringBuilder();
    for (FieldType t : values()) {
      sb.append(sb.length() == 0 ? "" : ", ").append(t.id());
    }
    return sb.toString();
  }
}
