package herald.api.studio;

import herald.api.audit.AuditRepository;
import herald.api.auth.Role;
import io.vertx.core.Future;
import io.vertx.core.http.Cookie;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Single sign-on with OpenID Connect: {@code /studio/oidc/start} sends the browser to the provider
 * (authorization code flow with PKCE, a fresh state and nonce), {@code /studio/oidc/callback} takes
 * the code back. The state must be the one this browser's {@code herald_oidc} cookie holds and one
 * PostgreSQL still keeps (used once, ten minutes at most); the ID token must verify against the
 * provider's keys and carry the nonce. The user is the Studio user with the token's verified e-mail
 * address, or a new one with the configured default role ({@code HERALD_OIDC_DEFAULT_ROLE}; none:
 * only existing users may sign in this way).
 */
final class OidcRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(OidcRoutes.class);
  static final String COOKIE = "herald_oidc";
  static final String CALLBACK = "/studio/oidc/callback";
  static final Duration FLOW_TTL = Duration.ofMinutes(10);

  private static final String INSERT =
      "with gone as (delete from studio_oidc_flows where expires_at < now())"
          + " insert into studio_oidc_flows (state_hash, nonce, verifier, next, expires_at)"
          + " values ($1, $2, $3, $4, now() + make_interval(secs => $5))";
  private static final String CLAIM =
      "delete from studio_oidc_flows where state_hash = $1 and expires_at > now()"
          + " returning nonce, verifier, next";

  private final Pool pool;
  private final StudioWeb web;
  private final StudioSessions sessions;
  private final UserRepository users;
  private final AuditRepository audit;
  private final OidcProvider provider;
  private final String redirectUri;

  OidcRoutes(
      Pool pool,
      StudioWeb web,
      UserRepository users,
      AuditRepository audit,
      OidcProvider provider,
      String publicUrl) {
    this.pool = pool;
    this.web = web;
    this.sessions = web.sessions;
    this.users = users;
    this.audit = audit;
    this.provider = provider;
    this.redirectUri = publicUrl + CALLBACK;
  }

  void mount(Router r) {
    r.get("/oidc/start").handler(this::start);
    r.get("/oidc/callback").handler(this::callback);
  }

  private void start(RoutingContext ctx) {
    String next = StudioWeb.safeNext(ctx.queryParams().get("next"));
    String state = sessions.randomToken();
    String nonce = sessions.randomToken();
    // 43 characters of [A-Za-z0-9_-]: a PKCE verifier as RFC 7636 wants it (256 random bits).
    String verifier = sessions.randomToken();
    pool.preparedQuery(INSERT)
        .execute(Tuple.of(StudioSessions.hash(state), nonce, verifier, next, FLOW_TTL.toSeconds()))
        .compose(x -> provider.authorizationUrl(redirectUri, state, nonce, verifier))
        .onSuccess(
            url -> {
              // Lax: the provider's redirect back is a top-level GET from another site.
              ctx.response()
                  .addCookie(
                      sessions
                          .cookie(ctx, COOKIE, state)
                          .setPath(StudioSessions.PATH + "/oidc")
                          .setMaxAge(FLOW_TTL.toSeconds()))
                  .putHeader("Cache-Control", "no-store")
                  .putHeader("Location", url)
                  .setStatusCode(303)
                  .end();
            })
        .onFailure(e -> fail(ctx, e));
  }

  private void callback(RoutingContext ctx) {
    String state = ctx.queryParams().get("state");
    String code = ctx.queryParams().get("code");
    String error = ctx.queryParams().get("error");
    Cookie mine = ctx.request().getCookie(COOKIE);
    ctx.response()
        .addCookie(
            sessions.cookie(ctx, COOKIE, "").setPath(StudioSessions.PATH + "/oidc").setMaxAge(0));
    Page page = web.page(ctx, "oidc.title", null);
    if (state == null
        || state.length() > 100
        || mine == null
        || !StudioSessions.same(state, mine.getValue())) {
      // Not the sign-in this browser started (or it is over): nobody is signed in by it.
      web.error(ctx, 400, page, page.t().t("oidc.state"));
      return;
    }
    pool.preparedQuery(CLAIM)
        .execute(Tuple.of(StudioSessions.hash(state)))
        .onSuccess(
            rows -> {
              if (rows.size() == 0) {
                web.error(ctx, 400, page, page.t().t("oidc.state"));
                return;
              }
              var flow = rows.iterator().next();
              if (error != null || code == null || code.length() > 4096) {
                String why = error == null ? "no code" : error;
                web.error(
                    ctx,
                    401,
                    page,
                    page.t().f("oidc.refused", why.substring(0, Math.min(why.length(), 100))));
                return;
              }
              provider
                  .exchange(code, redirectUri, flow.getString("verifier"), flow.getString("nonce"))
                  .compose(this::user)
                  .onSuccess(
                      u -> {
                        if (u.isEmpty()) {
                          web.error(ctx, 403, page, page.t().t("oidc.noAccount"));
                          return;
                        }
                        signIn(ctx, u.get(), flow.getString("next"));
                      })
                  .onFailure(e -> fail(ctx, e));
            })
        .onFailure(ctx::fail);
  }

  /** The Studio user the verified identity names, made with the default role when allowed. */
  private Future<Optional<StudioUser>> user(OidcProvider.Identity id) {
    if (id.email() == null
        || !id.emailVerified()
        || !AccountRoutes.EMAIL.matcher(id.email()).matches()) {
      return Future.failedFuture(
          new OidcProvider.Refused("the ID token names no verified e-mail address"));
    }
    return users
        .byEmail(pool, id.email())
        .compose(
            found -> {
              if (found.isPresent()) {
                return Future.succeededFuture(found.filter(u -> !u.disabled()));
              }
              Optional<Role> role = provider.config().defaultRole();
              if (role.isEmpty()) {
                return Future.succeededFuture(Optional.<StudioUser>empty());
              }
              String name = id.name().length() > 200 ? id.name().substring(0, 200) : id.name();
              return pool.withTransaction(
                      conn ->
                          users
                              .insert(conn, UUID.randomUUID(), id.email(), name, role.get(), null)
                              .compose(
                                  u ->
                                      audit
                                          .append(
                                              conn,
                                              u.principal(),
                                              "user.create",
                                              "user",
                                              u.id().toString(),
                                              null,
                                              null,
                                              new JsonObject()
                                                  .put("via", "oidc")
                                                  .put("role", u.role().id()))
                                          .map(u)))
                  .map(Optional::of)
                  // Two first sign-ins at once: the other one made the user.
                  .recover(
                      e ->
                          e instanceof PgException pg && "23505".equals(pg.getSqlState())
                              ? users
                                  .byEmail(pool, id.email())
                                  .map(u -> u.filter(x -> !x.disabled()))
                              : Future.failedFuture(e));
            });
  }

  /** Opens the session (a new token: no fixation) and audits the sign-in. */
  private void signIn(RoutingContext ctx, StudioUser user, String next) {
    pool.withTransaction(
            conn ->
                sessions
                    .open(ctx, conn, user)
                    .compose(
                        s ->
                            audit.append(
                                conn,
                                user.principal(),
                                "user.signin",
                                "user",
                                user.id().toString(),
                                null,
                                null,
                                new JsonObject()
                                    .put("address", web.clientAddress(ctx))
                                    .put("via", "oidc"))))
        .onSuccess(x -> web.redirect(ctx, next))
        .onFailure(ctx::fail);
  }

  private void fail(RoutingContext ctx, Throwable e) {
    Page page = web.page(ctx, "oidc.title", null);
    if (e instanceof OidcProvider.Refused) {
      LOG.warn("single sign-on refused: {}", e.getMessage());
      web.error(ctx, 401, page, page.t().f("oidc.refused", e.getMessage()));
    } else {
      LOG.warn("single sign-on: the provider cannot be reached: {}", e.toString());
      web.error(ctx, 502, page, page.t().t("oidc.unreachable"));
    }
  }
}
