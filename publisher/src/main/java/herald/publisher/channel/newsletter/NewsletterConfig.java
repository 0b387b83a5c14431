package herald.publisher.channel.newsletter;

import herald.publisher.PublisherConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Settings of the newsletter channel, each from an environment variable with a default for the
 * all-in-one mode (a local SMTP sink on port 2525).
 *
 * @param secret the key that signs confirmation and unsubscribe links; from {@code
 *     HERALD_NEWSLETTER_SECRET}, else generated once and kept in {@code <data dir>/newsletter.key}
 * @param rate messages per second when sending an issue; 0 for as fast as the server takes them
 * @param publicUrl where subscribers reach {@code /v1/newsletter/...} (links in the mail): {@code
 *     HERALD_NEWSLETTER_PUBLIC_URL}, else the api's public address, which forwards them here
 * @param siteUrl the public website that items link to
 * @param locales the allowed locales; the first is the default one
 */
public record NewsletterConfig(
    String smtpHost,
    int smtpPort,
    String smtpUser,
    String smtpPassword,
    String from,
    double rate,
    int concurrency,
    byte[] secret,
    String publicUrl,
    String siteUrl,
    String name,
    List<String> locales,
    Duration confirmTtl) {

  public static final String DEFAULT_SMTP_HOST = "127.0.0.1";
  public static final int DEFAULT_SMTP_PORT = 2525;
  public static final String DEFAULT_FROM = "Herald newsletter <newsletter@herald.localhost>";
  public static final double DEFAULT_RATE = 50;
  public static final int DEFAULT_CONCURRENCY = 8;
  public static final String DEFAULT_NAME = "Herald newsletter";
  public static final String DEFAULT_LOCALES =
      "en,sr-Latn,sr-Cyrl,hr,bs,sl,mk,bg,sq,ro,el,me,ru,uk,hu,tr,de,fr";
  public static final Duration DEFAULT_CONFIRM_TTL = Duration.ofHours(48);
  public static final String SECRET_FILE = "newsletter.key";

  public NewsletterConfig {
    secret = secret.clone();
    if (secret.length < 16) {
      throw new IllegalArgumentException("HERALD_NEWSLETTER_SECRET must be at least 16 bytes");
    }
    if (rate < 0) {
      throw new IllegalArgumentException("HERALD_NEWSLETTER_RATE must not be negative");
    }
    locales = List.copyOf(locales);
    publicUrl = trimSlash(publicUrl);
    siteUrl = trimSlash(siteUrl);
    smtpUser = smtpUser == null || smtpUser.isBlank() ? null : smtpUser;
  }

  @Override
  public byte[] secret() {
    return secret.clone();
  }

  /** The default locale: the first allowed one. */
  public String defaultLocale() {
    return locales.get(0);
  }

  /** Reads the settings; the secret file goes to {@code HERALD_DATA_DIR} (default ./.herald). */
  public static NewsletterConfig fromEnv(Map<String, String> env) {
    Path dataDir = Path.of(string(env, "HERALD_DATA_DIR", "./.herald"));
    String secret = env.get("HERALD_NEWSLETTER_SECRET");
    return new NewsletterConfig(
        string(env, "HERALD_SMTP_HOST", DEFAULT_SMTP_HOST),
        (int) number(env, "HERALD_SMTP_PORT", DEFAULT_SMTP_PORT),
        env.get("HERALD_SMTP_USER"),
        env.getOrDefault("HERALD_SMTP_PASSWORD", ""),
        string(env, "HERALD_SMTP_FROM", DEFAULT_FROM),
        number(env, "HERALD_NEWSLETTER_RATE", DEFAULT_RATE),
        (int) number(env, "HERALD_NEWSLETTER_CONCURRENCY", DEFAULT_CONCURRENCY),
        secret == null || secret.isBlank()
            ? keptSecret(dataDir.resolve(SECRET_FILE))
            : secret.trim().getBytes(StandardCharsets.UTF_8),
        string(env, "HERALD_NEWSLETTER_PUBLIC_URL", PublisherConfig.publicUrl(env)),
        PublisherConfig.siteUrl(env),
        string(env, "HERALD_NEWSLETTER_NAME", DEFAULT_NAME),
        Arrays.stream(string(env, "HERALD_LOCALES", DEFAULT_LOCALES).split(","))
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .toList(),
        Duration.ofHours((long) number(env, "HERALD_NEWSLETTER_CONFIRM_HOURS", 48)));
  }

  /** The secret in the file, made (random, 32 bytes, owner-only) when there is none yet. */
  static byte[] keptSecret(Path file) {
    try {
      if (Files.exists(file)) {
        return Base64.getDecoder().decode(Files.readString(file).trim());
      }
      Files.createDirectories(file.toAbsolutePath().getParent());
      byte[] key = new byte[32];
      new SecureRandom().nextBytes(key);
      Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".newsletter", ".tmp");
      Files.writeString(tmp, Base64.getEncoder().encodeToString(key) + "\n");
      try {
        Files.setPosixFilePermissions(
            tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // Not a POSIX file system: the data directory's own protection has to do.
      }
      Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      return key;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep the newsletter secret in " + file, e);
    }
  }

  @Override
  public String toString() {
    // Logged at start-up: no password, secret or token.
    return "NewsletterConfig[smtp="
        + (smtpUser == null ? "" : smtpUser + "@")
        + smtpHost
        + ":"
        + smtpPort
        + ", from="
        + from
        + ", rate="
        + rate
        + "/s, publicUrl="
        + publicUrl
        + "]";
  }

  private static String trimSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  private static String string(Map<String, String> env, String name, String fallback) {
    String v = env.get(name);
    return v == null || v.isBlank() ? fallback : v.trim();
  }

  private static double number(Map<String, String> env, String name, double fallback) {
    String v = env.get(name);
    if (v == null || v.isBlank()) {
      return fallback;
    }
    try {
      return Double.parseDouble(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a number, was '" + v + "'", e);
    }
  }
}
