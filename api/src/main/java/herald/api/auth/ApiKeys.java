package herald.api.auth;

import herald.api.http.ProblemException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;

/**
 * API keys: random 256-bit secrets, stored as SHA-256 hashes, checked on every request so that a
 * revocation takes effect at once.
 */
public final class ApiKeys {
  /** Prefix of every secret, so that a leaked key is recognisable in logs and scanners. */
  public static final String SECRET_PREFIX = "hk_";

  /** Prefix of Studio session tokens, which the api accepts as bearer credentials too. */
  public static final String SESSION_PREFIX = "hs_";

  /** Looks up the signed-in user behind a Studio session token. */
  public interface SessionCredentials {
    Future<Optional<Principal>> principal(String token);

    /**
     * The address of the browser behind a request that Studio makes to this api on a signed-in
     * user's behalf, when the request proves it comes from Studio in this process; otherwise empty.
     * Wrong credentials are counted against that address, not against loopback, which all Studio
     * users share.
     */
    default Optional<String> relayedClient(RoutingContext ctx) {
      return Optional.empty();
    }
  }

  private static final Principal ENV_ADMIN = new Principal("env", "HERALD_ADMIN_KEY", Role.ADMIN);
  private final SecureRandom random = new SecureRandom();
  private final Pool pool;
  private final ApiKeyRepository repo;
  private final Optional<byte[]> adminKeyHash;
  private final SessionCredentials sessions;

  /**
   * Wrong keys per client address: a burst, then some a minute (HERALD_WRONG_KEYS_BURST, _PER_MIN);
   * beyond that a request with any key from that address is a 429 until there is room, so keys
   * can't be guessed at speed. NOTE: behind a proxy every client shares the proxy's address.
   */
  private final herald.api.sync.RateLimiter wrongKeys;

  /** Wrong keys an address may send at once, by default. */
  public static final int DEFAULT_WRONG_KEYS_BURST = 20;

  /** Wrong keys an address may send a minute once its burst is used, by default. */
  public static final double DEFAULT_WRONG_KEYS_PER_MIN = 10;

  public ApiKeys(Pool pool, ApiKeyRepository repo, Optional<String> adminKey) {
    this(pool, repo, adminKey, null);
  }

  /**
   * @param sessions Studio's sessions, so that a signed-in user's requests pass the same role
   *     checks as a key's (null: keys only)
   */
  public ApiKeys(
      Pool pool, ApiKeyRepository repo, Optional<String> adminKey, SessionCredentials sessions) {
    this(pool, repo, adminKey, sessions, DEFAULT_WRONG_KEYS_BURST, DEFAULT_WRONG_KEYS_PER_MIN);
  }

  /**
   * @param wrongKeysBurst wrong keys a client address may send at once
   * @param wrongKeysPerMinute and then per minute, before its keyed requests get 429
   */
  public ApiKeys(
      Pool pool,
      ApiKeyRepository repo,
      Optional<String> adminKey,
      SessionCredentials sessions,
      int wrongKeysBurst,
      double wrongKeysPerMinute) {
    this.pool = pool;
    this.repo = repo;
    this.adminKeyHash = adminKey.map(ApiKeys::hash);
    this.sessions = sessions;
    this.wrongKeys = new herald.api.sync.RateLimiter(wrongKeysPerMinute / 60, wrongKeysBurst);
  }

  /** Creates a key and returns its JSON, which shows the secret this once only. */
  public Future<JsonObject> create(
      io.vertx.sqlclient.SqlClient db, String name, Role role, OffsetDateTime expiresAt) {
    byte[] raw = new byte[32];
    random.nextBytes(raw);
    String secret = SECRET_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    UUID id = UUID.randomUUID();
    return repo.insert(db, id, name, role, hash(secret), expiresAt)
        .map(
            created ->
                new JsonObject()
                    .put("id", id.toString())
                    .put("name", name)
                    .put("role", role.id())
                    .put("secret", secret)
                    .put("createdAt", created.toInstant().toString())
                    .put("expiresAt", expiresAt == null ? null : expiresAt.toInstant().toString()));
  }

  /** Every key, without secrets. */
  public Future<io.vertx.core.json.JsonArray> list(io.vertx.sqlclient.SqlClient db) {
    return repo.list(db);
  }

  public Future<Boolean> revoke(io.vertx.sqlclient.SqlClient db, UUID id) {
    return repo.revoke(db, id);
  }

  /** The principal of a secret, or empty when no active key has it. */
  public Future<Optional<Principal>> authenticate(String secret) {
    if (sessions != null && secret.startsWith(SESSION_PREFIX)) {
      return sessions.principal(secret);
    }
    byte[] h = hash(secret);
    if (adminKeyHash.isPresent() && MessageDigest.isEqual(adminKeyHash.get(), h)) {
      return Future.succeededFuture(Optional.of(ENV_ADMIN));
    }
    return repo.findActive(pool, h);
  }

  /** A handler that lets the request through only with a key granting {@code needed}. */
  public Handler<RoutingContext> require(Role needed) {
    return ctx -> {
      Optional<String> secret = bearer(ctx);
      if (secret.isEmpty()) {
        ctx.response().putHeader("WWW-Authenticate", "Bearer");
        ctx.fail(
            ProblemException.unauthorized("Send an API key as 'Authorization: Bearer <key>'."));
        return;
      }
      String client = clientAddress(ctx);
      long wait = wrongKeys.waitFor(client);
      if (wait > 0) {
        long seconds = Math.max(1, (wait + 999_999_999L) / 1_000_000_000L);
        ctx.response().putHeader("Retry-After", Long.toString(seconds));
        ctx.fail(
            new herald.api.http.ProblemException(
                herald.api.http.Problem.of(
                    429,
                    "too-many-wrong-keys",
                    "Too many wrong keys",
                    "Too many requests from this address came with a wrong key; try again in "
                        + seconds
                        + " s.")));
        return;
      }
      authenticate(secret.get())
          .onSuccess(
              p -> {
                if (p.isEmpty()) {
                  wrongKeys.take(client);
                  ctx.response().putHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
                  ctx.fail(
                      ProblemException.unauthorized("The API key is unknown, expired or revoked."));
                } else if (!p.get().role().grants(needed)) {
                  ctx.fail(
                      ProblemException.forbidden(
                          "A key with role '"
                              + p.get().role().id()
                              + "' may not do this; it needs role '"
                              + needed.id()
                              + "' or higher."));
                } else {
                  ctx.put(Principal.CONTEXT_KEY, p.get());
                  ctx.next();
                }
              })
          .onFailure(ctx::fail);
    };
  }

  /**
   * A handler for published content (the delivery API and everything else under {@code
   * /v1/entries}): public unless {@code publicDelivery} is false (HERALD_PUBLIC_DELIVERY), then it
   * needs a key granting {@link Role#DELIVERY}; a key sent anyway is checked.
   */
  public Handler<RoutingContext> deliveryAccess(boolean publicDelivery) {
    Handler<RoutingContext> withKey = require(Role.DELIVERY);
    return ctx -> {
      if (publicDelivery && ctx.request().getHeader("Authorization") == null) {
        ctx.next();
      } else {
        withKey.handle(ctx);
      }
    };
  }

  /**
   * The address wrong keys are counted against: the connection's, or for Studio's own calls the
   * browser's that Studio relays (see {@link SessionCredentials#relayedClient}).
   */
  String clientAddress(RoutingContext ctx) {
    if (sessions != null) {
      Optional<String> relayed = sessions.relayedClient(ctx);
      if (relayed.isPresent()) {
        return relayed.get();
      }
    }
    return ctx.request().remoteAddress() == null
        ? "unknown"
        : ctx.request().remoteAddress().hostAddress();
  }

  private static Optional<String> bearer(RoutingContext ctx) {
    String h = ctx.request().getHeader("Authorization");
    if (h == null || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Optional.empty();
    }
    String s = h.substring(7).trim();
    return s.isEmpty() ? Optional.empty() : Optional.of(s);
  }

  static byte[] hash(String secret) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always present", e);
    }
  }
}
