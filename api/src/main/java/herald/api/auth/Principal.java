package herald.api.auth;

/** Who is calling: the key that authenticated the request. */
public record Principal(String keyId, String name, Role role) {
  /** The routing-context key under which the authenticated principal is stored. */
  public static final String CONTEXT_KEY = "herald.principal";
}
