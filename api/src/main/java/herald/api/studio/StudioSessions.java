package herald.api.studio;

import herald.api.auth.ApiKeys;
import herald.api.auth.Principal;
import io.vertx.core.Future;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlClient;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

/**
 * Studio sessions: a random token in an {@code HttpOnly}, {@code SameSite=Lax} cookie ({@code
 * Secure} behind TLS), its SHA-256 hash and a CSRF token in PostgreSQL. A session is only ever made
 * by a successful sign-in, with a new token, so a token planted before sign-in is worth nothing.
 * The same token is accepted by the REST API as a bearer credential ({@link ApiKeys}), which is how
 * Studio calls the api with the user's own role.
 */
public final class StudioSessions implements ApiKeys.SessionCredentials {
  static final String COOKIE = "herald_session";
  static final String PRE_COOKIE = "herald_csrf";
  static final String LANG_COOKIE = "herald_lang";
  static final String CONTEXT_KEY = "herald.studio.session";
  static final String PATH = "/studio";

  /**
   * A signed-in request: the user, the session's CSRF token, its cookie token and the browser's
   * address (for the api's wrong-key throttling; null until the request's is known).
   */
  public record Session(StudioUser user, String csrf, String token, String client) {
    Session(StudioUser user, String csrf, String token) {
      this(user, csrf, token, null);
    }

    /** The same session, seen from the browser at {@code address}. */
    Session from(String address) {
      return new Session(user, csrf, token, address);
    }
  }

  /** Header with which Studio proves that a request to this api is its own (see relay()). */
  static final String RELAY_HEADER = "X-Herald-Studio-Relay";

  /** Header naming the browser's address on a request Studio makes for it. */
  static final String CLIENT_HEADER = "X-Herald-Studio-Client";

  private final SecureRandom random = new SecureRandom();
  private final Pool pool;
  private final SessionRepository repo;
  private final StudioConfig config;

  /**
   * A secret only this process knows, made at start and never stored or configured: Studio sends it
   * with its own calls to the api (over loopback), so that the api may take the browser's address
   * from them. Nobody outside the process can name an address this way.
   */
  private final String relaySecret;

  StudioSessions(Pool pool, SessionRepository repo, StudioConfig config) {
    this.pool = pool;
    this.repo = repo;
    this.config = config;
    this.relaySecret = randomToken();
  }

  /** The secret Studio's own calls to the api carry in {@link #RELAY_HEADER}. */
  String relaySecret() {
    return relaySecret;
  }

  /**
   * The browser's address of a call Studio made for it: only from a loopback connection carrying
   * this process's relay secret, so a client elsewhere cannot shift the api's throttling onto
   * someone else's address.
   */
  @Override
  public Optional<String> relayedClient(RoutingContext ctx) {
    String client = ctx.request().getHeader(CLIENT_HEADER);
    if (client == null
        || client.isEmpty()
        || client.length() > 100
        || ctx.request().remoteAddress() == null
        || !same(ctx.request().getHeader(RELAY_HEADER), relaySecret)) {
      return Optional.empty();
    }
    String from = ctx.request().remoteAddress().hostAddress();
    boolean loopback =
        from != null
            && (from.startsWith("127.") || from.equals("::1") || from.equals("0:0:0:0:0:0:0:1"));
    return loopback ? Optional.of(client) : Optional.empty();
  }

  /** The session of a cookie token, if it is live. */
  Future<Optional<Session>> find(String token) {
    if (token == null || !token.startsWith(ApiKeys.SESSION_PREFIX) || token.length() > 100) {
      return Future.succeededFuture(Optional.empty());
    }
    byte[] hash = hash(token);
    return repo.find(pool, hash)
        .compose(
            found -> {
              if (found.isEmpty()) {
                return Future.succeededFuture(Optional.<Session>empty());
              }
              Session s = new Session(found.get().user(), found.get().csrf(), token);
              if (!found.get().stale()) {
                return Future.succeededFuture(Optional.of(s));
              }
              return repo.touch(pool, hash, config.sessionIdle(), config.sessionMax())
                  .map(x -> Optional.of(s));
            });
  }

  @Override
  public Future<Optional<Principal>> principal(String token) {
    return find(token).map(s -> s.map(x -> x.user().principal()));
  }

  /** Opens a new session for the user and sets its cookie; ends the one the request came with. */
  Future<Session> open(RoutingContext ctx, SqlClient db, StudioUser user) {
    String token = ApiKeys.SESSION_PREFIX + randomToken();
    String csrf = randomToken();
    Cookie old = ctx.request().getCookie(COOKIE);
    Future<Void> drop =
        old == null ? Future.succeededFuture() : repo.delete(db, hash(old.getValue()));
    return drop.compose(x -> repo.insert(db, hash(token), user.id(), csrf, config.sessionIdle()))
        .map(
            x -> {
              ctx.response()
                  .addCookie(cookie(ctx, COOKIE, token).setMaxAge(config.sessionMax().toSeconds()));
              return new Session(user, csrf, token);
            });
  }

  /** Ends this session and clears its cookie. */
  Future<Void> close(RoutingContext ctx) {
    Cookie c = ctx.request().getCookie(COOKIE);
    ctx.response().addCookie(cookie(ctx, COOKIE, "").setMaxAge(0));
    return c == null ? Future.succeededFuture() : repo.delete(pool, hash(c.getValue()));
  }

  /** Ends every session of the user. */
  Future<Integer> closeAll(SqlClient db, java.util.UUID userId) {
    return repo.deleteUser(db, userId);
  }

  /** The pre-session CSRF token for anonymous forms (sign-in, set-up, reset), made when missing. */
  String preSessionToken(RoutingContext ctx) {
    Cookie c = ctx.request().getCookie(PRE_COOKIE);
    if (c != null && c.getValue().length() >= 32 && c.getValue().length() <= 64) {
      return c.getValue();
    }
    String t = randomToken();
    ctx.response().addCookie(cookie(ctx, PRE_COOKIE, t).setSameSite(CookieSameSite.STRICT));
    return t;
  }

  /** A Studio cookie: HttpOnly, SameSite=Lax, Path=/studio, Secure behind TLS. */
  Cookie cookie(RoutingContext ctx, String name, String value) {
    return Cookie.cookie(name, value)
        .setPath(PATH)
        .setHttpOnly(true)
        .setSameSite(CookieSameSite.LAX)
        .setSecure(secure(ctx));
  }

  /** Whether cookies get the Secure flag: behind TLS, or as configured. */
  boolean secure(RoutingContext ctx) {
    return switch (config.secureCookies()) {
      case "true" -> true;
      case "false" -> false;
      default ->
          ctx.request().isSSL()
              || "https".equalsIgnoreCase(ctx.request().getHeader("X-Forwarded-Proto"))
              || config.publicUrl().startsWith("https:");
    };
  }

  String randomToken() {
    byte[] raw = new byte[32];
    random.nextBytes(raw);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
  }

  static byte[] hash(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always present", e);
    }
  }

  /** Constant-time comparison of two tokens; false when either is missing. */
  static boolean same(String a, String b) {
    return a != null
        && b != null
        && MessageDigest.isEqual(
            a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }
}
