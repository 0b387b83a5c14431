package herald.api.partners;

import static herald.events.EnvValues.doubleOf;
import static herald.events.EnvValues.durations;
import static herald.events.EnvValues.intOf;
import static herald.events.EnvValues.list;
import static herald.events.EnvValues.longOf;

import herald.events.EnvValues;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Settings of the partner features (sync API, feeds, webhooks), read from the environment. */
public record PartnerConfig(
    String consumerGroup,
    int syncPageSize,
    double rateLimitPerSecond,
    int rateLimitBurst,
    List<String> webhookAllow,
    String webhookPorts,
    List<Duration> webhookRetrySchedule,
    Duration webhookTimeout,
    Duration webhookPollInterval,
    Duration webhookRotationOverlap,
    Optional<URI> webSubHub,
    String publicUrl,
    String siteUrl,
    String feedTitle,
    int feedSize) {

  /** The api's and the publisher's default ports: feeds link to both. */
  public static final int DEFAULT_API_PORT = 8080;

  public static final int DEFAULT_PUBLISHER_PORT = 8082;

  public static final String DEFAULT_CONSUMER_GROUP = "herald-api-partners";
  public static final int DEFAULT_SYNC_PAGE_SIZE = 100;
  public static final double DEFAULT_RATE_PER_SECOND = 10;
  public static final int DEFAULT_RATE_BURST = 100;
  public static final String DEFAULT_WEBHOOK_PORTS = "80,443";

  /**
   * The Standard Webhooks schedule: at once, then after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
   */
  public static final String DEFAULT_RETRY_SCHEDULE = "0s,5s,5m,30m,2h,5h,10h,10h";

  public static final long DEFAULT_WEBHOOK_TIMEOUT_MS = 15_000;
  public static final long DEFAULT_WEBHOOK_POLL_MS = 1000;
  public static final long DEFAULT_ROTATION_OVERLAP_S = 24 * 3600;
  public static final int DEFAULT_FEED_SIZE = 50;

  public static final String DEFAULT_FEED_TITLE = "Herald";

  public PartnerConfig {
    webhookAllow = List.copyOf(webhookAllow);
    webhookRetrySchedule = List.copyOf(webhookRetrySchedule);
    if (webhookRetrySchedule.isEmpty()) {
      throw new IllegalArgumentException("HERALD_WEBHOOK_RETRY_SCHEDULE needs at least one delay");
    }
    publicUrl = trimSlash(publicUrl);
    siteUrl = trimSlash(siteUrl);
  }

  public static PartnerConfig fromEnv(Map<String, String> env) {
    return new PartnerConfig(
        env.getOrDefault("HERALD_PARTNER_CONSUMER_GROUP", DEFAULT_CONSUMER_GROUP),
        intOf(env, "HERALD_SYNC_PAGE_SIZE", DEFAULT_SYNC_PAGE_SIZE),
        doubleOf(env, "HERALD_PARTNER_RATE", DEFAULT_RATE_PER_SECOND),
        intOf(env, "HERALD_PARTNER_BURST", DEFAULT_RATE_BURST),
        list(env.getOrDefault("HERALD_WEBHOOK_ALLOW", "")),
        env.getOrDefault("HERALD_WEBHOOK_PORTS", DEFAULT_WEBHOOK_PORTS),
        durations(env.getOrDefault("HERALD_WEBHOOK_RETRY_SCHEDULE", DEFAULT_RETRY_SCHEDULE)),
        Duration.ofMillis(longOf(env, "HERALD_WEBHOOK_TIMEOUT_MS", DEFAULT_WEBHOOK_TIMEOUT_MS)),
        Duration.ofMillis(longOf(env, "HERALD_WEBHOOK_POLL_MS", DEFAULT_WEBHOOK_POLL_MS)),
        Duration.ofSeconds(
            longOf(env, "HERALD_WEBHOOK_ROTATION_OVERLAP_S", DEFAULT_ROTATION_OVERLAP_S)),
        Optional.ofNullable(env.get("HERALD_WEBSUB_HUB"))
            .filter(s -> !s.isBlank())
            .map(URI::create),
        // The api on this machine, and the publisher's /site/ (feed items link there).
        EnvValues.value(env, "HERALD_PUBLIC_URL")
            .orElse("http://localhost:" + intOf(env, "HERALD_API_PORT", DEFAULT_API_PORT)),
        EnvValues.value(env, "HERALD_SITE_URL")
            .orElse(
                "http://localhost:"
                    + intOf(env, "HERALD_PUBLISHER_PORT", DEFAULT_PUBLISHER_PORT)
                    + "/site"),
        env.getOrDefault("HERALD_FEED_TITLE", DEFAULT_FEED_TITLE),
        intOf(env, "HERALD_FEED_SIZE", DEFAULT_FEED_SIZE));
  }

  /** The same settings with another consumer group. */
  public PartnerConfig withConsumerGroup(String group) {
    return new PartnerConfig(
        group,
        syncPageSize,
        rateLimitPerSecond,
        rateLimitBurst,
        webhookAllow,
        webhookPorts,
        webhookRetrySchedule,
        webhookTimeout,
        webhookPollInterval,
        webhookRotationOverlap,
        webSubHub,
        publicUrl,
        siteUrl,
        feedTitle,
        feedSize);
  }

  private static String trimSlash(String s) {
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }
}
