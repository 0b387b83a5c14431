package herald.api.studio;

import herald.api.auth.Principal;
import herald.api.auth.Role;
import java.time.OffsetDateTime;
import java.util.UUID;

/** Someone who signs in to Studio, with one of the roles keys have (author, editor, admin). */
public record StudioUser(
    UUID id,
    String email,
    String name,
    Role role,
    String passwordHash,
    OffsetDateTime createdAt,
    OffsetDateTime disabledAt) {

  /** The roles a Studio user can have. */
  public static final java.util.List<Role> ROLES =
      java.util.List.of(Role.AUTHOR, Role.EDITOR, Role.ADMIN);

  /** The principal the api's role checks and audit log see for this user. */
  public Principal principal() {
    return new Principal("user:" + id, name + " <" + email + ">", role);
  }

  /** Whether the user's role includes {@code needed}: the same check as for API keys. */
  public boolean can(Role needed) {
    return role.grants(needed);
  }

  public boolean isAdmin() {
    return role == Role.ADMIN;
  }

  public boolean disabled() {
    return disabledAt != null;
  }

  public String roleId() {
    return role.id();
  }
}
