package herald.api.studio;

import herald.api.audit.AuditRepository;
import herald.api.auth.Role;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import java.util.List;
import java.util.Optional;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Herald Studio, the editors' web app, served by the api at {@code /studio}: server-rendered jte
 * pages with htmx (see {@code api/STUDIO.md}). Users, sessions and one-time links live in the api's
 * PostgreSQL; every action goes through the same role checks as the REST API.
 */
public final class StudioModule {
  private static final Logger LOG = LoggerFactory.getLogger(StudioModule.class);
  private static final long PRUNE_EVERY_MS = 3_600_000;

  private final Vertx vertx;
  private final Pool pool;
  private final StudioConfig config;
  private final StudioSessions sessions;
  private final UserRepository users = new UserRepository();
  private final TokenRepository tokens = new TokenRepository();
  private final SessionRepository sessionRepo = new SessionRepository();
  private final StudioMail mail;
  private final StudioWeb web;
  private final SignInThrottle throttle;
  private final Passwords passwords;
  private final AuditRepository audit;
  private volatile String setupPath;
  private long pruneTimer = -1;

  private final ApiClient api;
  private final List<String> locales;
  private final Presence presence;
  private final DashboardRepository dashboardLists = new DashboardRepository();
  private final java.util.Optional<OidcProvider> oidc;

  /**
   * @param apiHost where this api can be reached from itself
   * @param apiPort this api's port, once it listens
   * @param locales the configured locales, the default first
   */
  public StudioModule(
      Vertx vertx,
      Pool pool,
      StudioConfig config,
      AuditRepository audit,
      Passwords passwords,
      String apiHost,
      IntSupplier apiPort,
      List<String> locales) {
    this.vertx = vertx;
    this.locales = List.copyOf(locales);
    this.presence = new Presence(pool);
    this.pool = pool;
    this.config = config;
    this.audit = audit;
    this.passwords = passwords;
    this.sessions = new StudioSessions(pool, sessionRepo, config);
    this.api = new ApiClient(vertx, apiHost, apiPort, sessions.relaySecret());
    this.mail = new StudioMail(vertx, config);
    this.web = new StudioWeb(sessions, new Templates(), new Assets(), config);
    this.throttle = new SignInThrottle(pool, config.signInWindow());
    this.oidc = config.oidc().map(o -> new OidcProvider(vertx, o));
  }

  public StudioModule(
      Vertx vertx,
      Pool pool,
      StudioConfig config,
      AuditRepository audit,
      String apiHost,
      IntSupplier apiPort,
      List<String> locales) {
    this(vertx, pool, config, audit, new Passwords(), apiHost, apiPort, locales);
  }

  /** Studio sessions as bearer credentials of the REST API. */
  public StudioSessions sessions() {
    return sessions;
  }

  /**
   * While nobody has an account: makes a one-time link to create the first admin and logs it (the
   * all-in-one also prints it in its banner).
   */
  public Future<Void> start() {
    pruneTimer =
        vertx.setPeriodic(
            PRUNE_EVERY_MS,
            id ->
                sessionRepo
                    .deleteExpired(pool)
                    .compose(x -> throttle.prune())
                    .compose(x -> presence.prune())
                    .onFailure(t -> LOG.warn("could not prune Studio sessions", t)));
    return users
        .any(pool)
        .compose(
            any -> {
              if (any) {
                return Future.succeededFuture();
              }
              String token = sessions.randomToken();
              return tokens
                  .insert(
                      pool,
                      StudioSessions.hash(token),
                      "setup",
                      null,
                      Role.ADMIN.id(),
                      null,
                      "start-up",
                      config.setupTtl())
                  .onSuccess(
                      x -> {
                        setupPath = "/studio/setup?token=" + token;
                        LOG.info(
                            "Nobody can sign in to Herald Studio yet. Create the first admin at"
                                + " {}{} (valid for {} hours, once).",
                            config.publicUrl(),
                            setupPath,
                            config.setupTtl().toHours());
                      });
            });
  }

  /** The path of the one-time link to create the first admin, while nobody has an account. */
  public Optional<String> setupPath() {
    return Optional.ofNullable(setupPath);
  }

  /** Mounts Studio at {@code /studio}. */
  public void mount(Router router) {
    Router studio = Router.router(vertx);
    studio.get("/assets/:name").handler(web.assets::serve);
    studio.route().handler(web::load);
    studio.route().handler(web::csrf);
    studio.get("/").handler(web.require(Role.AUTHOR)).handler(this::dashboard);
    studio.get("/dashboard/newsletter").handler(web.require(Role.EDITOR)).handler(this::nextIssue);
    new AccountRoutes(vertx, pool, web, users, tokens, throttle, passwords, mail, audit, config)
        .mount(studio);
    new UserRoutes(pool, web, users, tokens, mail, audit, config).mount(studio);
    oidc.ifPresent(
        p -> new OidcRoutes(pool, web, users, audit, p, config.publicUrl()).mount(studio));
    new ContentRoutes(web, api, locales, presence).mount(studio);
    new PublishRoutes(vertx, web, api, locales).mount(studio);
    new NewsletterScreens(web, api, locales).mount(studio);
    new AdminScreens(web, api, locales, users, pool).mount(studio);
    studio.route().handler(this::notFound);
    studio.route().failureHandler(this::failure);
    router.route("/studio/*").subRouter(studio);
  }

  /**
   * Drafts in progress, entries changed since published, scheduled actions and failed deliveries,
   * read in one query (see {@link DashboardRepository}); editors also see the next newsletter
   * issue, which the page loads after itself from the publisher (through the api, as the user).
   */
  private void dashboard(RoutingContext ctx) {
    dashboardLists
        .lists(pool)
        .onSuccess(
            lists -> {
              java.util.Map<String, Object> m = new java.util.HashMap<>();
              m.put("drafts", titled(lists.drafts()));
              m.put("changed", titled(lists.changed()));
              m.put("scheduled", titled(lists.scheduled()));
              m.put("failed", titled(lists.failed()));
              web.render(ctx, 200, "dashboard", web.page(ctx, "dashboard.title", "dashboard"), m);
            })
        .onFailure(ctx::fail);
  }

  private java.util.List<io.vertx.core.json.JsonObject> titled(io.vertx.core.json.JsonArray rows) {
    java.util.List<io.vertx.core.json.JsonObject> out = new java.util.ArrayList<>();
    for (Object o : rows) {
      io.vertx.core.json.JsonObject r = (io.vertx.core.json.JsonObject) o;
      r.put("label", DashboardRepository.title(r, locales));
      out.add(r);
    }
    return out;
  }

  /**
   * The dashboard's newsletter card: the next issue (sending, scheduled or draft) and the queue.
   */
  private void nextIssue(RoutingContext ctx) {
    StudioSessions.Session s = StudioWeb.session(ctx).orElseThrow();
    Future<ApiClient.Answer> issues = api.get(s, "/v1/manage/newsletter/issues");
    Future<ApiClient.Answer> queue = api.get(s, "/v1/manage/newsletter/entries");
    Future.join(issues, queue)
        .onComplete(
            x -> {
              io.vertx.core.json.JsonObject next = null;
              boolean up = issues.succeeded() && issues.result().ok();
              if (up) {
                next =
                    NextIssue.of(
                        NewsletterScreens.objects(issues.result().json().getJsonArray("issues")));
              }
              java.util.Map<String, Object> m = new java.util.HashMap<>();
              m.put("page", web.page(ctx, "dashboard.title", "dashboard"));
              m.put("up", up);
              m.put("next", next);
              m.put(
                  "queued",
                  queue.succeeded() && queue.result().ok()
                      ? queue
                          .result()
                          .json()
                          .getJsonArray("entries", new io.vertx.core.json.JsonArray())
                          .size()
                      : -1);
              web.headers(ctx)
                  .putHeader("Content-Type", "text/html; charset=utf-8")
                  .end(web.templates.render("dashboard-newsletter", m));
            });
  }

  private void notFound(RoutingContext ctx) {
    Page page = web.page(ctx, "notFound.title", null);
    web.error(ctx, 404, page, page.t().t("notFound.detail"));
  }

  private void failure(RoutingContext ctx) {
    if (ctx.response().headWritten()) {
      ctx.response().reset();
      return;
    }
    int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
    if (ctx.failure() instanceof herald.api.http.ProblemException pe) {
      status = pe.problem().status();
    }
    if (status >= 500) {
      LOG.error("{} {} failed", ctx.request().method(), ctx.request().path(), ctx.failure());
    }
    Page page = web.page(ctx, status == 413 ? "tooLarge.title" : "failure.title", null);
    web.error(
        ctx,
        status,
        page,
        page.t()
            .t(
                status == 413
                    ? "tooLarge.detail"
                    : status >= 500 ? "failure.detail" : "failure.bad"));
  }

  public Future<Void> stop() {
    if (pruneTimer >= 0) {
      vertx.cancelTimer(pruneTimer);
    }
    mail.close();
    api.close();
    oidc.ifPresent(OidcProvider::close);
    return Future.succeededFuture();
  }
}
