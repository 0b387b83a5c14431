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
    long maxBodyBytes,
    List<String> locales,
    boolean publicDelivery,
    Duration relayPollInterval,
    Path dataDir) {

  public static final int DEFAULT_PORT = 8080;
  public static final String DEFAULT_PG_HOST = "127.0.0.1";
  public static final int DEFAULT_PG_PORT = 5432;
  public static final String DEFAULT_PG_DATABASE = "herald";
  public static final String DEFAULT_PG_USER = "postgres";
  public static final int DEFAULT_PG_POOL_SIZE = 8;
  public static final String DEFAULT_KAFKA = "127.0.0.1:9092";
  public static final String DEFAULT_INDEXER_URL = "http://127.0.0.1:8081";
  public static final long DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

  /** English first (the default locale), then the languages of South-East Europe and Russian. */
  public static final String DEFAULT_LOCALES =
      "en,sr-Latn,sr-Cyrl,hr,bs,sl,mk,bg,sq,ro,el,me,ru,uk,hu,tr,de,fr";

  public static final long DEFAULT_RELAY_POLL_MS = 1000;
  public static final String DEFAULT_DATA_DIR = "./.herald";

  public ApiConfig {
    locales = List.copyOf(locales);
    if (locales.isEmpty()) {
      throw new IllegalArgumentException("HERALD_LOCALES must name at least one locale");
    }
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
        env.getOrDefault("HERALD_INDEXER_URL", DEFAULT_INDEXER_URL),
        longOf(env, "HERALD_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES),
        Arrays.stream(env.getOrDefault("HERALD_LOCALES", DEFAULT_LOCALES).split(","))
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .toList(),
        Boolean.parseBoolean(env.getOrDefault("HERALD_PUBLIC_DELIVERY", "true")),
        Duration.ofMillis(longOf(env, "HERALD_RELAY_POLL_MS", DEFAULT_RELAY_POLL_MS)),
        Path.of(env.getOrDefault("HERALD_DATA_DIR", DEFAULT_DATA_DIR)));
  }

  private static int intOf(Map<String, String> env, String name, int dflt) {
    return (int) longOf(env, name, dflt);
  }

  private static long longOf(Map<String, String> env, String name, long dflt) {
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
}
