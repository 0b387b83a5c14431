package herald.api.auth;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/** What a key may do; higher roles include the lower ones of their line. */
public enum Role {
  DELIVERY,
  PREVIEW,
  PARTNER,
  AUTHOR,
  EDITOR,
  ADMIN;

  /** Whether a key with this role may do what {@code needed} allows. */
  public boolean grants(Role needed) {
    return included().contains(needed);
  }

  private Set<Role> included() {
    return switch (this) {
      case DELIVERY -> EnumSet.of(DELIVERY);
      case PREVIEW -> EnumSet.of(PREVIEW, DELIVERY);
      case PARTNER -> EnumSet.of(PARTNER, DELIVERY);
      case AUTHOR -> EnumSet.of(AUTHOR, PREVIEW, DELIVERY);
      case EDITOR -> EnumSet.of(EDITOR, AUTHOR, PREVIEW, DELIVERY);
      case ADMIN -> EnumSet.allOf(Role.class);
    };
  }

  /** The lower-case name used in the API. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<Role> parse(String s) {
    for (Role r : values()) {
      if (r.id().equals(s)) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }
}
