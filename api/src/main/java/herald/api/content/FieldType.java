package herald.api.content;

import java.util.Locale;
import java.util.Optional;

/** The kinds of value a field can hold. */
public enum FieldType {
  TEXT,
  RICHTEXT,
  NUMBER,
  BOOLEAN,
  DATE,
  DATETIME,
  URL,
  EMAIL,
  TAGS;

  public String id() {
    return name().toLowerCase(Locale.ROOT);
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
