package herald.api;

import static herald.events.EnvValues.doubleOf;
import static herald.events.EnvValues.intOf;
import static herald.events.EnvValues.longOf;

import herald.api.auth.ApiKeys;
import herald.api.content.ContentConfig;
import herald.api.outbox.RelayHoldSeam;
import herald.api.partners.PartnerConfig;
import herald.api.studio.StudioConfig;
import herald.events.DatabaseSettings;
import herald.events.EnvValues;
import herald.events.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Settings of the api service, read from the environment once, in {@link #fromEnv}: nothing else in
 * the api reads the environment.
 *
 * @param content the locales and how content is delivered
 * @param partners the partner features (sync, feeds, webhooks), absent with {@code
 *     HERALD_PARTNERS=off}
 * @param relayHold a test seam's arming file ({@code HERALD_TEST_RELAY_HOLD}, see {@code
 *     RelayHoldSeam}), never set in production
 */
public record ApiConfig(
    Http http,
    DatabaseSettings database,
    Kafka kafka,
    Neighbours neighbours,
    Keys keys,
    ContentConfig content,
    Duration relayPollInterval,
    Duration schedulerPollInterval,
    Optional<PartnerConfig> partners,
    StudioConfig studio,
    Path dataDir,
    Optional<Path> relayHold) {

  /**
   * Where and how the api serves HTTP.
   *
   * @param port 0 for any free port
   * @param eventLoops how many servers share the port, each on its own event loop
   */
  public record Http(int port, String bindHost, long maxBodyBytes, int eventLoops) {
    public Http {
      bindHost = bindHost == null || bindHost.isBlank() ? DEFAULT_BIND_HOST : bindHost.strip();
    }
  }

  /** The broker and the topic the outbox relay writes content events to. */
  public record Kafka(String bootstrapServers, String contentTopic) {}

  /**
   * The services the api forwards to, and the token it shows them.
   *
   * @param internalToken {@code HERALD_INTERNAL_TOKEN}; without it they refuse forwarded calls
   */
  public record Neighbours(
      String indexerUrl, String publisherUrl, Optional<String> internalToken) {}

  /**
   * The bootstrap admin key, and the throttle on wrong keys.
   *
   * @param wrongKeysBurst wrong keys a client may send before it is throttled
   * @param wrongKeysPerMinute how fast that allowance refills
   */
  public record Keys(Optional<String> adminKey, int wrongKeysBurst, double wrongKeysPerMinute) {}

  public static final int DEFAULT_PORT = PartnerConfig.DEFAULT_API_PORT;
  public static final int DEFAULT_PG_POOL_SIZE = 8;
  public static final String DEFAULT_KAFKA = "127.0.0.1:9092";
  public static final int DEFAULT_INDEXER_PORT = 8081;
  public static final int DEFAULT_PUBLISHER_PORT = PartnerConfig.DEFAULT_PUBLISHER_PORT;

  /**
   * Every interface: the api is the public front door. The all-in-one launcher sets {@code
   * HERALD_BIND_HOST=127.0.0.1}.
   */
  public static final String DEFAULT_BIND_HOST = "0.0.0.0";

  public static final long DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

  /** English first (the default locale), then the languages of South-East Europe and Russian. */
  public static final String DEFAULT_LOCALES =
      "en,sr-Latn,sr-Cyrl,hr,bs,sl,mk,bg,sq,ro,el,me,ru,uk,hu,tr,de,fr";

  public static final long DEFAULT_RELAY_POLL_MS = 1000;
  public static final String DEFAULT_DATA_DIR = "./.herald";

  /** Serbian in either script falls back to the other script before the default locale. */
  public static final String DEFAULT_LOCALE_FALLBACKS = "sr-Latn>sr-Cyrl,sr-Cyrl>sr-Latn";

  public static final long DEFAULT_SCHEDULER_POLL_MS = 1000;
  public static final int DEFAULT_RESPONSE_CACHE_SIZE = 10_000;

  /** The configured locales, the default first. */
  public List<String> locales() {
    return content.locales();
  }

  /** The locales to try for a requested one (see {@link ContentConfig#fallbackChain}). */
  public List<String> fallbackChain(String locale) {
    return content.fallbackChain(locale);
  }

  /** The default locale: the first configured one. */
  public String defaultLocale() {
    return content.defaultLocale();
  }

  public static ApiConfig fromEnv(Map<String, String> env) {
    return new ApiConfig(
        new Http(
            intOf(env, "HERALD_API_PORT", DEFAULT_PORT),
            env.getOrDefault("HERALD_BIND_HOST", DEFAULT_BIND_HOST),
            longOf(env, "HERALD_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES),
            intOf(env, "HERALD_API_EVENT_LOOPS", Runtime.getRuntime().availableProcessors())),
        DatabaseSettings.fromEnv(env, "HERALD_API_PG_POOL_SIZE", DEFAULT_PG_POOL_SIZE),
        new Kafka(
            env.getOrDefault("KAFKA_BOOTSTRAP_SERVERS", DEFAULT_KAFKA),
            env.getOrDefault("HERALD_CONTENT_TOPIC", Topics.CONTENT)),
        new Neighbours(
            neighbourUrl(env, "HERALD_INDEXER_URL", "HERALD_INDEXER_PORT", DEFAULT_INDEXER_PORT),
            neighbourUrl(
                env, "HERALD_PUBLISHER_URL", "HERALD_PUBLISHER_PORT", DEFAULT_PUBLISHER_PORT),
            Optional.ofNullable(env.get("HERALD_INTERNAL_TOKEN")).filter(s -> !s.isBlank())),
        new Keys(
            Optional.ofNullable(env.get("HERALD_ADMIN_KEY")).filter(s -> !s.isBlank()),
            intOf(env, "HERALD_WRONG_KEYS_BURST", ApiKeys.DEFAULT_WRONG_KEYS_BURST),
            doubleOf(env, "HERALD_WRONG_KEYS_PER_MIN", ApiKeys.DEFAULT_WRONG_KEYS_PER_MIN)),
        new ContentConfig(
            Arrays.stream(env.getOrDefault("HERALD_LOCALES", DEFAULT_LOCALES).split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .toList(),
            fallbacks(env.getOrDefault("HERALD_LOCALE_FALLBACKS", DEFAULT_LOCALE_FALLBACKS)),
            Boolean.parseBoolean(env.getOrDefault("HERALD_PUBLIC_DELIVERY", "true")),
            intOf(env, "HERALD_RESPONSE_CACHE_SIZE", DEFAULT_RESPONSE_CACHE_SIZE)),
        Duration.ofMillis(longOf(env, "HERALD_RELAY_POLL_MS", DEFAULT_RELAY_POLL_MS)),
        Duration.ofMillis(longOf(env, "HERALD_SCHEDULER_POLL_MS", DEFAULT_SCHEDULER_POLL_MS)),
        "off".equalsIgnoreCase(env.getOrDefault("HERALD_PARTNERS", "on"))
            ? Optional.empty()
            : Optional.of(PartnerConfig.fromEnv(env)),
        StudioConfig.fromEnv(env),
        Path.of(env.getOrDefault("HERALD_DATA_DIR", DEFAULT_DATA_DIR)),
        EnvValues.value(env, RelayHoldSeam.ENV).map(Path::of));
  }

  /**
   * The URL of a service the api forwards to: {@code urlName}, else that service on this machine at
   * the port {@code portName} gives it (on the address all services bind to, or loopback when they
   * bind to every interface).
   */
  static String neighbourUrl(
      Map<String, String> env, String urlName, String portName, int defaultPort) {
    String url = env.get(urlName);
    if (url != null && !url.isBlank()) {
      return url.strip();
    }
    String bind = env.getOrDefault("HERALD_BIND_HOST", "").strip();
    String host =
        bind.isEmpty() || bind.equals("0.0.0.0") || bind.equals("::") ? "127.0.0.1" : bind;
    if (host.contains(":") && !host.startsWith("[")) {
      host = "[" + host + "]";
    }
    return "http://" + host + ":" + intOf(env, portName, defaultPort);
  }

  /** Reads {@code a>b>c,d>e}: locale a falls back to b, then c. */
  static Map<String, List<String>> fallbacks(String spec) {
    Map<String, List<String>> out = new java.util.HashMap<>();
    for (String chain : spec.split(",")) {
      List<String> parts =
          Arrays.stream(chain.split(">")).map(String::trim).filter(s -> !s.isEmpty()).toList();
      if (parts.size() > 1) {
        out.put(parts.get(0), parts.subList(1, parts.size()));
      }
    }
    return out;
  }
}
