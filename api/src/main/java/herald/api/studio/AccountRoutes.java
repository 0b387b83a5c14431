package herald.api.studio;

import herald.api.audit.AuditRepository;
import herald.api.auth.Principal;
import herald.api.auth.Role;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signing in and out, the first admin's set-up, accepting an invitation, resetting a forgotten
 * password, one's own account, and the interface language.
 */
final class AccountRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(AccountRoutes.class);
  static final Pattern EMAIL = Pattern.compile("[^@\\s]{1,64}@[^@\\s]{1,255}");
  private static final int MAX_NAME = 200;

  private final Vertx vertx;
  private final Pool pool;
  private final StudioWeb web;
  private final StudioSessions sessions;
  private final UserRepository users;
  private final TokenRepository tokens;
  private final SignInThrottle throttle;
  private final Passwords passwords;
  private final StudioMail mail;
  private final AuditRepository audit;
  private final StudioConfig config;

  AccountRoutes(
      Vertx vertx,
      Pool pool,
      StudioWeb web,
      UserRepository users,
      TokenRepository tokens,
      SignInThrottle throttle,
      Passwords passwords,
      StudioMail mail,
      AuditRepository audit,
      StudioConfig config) {
    this.vertx = vertx;
    this.pool = pool;
    this.web = web;
    this.sessions = web.sessions;
    this.users = users;
    this.tokens = tokens;
    this.throttle = throttle;
    this.passwords = passwords;
    this.mail = mail;
    this.audit = audit;
    this.config = config;
  }

  void mount(Router r) {
    r.get("/signin").handler(this::signInPage);
    r.post("/signin").handler(this::signIn);
    r.post("/signout").handler(web.require(Role.AUTHOR)).handler(this::signOut);
    r.post("/signout-everywhere")
        .handler(web.require(Role.AUTHOR))
        .handler(this::signOutEverywhere);
    r.get("/setup").handler(this::setupPage);
    r.post("/setup").handler(this::setup);
    r.get("/invitation").handler(this::invitationPage);
    r.post("/invitation").handler(this::acceptInvitation);
    r.get("/forgot").handler(this::forgotPage);
    r.post("/forgot").handler(this::forgot);
    r.get("/reset").handler(this::resetPage);
    r.post("/reset").handler(this::reset);
    r.get("/account").handler(web.require(Role.AUTHOR)).handler(this::accountPage);
    r.post("/account/password").handler(web.require(Role.AUTHOR)).handler(this::changePassword);
    r.get("/lang/:lang").handler(this::language);
  }

  // --- signing in and out ---

  private void signInPage(RoutingContext ctx) {
    if (StudioWeb.session(ctx).isPresent()) {
      web.redirect(ctx, StudioWeb.safeNext(ctx.queryParams().get("next")));
      return;
    }
    Page page = web.page(ctx, "signin.title", null);
    page.keep("next", StudioWeb.safeNext(ctx.queryParams().get("next")));
    signInForm(ctx, 200, page);
  }

  private void signInForm(RoutingContext ctx, int status, Page page) {
    web.render(
        ctx,
        status,
        "signin",
        page,
        Map.of("oidc", config.oidc().map(StudioConfig.Oidc::label).orElse("")));
  }

  private void signIn(RoutingContext ctx) {
    String email = StudioWeb.form(ctx, "email");
    String password = ctx.request().getFormAttribute("password");
    String next = StudioWeb.safeNext(StudioWeb.form(ctx, "next"));
    Page page = web.page(ctx, "signin.title", null).keep("email", email).keep("next", next);
    if (email == null
        || password == null
        || email.length() > 320
        || password.length() > Passwords.MAX_LENGTH) {
      page.alert(page.t().t("signin.failed"));
      signInForm(ctx, 400, page);
      return;
    }
    String bySubject = "email:" + email.toLowerCase(Locale.ROOT);
    String byAddress = "ip:" + web.clientAddress(ctx);
    throttle
        .waitSeconds(bySubject, config.signInLimit())
        .compose(
            w ->
                w > 0
                    ? Future.succeededFuture(w)
                    : throttle.waitSeconds(byAddress, config.signInLimitPerAddress()))
        .onSuccess(
            wait -> {
              if (wait > 0) {
                ctx.response().putHeader("Retry-After", Long.toString(wait));
                page.alert(page.t().f("signin.throttled", (wait + 59) / 60));
                signInForm(ctx, 429, page);
                return;
              }
              users
                  .byEmail(pool, email)
                  .compose(
                      u ->
                          vertx
                              .executeBlocking(
                                  () ->
                                      passwords.verify(
                                          password,
                                          u.filter(x -> !x.disabled())
                                              .map(StudioUser::passwordHash)
                                              .orElse(null)),
                                  false)
                              .map(ok -> ok ? u : Optional.<StudioUser>empty()))
                  .onSuccess(
                      u -> {
                        if (u.isEmpty()) {
                          throttle
                              .fail(bySubject, byAddress)
                              .onComplete(
                                  x -> {
                                    page.alert(page.t().t("signin.failed"));
                                    signInForm(ctx, 401, page);
                                  });
                          return;
                        }
                        signedIn(ctx, u.get(), next, password);
                      })
                  .onFailure(ctx::fail);
            })
        .onFailure(ctx::fail);
  }

  /** Opens the session (a new token: no fixation), forgets failures, upgrades an old hash. */
  private void signedIn(RoutingContext ctx, StudioUser user, String next, String password) {
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
                                new JsonObject().put("address", web.clientAddress(ctx)))))
        .compose(x -> throttle.clear("email:" + user.email().toLowerCase(Locale.ROOT)))
        .onSuccess(
            x -> {
              if (password != null && passwords.needsRehash(user.passwordHash())) {
                vertx
                    .executeBlocking(() -> passwords.hash(password), false)
                    .compose(h -> users.setPassword(pool, user.id(), h))
                    .onFailure(t -> LOG.warn("could not upgrade the password hash", t));
              }
              web.redirect(ctx, next);
            })
        .onFailure(ctx::fail);
  }

  private void signOut(RoutingContext ctx) {
    sessions.close(ctx).onSuccess(x -> web.redirect(ctx, "/studio/signin")).onFailure(ctx::fail);
  }

  private void signOutEverywhere(RoutingContext ctx) {
    StudioUser user = StudioWeb.user(ctx);
    pool.withTransaction(
            conn ->
                sessions
                    .closeAll(conn, user.id())
                    .compose(
                        n ->
                            audit.append(
                                conn,
                                user.principal(),
                                "user.signout-everywhere",
                                "user",
                                user.id().toString(),
                                null,
                                null,
                                new JsonObject().put("sessions", n))))
        .onSuccess(
            x -> {
              ctx.response()
                  .addCookie(sessions.cookie(ctx, StudioSessions.COOKIE, "").setMaxAge(0));
              web.redirect(ctx, "/studio/signin");
            })
        .onFailure(ctx::fail);
  }

  // --- the first admin ---

  private void setupPage(RoutingContext ctx) {
    String token = ctx.queryParams().get("token");
    tokenOf(token, "setup")
        .onSuccess(
            t -> {
              if (t.isEmpty()) {
                Page page = web.page(ctx, "setup.title", null);
                web.error(ctx, 404, page, page.t().t("link.invalid"));
                return;
              }
              Page page = web.page(ctx, "setup.title", null).keep("token", token);
              web.render(ctx, 200, "setup", page);
            })
        .onFailure(ctx::fail);
  }

  private void setup(RoutingContext ctx) {
    String token = StudioWeb.form(ctx, "token");
    String email = StudioWeb.form(ctx, "email");
    String name = StudioWeb.form(ctx, "name");
    String password = ctx.request().getFormAttribute("password");
    Page page =
        web.page(ctx, "setup.title", null)
            .keep("token", token)
            .keep("email", email)
            .keep("name", name);
    if (!checkAccount(page, email, name, password)) {
      web.render(ctx, 422, "setup", page);
      return;
    }
    byte[] hash = token == null ? new byte[0] : StudioSessions.hash(token);
    vertx
        .executeBlocking(() -> passwords.hash(password), false)
        .compose(
            pw ->
                pool.withTransaction(
                    conn ->
                        users
                            .lockFirstAdmin(conn)
                            .compose(x -> users.any(conn))
                            .compose(
                                any ->
                                    any
                                        ? Future.succeededFuture(
                                            Optional.<TokenRepository.Token>empty())
                                        : tokens.claim(conn, hash, "setup"))
                            .compose(
                                t -> {
                                  if (t.isEmpty()) {
                                    return Future.succeededFuture(Optional.<StudioUser>empty());
                                  }
                                  return users
                                      .insert(conn, UUID.randomUUID(), email, name, Role.ADMIN, pw)
                                      .compose(
                                          u ->
                                              tokens
                                                  .useAll(conn, "setup")
                                                  .compose(
                                                      x -> created(conn, u, "user.setup", null))
                                                  .compose(x -> sessions.open(ctx, conn, u))
                                                  .map(x -> Optional.of(u)));
                                })))
        .onSuccess(
            u -> {
              if (u.isEmpty()) {
                web.error(ctx, 410, page, page.t().t("link.invalid"));
              } else {
                LOG.info("Studio's first admin {} was created", u.get().email());
                web.redirect(ctx, "/studio/");
              }
            })
        .onFailure(ctx::fail);
  }

  // --- invitations ---

  private void invitationPage(RoutingContext ctx) {
    String token = ctx.queryParams().get("token");
    tokenOf(token, "invite")
        .onSuccess(
            t -> {
              Page page = web.page(ctx, "invitation.title", null);
              if (t.isEmpty()) {
                web.error(ctx, 404, page, page.t().t("link.invalid"));
                return;
              }
              page.keep("token", token).keep("email", t.get().email());
              web.render(ctx, 200, "invitation", page);
            })
        .onFailure(ctx::fail);
  }

  private void acceptInvitation(RoutingContext ctx) {
    String token = StudioWeb.form(ctx, "token");
    String name = StudioWeb.form(ctx, "name");
    String password = ctx.request().getFormAttribute("password");
    byte[] hash = token == null ? new byte[0] : StudioSessions.hash(token);
    Page page = web.page(ctx, "invitation.title", null).keep("token", token).keep("name", name);
    tokenOf(token, "invite")
        .onSuccess(
            peek -> {
              if (peek.isEmpty()) {
                web.error(ctx, 410, page, page.t().t("link.invalid"));
                return;
              }
              String email = peek.get().email();
              page.keep("email", email);
              if (!checkAccount(page, email, name, password)) {
                web.render(ctx, 422, "invitation", page);
                return;
              }
              vertx
                  .executeBlocking(() -> passwords.hash(password), false)
                  .compose(
                      pw ->
                          pool.withTransaction(
                              conn ->
                                  tokens
                                      .claim(conn, hash, "invite")
                                      .compose(
                                          t -> {
                                            if (t.isEmpty()) {
                                              return Future.succeededFuture(
                                                  Optional.<StudioUser>empty());
                                            }
                                            Role role = Role.parse(t.get().role()).orElseThrow();
                                            return users
                                                .insert(
                                                    conn, UUID.randomUUID(), email, name, role, pw)
                                                .compose(
                                                    u ->
                                                        tokens
                                                            .use(conn, hash)
                                                            .compose(
                                                                x ->
                                                                    created(
                                                                        conn, u, "user.join", null))
                                                            .compose(
                                                                x -> sessions.open(ctx, conn, u))
                                                            .map(x -> Optional.of(u)));
                                          })))
                  .onSuccess(
                      u -> {
                        if (u.isEmpty()) {
                          web.error(ctx, 410, page, page.t().t("link.invalid"));
                        } else {
                          web.redirect(ctx, "/studio/");
                        }
                      })
                  .onFailure(
                      t -> {
                        if (isUniqueViolation(t)) {
                          page.fieldError("email", "account.emailTaken");
                          web.render(ctx, 409, "invitation", page);
                        } else {
                          ctx.fail(t);
                        }
                      });
            })
        .onFailure(ctx::fail);
  }

  // --- forgotten passwords ---

  private void forgotPage(RoutingContext ctx) {
    web.render(ctx, 200, "forgot", web.page(ctx, "forgot.title", null));
  }

  private void forgot(RoutingContext ctx) {
    String email = StudioWeb.form(ctx, "email");
    Page page = web.page(ctx, "forgot.title", null).keep("email", email);
    if (email == null || !EMAIL.matcher(email).matches()) {
      page.fieldError("email", "account.emailInvalid");
      web.render(ctx, 422, "forgot", page);
      return;
    }
    String subject = "reset:" + email.toLowerCase(Locale.ROOT);
    Labels t = page.t();
    // The same answer whether or not the address has an account, so it tells nobody who does.
    throttle
        .waitSeconds(subject, 3)
        .compose(
            wait ->
                wait > 0
                    ? Future.succeededFuture()
                    : throttle
                        .fail(subject)
                        .compose(x -> users.byEmail(pool, email))
                        .compose(
                            u -> {
                              if (u.isEmpty() || u.get().disabled()) {
                                return Future.succeededFuture();
                              }
                              String token = sessions.randomToken();
                              return tokens
                                  .insert(
                                      pool,
                                      StudioSessions.hash(token),
                                      "reset",
                                      null,
                                      null,
                                      u.get().id(),
                                      "user:" + u.get().id(),
                                      config.resetTtl())
                                  .compose(
                                      x ->
                                          mail.reset(
                                              u.get().email(),
                                              config.publicUrl() + "/studio/reset?token=" + token,
                                              t));
                            }))
        .onComplete(
            ar -> {
              if (ar.failed()) {
                LOG.warn("password reset mail for a Studio user failed", ar.cause());
              }
              page.notice(t.t("forgot.sent"));
              web.render(ctx, 200, "forgot", page);
            });
  }

  private void resetPage(RoutingContext ctx) {
    String token = ctx.queryParams().get("token");
    tokenOf(token, "reset")
        .onSuccess(
            t -> {
              Page page = web.page(ctx, "reset.title", null);
              if (t.isEmpty()) {
                web.error(ctx, 404, page, page.t().t("link.invalid"));
                return;
              }
              web.render(ctx, 200, "reset", page.keep("token", token));
            })
        .onFailure(ctx::fail);
  }

  private void reset(RoutingContext ctx) {
    String token = StudioWeb.form(ctx, "token");
    String password = ctx.request().getFormAttribute("password");
    Page page = web.page(ctx, "reset.title", null).keep("token", token);
    String problem = Passwords.problem(password, null);
    if (problem != null) {
      page.fieldError("password", problem);
      web.render(ctx, 422, "reset", page);
      return;
    }
    byte[] hash = token == null ? new byte[0] : StudioSessions.hash(token);
    vertx
        .executeBlocking(() -> passwords.hash(password), false)
        .compose(
            pw ->
                pool.withTransaction(
                    conn ->
                        tokens
                            .claim(conn, hash, "reset")
                            .compose(
                                t ->
                                    t.isEmpty()
                                        ? Future.succeededFuture(Optional.<StudioUser>empty())
                                        : users.byId(conn, t.get().userId()))
                            .compose(
                                u -> {
                                  if (u.isEmpty() || u.get().disabled()) {
                                    return Future.succeededFuture(Optional.<StudioUser>empty());
                                  }
                                  StudioUser user = u.get();
                                  return users
                                      .setPassword(conn, user.id(), pw)
                                      .compose(x -> tokens.useAllOf(conn, "reset", user.id()))
                                      // A reset ends every session: whoever knew the old
                                      // password is signed out.
                                      .compose(x -> sessions.closeAll(conn, user.id()))
                                      .compose(
                                          x ->
                                              audit.append(
                                                  conn,
                                                  user.principal(),
                                                  "user.password-reset",
                                                  "user",
                                                  user.id().toString(),
                                                  null,
                                                  null,
                                                  null))
                                      .compose(x -> sessions.open(ctx, conn, user))
                                      .map(x -> Optional.of(user));
                                })))
        .onSuccess(
            u -> {
              if (u.isEmpty()) {
                web.error(ctx, 410, page, page.t().t("link.invalid"));
              } else {
                web.redirect(ctx, "/studio/");
              }
            })
        .onFailure(ctx::fail);
  }

  // --- one's own account ---

  private void accountPage(RoutingContext ctx) {
    Page page = web.page(ctx, "account.title", "account");
    if (ctx.queryParams().contains("changed")) {
      page.notice(page.t().t("account.passwordChanged"));
    }
    web.render(ctx, 200, "account", page);
  }

  private void changePassword(RoutingContext ctx) {
    StudioUser user = StudioWeb.user(ctx);
    String current = ctx.request().getFormAttribute("current");
    String password = ctx.request().getFormAttribute("password");
    Page page = web.page(ctx, "account.title", "account");
    String problem = Passwords.problem(password, user.email());
    if (problem != null) {
      page.fieldError("password", problem);
      web.render(ctx, 422, "account", page);
      return;
    }
    if (current == null || current.length() > Passwords.MAX_LENGTH) {
      page.fieldError("current", "account.currentWrong");
      web.render(ctx, 422, "account", page);
      return;
    }
    vertx
        .executeBlocking(
            () -> passwords.verify(current, user.passwordHash()) ? passwords.hash(password) : null,
            false)
        .onSuccess(
            pw -> {
              if (pw == null) {
                page.fieldError("current", "account.currentWrong");
                web.render(ctx, 422, "account", page);
                return;
              }
              pool.withTransaction(
                      conn ->
                          users
                              .setPassword(conn, user.id(), pw)
                              .compose(x -> sessions.closeAll(conn, user.id()))
                              .compose(
                                  x ->
                                      audit.append(
                                          conn,
                                          user.principal(),
                                          "user.password-change",
                                          "user",
                                          user.id().toString(),
                                          null,
                                          null,
                                          null))
                              .compose(x -> sessions.open(ctx, conn, user)))
                  .onSuccess(x -> web.redirect(ctx, "/studio/account?changed"))
                  .onFailure(ctx::fail);
            })
        .onFailure(ctx::fail);
  }

  private void language(RoutingContext ctx) {
    String lang = ctx.pathParam("lang");
    if (Labels.LANGUAGES.contains(lang)) {
      ctx.response()
          .addCookie(
              sessions.cookie(ctx, StudioSessions.LANG_COOKIE, lang).setMaxAge(365L * 24 * 3600));
    }
    web.redirect(ctx, StudioWeb.safeNext(ctx.queryParams().get("back")));
  }

  // --- shared ---

  private Future<Optional<TokenRepository.Token>> tokenOf(String token, String kind) {
    if (token == null || token.isEmpty() || token.length() > 100) {
      return Future.succeededFuture(Optional.empty());
    }
    return tokens.peek(pool, StudioSessions.hash(token), kind);
  }

  /** Checks a new account's fields, marking each problem on the page. */
  static boolean checkAccount(Page page, String email, String name, String password) {
    if (email == null || email.length() > 320 || !EMAIL.matcher(email).matches()) {
      page.fieldError("email", "account.emailInvalid");
    }
    if (name == null || name.isEmpty() || name.length() > MAX_NAME) {
      page.fieldError("name", "account.nameInvalid");
    }
    String problem = Passwords.problem(password, email);
    if (problem != null) {
      page.fieldError("password", problem);
    }
    return !page.hasErrors();
  }

  private Future<Void> created(
      io.vertx.sqlclient.SqlClient conn, StudioUser u, String action, Principal by) {
    return audit.append(
        conn,
        by == null ? u.principal() : by,
        action,
        "user",
        u.id().toString(),
        null,
        null,
        new JsonObject().put("email", u.email()).put("role", u.roleId()));
  }

  static boolean isUniqueViolation(Throwable t) {
    return t instanceof io.vertx.pgclient.PgException pg && "23505".equals(pg.getSqlState());
  }
}
