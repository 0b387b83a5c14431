package herald.api.studio;

import herald.api.audit.AuditRepository;
import herald.api.auth.Role;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Studio users (admin only): the list, invitations by mail, roles, disabling. */
final class UserRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(UserRoutes.class);
  private static final int MAX_USERS_SHOWN = 500;

  private final Pool pool;
  private final StudioWeb web;
  private final UserRepository users;
  private final TokenRepository tokens;
  private final StudioMail mail;
  private final AuditRepository audit;
  private final StudioConfig config;

  UserRoutes(
      Pool pool,
      StudioWeb web,
      UserRepository users,
      TokenRepository tokens,
      StudioMail mail,
      AuditRepository audit,
      StudioConfig config) {
    this.pool = pool;
    this.web = web;
    this.users = users;
    this.tokens = tokens;
    this.mail = mail;
    this.audit = audit;
    this.config = config;
  }

  void mount(Router r) {
    r.get("/users").handler(web.require(Role.ADMIN)).handler(this::list);
    r.post("/users/invite").handler(web.require(Role.ADMIN)).handler(this::invite);
    r.post("/users/:id/role").handler(web.require(Role.ADMIN)).handler(this::role);
    r.post("/users/:id/disable").handler(web.require(Role.ADMIN)).handler(this::disable);
    r.post("/users/:id/enable").handler(web.require(Role.ADMIN)).handler(this::enable);
  }

  private void list(RoutingContext ctx) {
    Page page = web.page(ctx, "users.title", "users");
    String done = ctx.queryParams().get("invited");
    if (done != null && done.length() <= 320) {
      page.notice(page.t().f("users.invited", done));
    }
    show(ctx, 200, page);
  }

  private void show(RoutingContext ctx, int status, Page page) {
    users
        .all(pool, MAX_USERS_SHOWN)
        .onSuccess(
            all ->
                web.render(
                    ctx, status, "users", page, Map.of("users", all, "roles", StudioUser.ROLES)))
        .onFailure(ctx::fail);
  }

  private void invite(RoutingContext ctx) {
    StudioUser admin = StudioWeb.user(ctx);
    String email = StudioWeb.form(ctx, "email");
    Optional<Role> role = roleOf(StudioWeb.form(ctx, "role"));
    Page page = web.page(ctx, "users.title", "users").keep("email", email);
    if (email == null || email.length() > 320 || !AccountRoutes.EMAIL.matcher(email).matches()) {
      page.fieldError("email", "account.emailInvalid");
    }
    if (role.isEmpty()) {
      page.fieldError("role", "users.roleInvalid");
    }
    if (page.hasErrors()) {
      show(ctx, 422, page);
      return;
    }
    String token = web.sessions.randomToken();
    Labels t = page.t();
    users
        .byEmail(pool, email)
        .compose(
            existing -> {
              if (existing.isPresent()) {
                return Future.succeededFuture(false);
              }
              return pool.withTransaction(
                      conn ->
                          tokens
                              .insert(
                                  conn,
                                  StudioSessions.hash(token),
                                  "invite",
                                  email,
                                  role.get().id(),
                                  null,
                                  admin.principal().keyId(),
                                  config.inviteTtl())
                              .compose(
                                  x ->
                                      audit.append(
                                          conn,
                                          admin.principal(),
                                          "user.invite",
                                          "user",
                                          email,
                                          null,
                                          null,
                                          new JsonObject().put("role", role.get().id()))))
                  .compose(
                      x ->
                          mail.invitation(
                              email,
                              admin.name(),
                              config.publicUrl() + "/studio/invitation?token=" + token,
                              t))
                  .map(true);
            })
        .onSuccess(
            sent -> {
              if (!sent) {
                page.fieldError("email", "account.emailTaken");
                show(ctx, 409, page);
              } else {
                web.redirect(
                    ctx,
                    "/studio/users?invited="
                        + java.net.URLEncoder.encode(
                            email, java.nio.charset.StandardCharsets.UTF_8));
              }
            })
        .onFailure(
            e -> {
              LOG.warn("invitation to a Studio user failed", e);
              page.alert(t.t("users.mailFailed"));
              show(ctx, 502, page);
            });
  }

  private void role(RoutingContext ctx) {
    Optional<Role> role = roleOf(StudioWeb.form(ctx, "role"));
    change(
        ctx,
        role.isEmpty() ? null : "user.role",
        new JsonObject().put("role", role.map(Role::id).orElse(null)),
        (conn, id) -> users.setRole(conn, id, role.get()),
        role.map(r -> r != Role.ADMIN).orElse(false));
  }

  private void disable(RoutingContext ctx) {
    change(
        ctx,
        "user.disable",
        null,
        (conn, id) ->
            users
                .setDisabled(conn, id, true)
                .compose(x -> web.sessions.closeAll(conn, id))
                .mapEmpty(),
        true);
  }

  private void enable(RoutingContext ctx) {
    change(ctx, "user.enable", null, (conn, id) -> users.setDisabled(conn, id, false), false);
  }

  private interface Change {
    Future<Void> apply(io.vertx.sqlclient.SqlConnection conn, UUID id);
  }

  /**
   * Applies a change to a user and audits it; refuses one that would leave no active admin (checked
   * after the change, in its transaction).
   */
  private void change(
      RoutingContext ctx, String action, JsonObject detail, Change change, boolean mayLoseAdmin) {
    StudioUser admin = StudioWeb.user(ctx);
    Page page = web.page(ctx, "users.title", "users");
    UUID id;
    try {
      id = UUID.fromString(ctx.pathParam("id"));
    } catch (IllegalArgumentException e) {
      web.error(ctx, 404, page, page.t().t("users.notFound"));
      return;
    }
    if (action == null) {
      page.alert(page.t().t("users.roleInvalid"));
      show(ctx, 422, page);
      return;
    }
    pool.withTransaction(
            conn ->
                users
                    .byId(conn, id)
                    .compose(
                        u -> {
                          if (u.isEmpty()) {
                            return Future.succeededFuture("users.notFound");
                          }
                          return conn.query("select pg_advisory_xact_lock(7261150016)")
                              .execute()
                              .compose(x -> change.apply(conn, id))
                              .compose(
                                  x ->
                                      mayLoseAdmin
                                          ? users.activeAdmins(conn)
                                          : Future.succeededFuture(1L))
                              .compose(
                                  admins -> {
                                    if (admins == 0) {
                                      return Future.failedFuture(new LastAdmin());
                                    }
                                    return audit
                                        .append(
                                            conn,
                                            admin.principal(),
                                            action,
                                            "user",
                                            id.toString(),
                                            null,
                                            null,
                                            detail)
                                        .map((String) null);
                                  });
                        }))
        .onSuccess(
            problem -> {
              if (problem != null) {
                web.error(ctx, 404, page, page.t().t(problem));
              } else {
                web.redirect(ctx, "/studio/users");
              }
            })
        .onFailure(
            t -> {
              if (t instanceof LastAdmin) {
                page.alert(page.t().t("users.lastAdmin"));
                show(ctx, 409, page);
              } else {
                ctx.fail(t);
              }
            });
  }

  private static final class LastAdmin extends RuntimeException {
    LastAdmin() {
      super("the last active admin", null, false, false);
    }
  }

  static Optional<Role> roleOf(String s) {
    return Role.parse(s).filter(StudioUser.ROLES::contains);
  }

  static List<Role> roles() {
    return StudioUser.ROLES;
  }
}
