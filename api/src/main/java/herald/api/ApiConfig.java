package herald.api;

import herald.events.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Settings of the api service, read from the environment. */
public record ApiConfig(
    int port,
    String pgHost,
    int pgPort,
    String pgDatabase,
    String pgUser,
    String pgPassword,
    int pgPoolSize,
    String kafkaBootstrapServers,
    String contentTopic,
    Optional<String> adminKey,
    String indexerUrl,
    String publisherUrl,
    Optional<String> internalToken,
    long maxBodyBytes,
    List<String> locales,
    boolean publicDelivery,
    Duration relayPollInterval,
    Duration schedulerPollInterval,
    Map<String, List<String>> localeFallbacks,
    int responseCacheSize,
    int httpInstances,
    boolean partnersEnabled,
    Path dataDir,
    String bindHost,
    Map<String, String> env) {

  public static final int DEFAULT_PORT = 8080;
  public static final String DEFAULT_PG_HOST = "127.0.0.1";
  public static final int DEFAULT_PG_PORT = 5432;
  public static final String DEFAULT_PG_DATABASE = "herald";
  public static final String DEFAULT_PG_USER = "postgres";
  public static final int DEFAULT_PG_POOL_SIZE = 8;
  public static final String DEFAULT_KAFKA = "127.0.0.1:9092";
  public static final int DEFAULT_INDEXER_PORT = 8081;
  public static final int DEFAULT_PUBLISHER_PORT = 8082;

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

  public ApiConfig {
    locales = List.copyOf(locales);
    // Chains may only name configured locales; others are dropped from them.
    Map<String, List<String>> kept = new java.util.HashMap<>();
    for (Map.Entry<String, List<String>> f : localeFallbacks.entrySet()) {
      if (locales.contains(f.getKey())) {
        kept.put(f.getKey(), f.getValue().stream().filter(locales::contains).toList());
      }
    }
    localeFallbacks = Map.copyOf(kept);
    // Modules with settings of their own (partners) read them from the same variables.
    env = env == null ? Map.of() : Map.copyOf(env);
    bindHost = bindHost == null || bindHost.isBlank() ? DEFAULT_BIND_HOST : bindHost.strip();
    if (locales.isEmpty()) {
      throw new IllegalArgumentException("HERALD_LOCALES must name at least one locale");
    }
  }

  /**
   * The locales to try for a requested one: itself, its configured fallbacks, then the default
   * locale.
   */
  public List<String> fallbackChain(String locale) {
    java.util.LinkedHashSet<String> chain = new java.util.LinkedHashSet<>();
    chain.add(locale);
    chain.addAll(localeFallbacks.getOrDefault(locale, List.of()));
    chain.add(defaultLocale());
    return List.copyOf(chain);
  }

  /** The default locale: the first configured one. */
  public String defaultLocale() {
    return locales.get(0);
  }

  public static ApiConfig fromEnv(Map<String, String> env) {
    return new ApiConfig(
        intOf(env, "HERALD_API_PORT", DEFAULT_PORT),
        env.getOrDefault("PG_HOST", DEFAULT_PG_HOST),
        intOf(env, "PG_PORT", DEFAULT_PG_PORT),
        env.getOrDefault("PG_DATABASE", DEFAULT_PG_DATABASE),
        env.getOrDefault("PG_USER", DEFAULT_PG_USER),
        env.getOrDefault("PG_PASSWORD", ""),
        intOf(env, "HERALD_API_PG_POOL_SIZE", DEFAULT_PG_POOL_SIZE),
        env.getOrDefault("KAFKA_BOOTSTRAP_SERVERS", DEFAULT_KAFKA),
        env.getOrDefault("HERALD_CONTENT_TOPIC", Topics.CONTENT),
        Optional.ofNullable(env.get("HERALD_ADMIN_KEY")).filter(s -> !s.isBlank()),
        neighbourUrl(env, "HERALD_INDEXER_URL", "HERALD_INDEXER_PORT", DEFAULT_INDEXER_PORT),
        neighbourUrl(env, "HERALD_PUBLISHER_URL", "HERALD_PUBLISHER_PORT", DEFAULT_PUBLISHER_PORT),
        Optional.ofNullable(env.get("HERALD_INTERNAL_TOKEN")).filter(s -> !s.isBlank()),
        longOf(env, "HERALD_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES),
        Arrays.stream(env.getOrDefault("HERALD_LOCALES", DEFAULT_LOCALES).split(","))
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .toList(),
        Boolean.parseBoolean(env.getOrDefault("HERALD_PUBLIC_DELIVERY", "true")),
        Duration.ofMillis(longOf(env, "HERALD_RELAY_POLL_MS", DEFAULT_RELAY_POLL_MS)),
        Duration.ofMillis(longOf(env, "HERALD_SCHEDULER_POLL_MS", DEFAULT_SCHEDULER_POLL_MS)),
        fallbacks(env.getOrDefault("HERALD_LOCALE_FALLBACKS", DEFAULT_LOCALE_FALLBACKS)),
        intOf(env, "HERALD_RESPONSE_CACHE_SIZE", DEFAULT_RESPONSE_CACHE_SIZE),
        intOf(env, "HERALD_API_EVENT_LOOPS", Runtime.getRuntime().availableProcessors()),
        !"off".equalsIgnoreCase(env.getOrDefault("HERALD_PARTNERS", "on")),
        Path.of(env.getOrDefault("HERALD_DATA_DIR", DEFAULT_DATA_DIR)),
        env.getOrDefault("HERALD_BIND_HOST", DEFAULT_BIND_HOST),
        env);
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

  /** A whole-number setting; blank or absent is the default, anything else not a number fails. */
  public static int intOf(Map<String, String> env, String name, int dflt) {
    return (int) longOf(env, name, dflt);
  }

  /** A whole-number setting; blank or absent is the default, anything else not a number fails. */
  public static long longOf(Map<String, String> env, String name, long dflt) {
    String v = env.get(name);
    if (v == null || v.isBlank()) {
      return dflt;
    }
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a number, not '" + v + "'", e);
    }
  }

  /** A decimal setting; blank or absent is the default, anything else not a number fails. */
  public static double doubleOf(Map<String, String> env, String name, double dflt) {
    String v = env.get(name);
    if (v == null || v.isBlank()) {
      return dflt;
    }
    try {
      return Double.parseDouble(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a number, not '" + v + "'", e);
    }
  }
}
