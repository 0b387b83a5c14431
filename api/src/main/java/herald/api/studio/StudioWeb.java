package herald.api.studio;

import herald.api.auth.Role;
import io.vertx.core.Handler;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every Studio route shares: the session of the request, the CSRF check of every
 * state-changing request, the role check (the one {@link Role#grants} the REST API uses), and
 * rendering pages with their security headers.
 */
final class StudioWeb {
  private static final Logger LOG = LoggerFactory.getLogger(StudioWeb.class);

  /** Forms that are sent before anyone is signed in; they carry the pre-session CSRF token. */
  private static final Set<String> ANONYMOUS_FORMS =
      Set.of(
          "/studio/signin",
          "/studio/setup",
          "/studio/invitation",
          "/studio/forgot",
          "/studio/reset");

  // Scripts and styles come only from Studio itself; no inline script, no framing.
  private static final String CSP =
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:;"
          + " connect-src 'self'; frame-src 'self'; frame-ancestors 'none'; form-action 'self';"
          + " base-uri 'none'; object-src 'none'";

  final StudioSessions sessions;
  final Templates templates;
  final Assets assets;
  final StudioConfig config;

  StudioWeb(StudioSessions sessions, Templates templates, Assets assets, StudioConfig config) {
    this.sessions = sessions;
    this.templates = templates;
    this.assets = assets;
    this.config = config;
  }

  /** Finds the session of the request's cookie, if any, before any Studio route runs. */
  void load(RoutingContext ctx) {
    Cookie c = ctx.request().getCookie(StudioSessions.COOKIE);
    if (c == null) {
      ctx.next();
      return;
    }
    sessions
        .find(c.getValue())
        .onSuccess(
            s -> {
              s.ifPresent(x -> ctx.put(StudioSessions.CONTEXT_KEY, x.from(clientAddress(ctx))));
              ctx.next();
            })
        .onFailure(ctx::fail);
  }

  /**
   * Refuses a state-changing request without the right CSRF token: the session's (header {@code
   * X-CSRF-Token}, sent by htmx, or form field {@code _csrf}); for the anonymous forms, the
   * pre-session cookie's. Requests the browser marks as cross-site are refused outright.
   */
  void csrf(RoutingContext ctx) {
    HttpMethod m = ctx.request().method();
    if (m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS) {
      ctx.next();
      return;
    }
    String sent = ctx.request().getHeader("X-CSRF-Token");
    if (sent == null) {
      sent = ctx.request().getFormAttribute("_csrf");
    }
    StudioSessions.Session s = session(ctx).orElse(null);
    boolean ok =
        !"cross-site".equals(ctx.request().getHeader("Sec-Fetch-Site"))
            && ((s != null && StudioSessions.same(sent, s.csrf()))
                || (ANONYMOUS_FORMS.contains(ctx.request().path())
                    && StudioSessions.same(sent, preCookie(ctx))));
    if (ok) {
      ctx.next();
      return;
    }
    LOG.warn("refused {} {}: CSRF token missing or wrong", m, ctx.request().path());
    Page page = page(ctx, "csrf.title", null);
    error(ctx, 403, page, page.t().t("csrf.detail"));
  }

  /** Lets the request through only for a signed-in user whose role grants {@code needed}. */
  Handler<RoutingContext> require(Role needed) {
    return ctx -> {
      Optional<StudioSessions.Session> s = session(ctx);
      if (s.isEmpty()) {
        String next = URLEncoder.encode(ctx.request().uri(), StandardCharsets.UTF_8);
        String to = "/studio/signin?next=" + next;
        if (isHtmx(ctx)) {
          ctx.response().putHeader("HX-Redirect", to).setStatusCode(401).end();
        } else {
          redirect(ctx, to);
        }
        return;
      }
      if (!s.get().user().can(needed)) {
        Page page = page(ctx, "forbidden.title", null);
        error(ctx, 403, page, page.t().f("forbidden.detail", s.get().user().roleId(), needed.id()));
        return;
      }
      ctx.next();
    };
  }

  static Optional<StudioSessions.Session> session(RoutingContext ctx) {
    return Optional.ofNullable(ctx.get(StudioSessions.CONTEXT_KEY));
  }

  static StudioUser user(RoutingContext ctx) {
    return session(ctx).map(StudioSessions.Session::user).orElse(null);
  }

  /** The interface language: the switch's cookie, else the browser's preference. */
  static Labels labels(RoutingContext ctx) {
    Cookie c = ctx.request().getCookie(StudioSessions.LANG_COOKIE);
    if (c != null && Labels.LANGUAGES.contains(c.getValue())) {
      return Labels.of(c.getValue());
    }
    return Labels.of(Labels.fromAcceptLanguage(ctx.request().getHeader("Accept-Language")));
  }

  /** A page for the request: title (a label key), navigation section, the right CSRF token. */
  Page page(RoutingContext ctx, String titleKey, String nav) {
    Labels t = labels(ctx);
    Optional<StudioSessions.Session> s = session(ctx);
    String csrf = s.map(StudioSessions.Session::csrf).orElse(null);
    if (csrf == null && ANONYMOUS_FORMS.contains(ctx.request().path())) {
      csrf = sessions.preSessionToken(ctx);
    }
    return new Page(
        t,
        t.t(titleKey),
        s.map(StudioSessions.Session::user).orElse(null),
        csrf,
        nav,
        ctx.request().uri(),
        assets);
  }

  void render(RoutingContext ctx, int status, String template, Page page) {
    render(ctx, status, template, page, Map.of());
  }

  void render(
      RoutingContext ctx, int status, String template, Page page, Map<String, Object> more) {
    Map<String, Object> params = new HashMap<>(more);
    params.put("page", page);
    headers(ctx)
        .setStatusCode(status)
        .putHeader("Content-Type", "text/html; charset=utf-8")
        .end(templates.render(template, params));
  }

  /** A page saying what went wrong, with the status. */
  void error(RoutingContext ctx, int status, Page page, String detail) {
    render(ctx, status, "message", page, Map.of("detail", detail));
  }

  /** Security headers of every Studio response. */
  io.vertx.core.http.HttpServerResponse headers(RoutingContext ctx) {
    return ctx.response()
        .putHeader("Cache-Control", "no-store")
        .putHeader("Content-Security-Policy", CSP)
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "same-origin")
        .putHeader("X-Frame-Options", "DENY");
  }

  /** What a preview may do in its frame: show itself, nothing more. */
  private static final String FRAME_CSP =
      "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:;"
          + " frame-ancestors 'self'; base-uri 'none'; form-action 'none'";

  /**
   * A channel's rendering (HTML from the api) for a frame on a Studio page: framed by Studio only,
   * with nothing in it allowed to run; a problem instead is shown as its words.
   */
  void frame(RoutingContext ctx, ApiClient.Answer a) {
    String html;
    int status;
    if (a.ok() && a.body() instanceof String s) {
      html = s;
      status = 200;
    } else {
      Labels t = labels(ctx);
      String detail =
          a.json().getString("detail", a.json().getString("title", "HTTP " + a.status()));
      html =
          "<!DOCTYPE html><html lang=\""
              + t.lang()
              + "\"><head><meta charset=\"utf-8\"><title>"
              + Html.escape(t.t("preview.failed"))
              + "</title></head><body style=\"font-family:sans-serif;padding:1rem;color:#a4161a\">"
              + "<p>"
              + Html.escape(t.t("preview.failed"))
              + "</p><p>"
              + Html.escape(detail)
              + "</p></body></html>";
      status = a.status() >= 500 ? 502 : a.status();
    }
    ctx.response()
        .putHeader("Cache-Control", "no-store")
        .putHeader("Content-Security-Policy", FRAME_CSP)
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "same-origin")
        .putHeader("X-Frame-Options", "SAMEORIGIN")
        .putHeader("Content-Type", "text/html; charset=utf-8")
        .setStatusCode(status)
        .end(html);
  }

  /** 303 See Other (after a form: the browser follows with GET); htmx follows HX-Redirect. */
  void redirect(RoutingContext ctx, String to) {
    if (isHtmx(ctx)) {
      headers(ctx).putHeader("HX-Redirect", to).setStatusCode(204).end();
    } else {
      headers(ctx).putHeader("Location", to).setStatusCode(303).end();
    }
  }

  static boolean isHtmx(RoutingContext ctx) {
    return "true".equals(ctx.request().getHeader("HX-Request"));
  }

  /** The client's address, for throttling: the proxy's X-Forwarded-For only when trusted. */
  String clientAddress(RoutingContext ctx) {
    if (config.trustProxy()) {
      String xff = ctx.request().getHeader("X-Forwarded-For");
      if (xff != null && !xff.isBlank()) {
        return xff.split(",")[0].strip();
      }
    }
    return ctx.request().remoteAddress() == null
        ? "unknown"
        : ctx.request().remoteAddress().hostAddress();
  }

  /** A form field, trimmed; null when absent. */
  static String form(RoutingContext ctx, String name) {
    String v = ctx.request().getFormAttribute(name);
    return v == null ? null : v.strip();
  }

  /** A local Studio path to return to after sign-in, or the dashboard for anything else. */
  static String safeNext(String next) {
    if (next == null
        || !next.startsWith("/studio")
        || next.startsWith("//")
        || next.contains("\\")
        || next.length() > 2000
        || next.chars().anyMatch(ch -> ch < 0x20)) {
      return "/studio/";
    }
    return next;
  }

  private static String preCookie(RoutingContext ctx) {
    Cookie c = ctx.request().getCookie(StudioSessions.PRE_COOKIE);
    return c == null ? null : c.getValue();
  }
}
