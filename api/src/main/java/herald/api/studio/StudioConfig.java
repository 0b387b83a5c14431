package herald.api.studio;

import herald.api.auth.Role;
import herald.api.partners.PartnerConfig;
import herald.events.EnvValues;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Settings of Herald Studio, read from the same environment as the api (mail goes through the
 * newsletter's {@code HERALD_SMTP_*} server).
 *
 * @param publicUrl the api's public address, the base of links in mail
 * @param secureCookies {@code auto} marks cookies Secure when the request came over TLS (directly
 *     or by {@code X-Forwarded-Proto: https}) or the public URL is https; {@code true}, {@code
 *     false}
 * @param trustProxy whether {@code X-Forwarded-For} names the client (behind a reverse proxy)
 * @param siteUrl the public website ({@code HERALD_SITE_URL}), where links to entries lead
 */
public record StudioConfig(
    String publicUrl,
    String secureCookies,
    boolean trustProxy,
    Duration sessionIdle,
    Duration sessionMax,
    int signInLimit,
    int signInLimitPerAddress,
    Duration signInWindow,
    Duration inviteTtl,
    Duration resetTtl,
    Duration setupTtl,
    String smtpHost,
    int smtpPort,
    Optional<String> smtpUser,
    String smtpPassword,
    String mailFrom,
    Optional<Oidc> oidc,
    String siteUrl) {

  public static final String DEFAULT_PUBLIC_URL =
      "http://localhost:" + PartnerConfig.DEFAULT_API_PORT;
  public static final String DEFAULT_SMTP_HOST = "127.0.0.1";
  public static final int DEFAULT_SMTP_PORT = 2525;
  public static final String DEFAULT_MAIL_FROM = "Herald Studio <studio@herald.localhost>";
  public static final long DEFAULT_SESSION_IDLE_MINUTES = 12 * 60;
  public static final long DEFAULT_SESSION_MAX_HOURS = 7 * 24;

  /** Failed sign-ins per e-mail address in the window before the address is throttled. */
  public static final int DEFAULT_SIGNIN_LIMIT = 5;

  /** Failed sign-ins per client address in the window (several people may share one address). */
  public static final int DEFAULT_SIGNIN_LIMIT_PER_ADDRESS = 30;

  public static final long DEFAULT_SIGNIN_WINDOW_MINUTES = 15;

  /**
   * OpenID Connect single sign-on: the issuer (discovery at its well-known address), this client,
   * the scopes asked for, and the role of a person who signs in this way without a Studio account
   * yet (empty: only existing users may).
   */
  public record Oidc(
      String issuer,
      String clientId,
      String clientSecret,
      String label,
      String scopes,
      Optional<Role> defaultRole) {}

  public StudioConfig {
    publicUrl =
        publicUrl.endsWith("/") ? publicUrl.substring(0, publicUrl.length() - 1) : publicUrl;
    secureCookies = secureCookies.toLowerCase(Locale.ROOT);
    if (!secureCookies.equals("auto")
        && !secureCookies.equals("true")
        && !secureCookies.equals("false")) {
      throw new IllegalArgumentException(
          "HERALD_STUDIO_SECURE_COOKIES must be auto, true or false, not '" + secureCookies + "'");
    }
  }

  public static StudioConfig fromEnv(Map<String, String> env) {
    String issuer = env.get("HERALD_OIDC_ISSUER");
    Optional<Oidc> oidc =
        issuer == null || issuer.isBlank()
            ? Optional.empty()
            : Optional.of(
                new Oidc(
                    issuer.strip(),
                    required(env, "HERALD_OIDC_CLIENT_ID"),
                    env.getOrDefault("HERALD_OIDC_CLIENT_SECRET", ""),
                    env.getOrDefault("HERALD_OIDC_LABEL", "single sign-on"),
                    env.getOrDefault("HERALD_OIDC_SCOPES", "openid email profile"),
                    defaultRole(env.getOrDefault("HERALD_OIDC_DEFAULT_ROLE", "none"))));
    return new StudioConfig(
        // The api on this machine unless told: links in mails name its real port.
        env.getOrDefault(
            "HERALD_PUBLIC_URL",
            "http://localhost:"
                + EnvValues.intOf(env, "HERALD_API_PORT", PartnerConfig.DEFAULT_API_PORT)),
        env.getOrDefault("HERALD_STUDIO_SECURE_COOKIES", "auto"),
        Boolean.parseBoolean(env.getOrDefault("HERALD_STUDIO_TRUST_PROXY", "false")),
        Duration.ofMinutes(
            EnvValues.longOf(
                env, "HERALD_STUDIO_SESSION_IDLE_MINUTES", DEFAULT_SESSION_IDLE_MINUTES)),
        Duration.ofHours(
            EnvValues.longOf(env, "HERALD_STUDIO_SESSION_MAX_HOURS", DEFAULT_SESSION_MAX_HOURS)),
        EnvValues.intOf(env, "HERALD_STUDIO_SIGNIN_LIMIT", DEFAULT_SIGNIN_LIMIT),
        EnvValues.intOf(
            env, "HERALD_STUDIO_SIGNIN_LIMIT_PER_ADDRESS", DEFAULT_SIGNIN_LIMIT_PER_ADDRESS),
        Duration.ofMinutes(
            EnvValues.longOf(
                env, "HERALD_STUDIO_SIGNIN_WINDOW_MINUTES", DEFAULT_SIGNIN_WINDOW_MINUTES)),
        Duration.ofDays(7),
        Duration.ofHours(1),
        Duration.ofDays(1),
        env.getOrDefault("HERALD_SMTP_HOST", DEFAULT_SMTP_HOST),
        EnvValues.intOf(env, "HERALD_SMTP_PORT", DEFAULT_SMTP_PORT),
        Optional.ofNullable(env.get("HERALD_SMTP_USER")).filter(s -> !s.isBlank()),
        env.getOrDefault("HERALD_SMTP_PASSWORD", ""),
        env.getOrDefault("HERALD_STUDIO_MAIL_FROM", DEFAULT_MAIL_FROM),
        oidc,
        // The publisher's default, so that both name the same site.
        stripSlash(
            env.getOrDefault(
                "HERALD_SITE_URL",
                "http://localhost:"
                    + EnvValues.intOf(
                        env, "HERALD_PUBLISHER_PORT", PartnerConfig.DEFAULT_PUBLISHER_PORT)
                    + "/site")));
  }

  private static Optional<Role> defaultRole(String v) {
    String role = v.strip().toLowerCase(Locale.ROOT);
    if (role.equals("none")) {
      return Optional.empty();
    }
    Optional<Role> r = Role.parse(role);
    if (r.isEmpty() || !List.of(Role.AUTHOR, Role.EDITOR, Role.ADMIN).contains(r.get())) {
      throw new IllegalArgumentException(
          "HERALD_OIDC_DEFAULT_ROLE must be none, author, editor or admin, not '" + v + "'");
    }
    return r;
  }

  private static String stripSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  private static String required(Map<String, String> env, String name) {
    String v = env.get(name);
    if (v == null || v.isBlank()) {
      throw new IllegalArgumentException(name + " is required when HERALD_OIDC_ISSUER is set");
    }
    return v.strip();
  }
}
