package herald.publisher.channel.social;

import herald.publisher.PublisherConfig;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Settings of the social channel, from environment variables.
 *
 * @param accounts the organisation's accounts, from {@code HERALD_SOCIAL_ACCOUNTS} (a JSON array)
 * @param siteUrl the public website that posts link to, from {@code HERALD_SITE_URL}
 * @param timeout the longest wait for one call to a network, from {@code
 *     HERALD_SOCIAL_TIMEOUT_SECONDS}
 */
public record SocialConfig(
    List<SocialAccount> accounts,
    String siteUrl,
    Duration timeout,
    Duration mastodonIdempotencyWindow) {

  /**
   * How long Mastodon is trusted to remember an {@code Idempotency-Key}: it keeps them about an
   * hour; past this, a retry looks for the earlier try's status first.
   */
  public static final Duration DEFAULT_MASTODON_IDEMPOTENCY_WINDOW = Duration.ofMinutes(50);

  /** Settings with the default idempotency window. */
  public SocialConfig(List<SocialAccount> accounts, String siteUrl, Duration timeout) {
    this(accounts, siteUrl, timeout, DEFAULT_MASTODON_IDEMPOTENCY_WINDOW);
  }

  public static final int DEFAULT_TIMEOUT_SECONDS = 8;

  public SocialConfig {
    accounts = List.copyOf(accounts);
    Set<String> ids = new HashSet<>();
    for (SocialAccount a : accounts) {
      if (!ids.add(a.id())) {
        throw new IllegalArgumentException("two social accounts are called '" + a.id() + "'");
      }
    }
  }

  /** Reads the settings from the environment, using the defaults for missing ones. */
  public static SocialConfig fromEnv(Map<String, String> env) {
    List<SocialAccount> accounts = new ArrayList<>();
    String json = env.get("HERALD_SOCIAL_ACCOUNTS");
    if (json != null && !json.isBlank()) {
      JsonArray array;
      try {
        array = new JsonArray(json.trim());
      } catch (DecodeException | ClassCastException e) {
        throw new IllegalArgumentException("HERALD_SOCIAL_ACCOUNTS must be a JSON array", e);
      }
      for (Object o : array) {
        if (!(o instanceof JsonObject account)) {
          throw new IllegalArgumentException("HERALD_SOCIAL_ACCOUNTS must hold JSON objects");
        }
        accounts.add(SocialAccount.fromJson(account));
      }
    }
    String timeout = env.getOrDefault("HERALD_SOCIAL_TIMEOUT_SECONDS", "");
    int seconds;
    try {
      seconds = timeout.isBlank() ? DEFAULT_TIMEOUT_SECONDS : Integer.parseInt(timeout.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("HERALD_SOCIAL_TIMEOUT_SECONDS must be an integer", e);
    }
    return new SocialConfig(accounts, PublisherConfig.siteUrl(env), Duration.ofSeconds(seconds));
  }
}
