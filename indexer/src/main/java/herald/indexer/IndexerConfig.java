package herald.indexer;

import herald.events.Topics;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** Settings of the indexer service, read from the environment. */
public record IndexerConfig(
    int port,
    String kafkaBootstrapServers,
    String contentTopic,
    String groupId,
    Path dataDir,
    Path indexDir,
    Optional<String> internalToken,
    int searchCacheSize,
    int searchThreads,
    String bindHost,
    String siteUrl) {

  public static final int DEFAULT_PORT = 8081;

  /** The publisher's port on this machine, for the default site URL. */
  public static final int DEFAULT_PUBLISHER_PORT = 8082;

  /** The website's public root that hits link to, as the publisher's default. */
  public static final String DEFAULT_SITE_URL =
      "http://localhost:" + DEFAULT_PUBLISHER_PORT + "/site";

  public static final String DEFAULT_KAFKA_BOOTSTRAP_SERVERS = "127.0.0.1:9092";
  public static final String DEFAULT_CONTENT_TOPIC = Topics.CONTENT;
  public static final String DEFAULT_GROUP_ID = "herald-indexer";
  public static final String DEFAULT_DATA_DIR = "./.herald";

  /** Answers kept per index refresh for repeated searches; 0 turns the cache off. */
  public static final int DEFAULT_SEARCH_CACHE_SIZE = 1_000;

  /**
   * Searches run at once, one per core by default: a search is CPU work, and more at a time only
   * share the cores (each takes longer) and thrash their caches; the rest wait their turn.
   */
  public static final int DEFAULT_SEARCH_THREADS = Runtime.getRuntime().availableProcessors();

  /**
   * Every interface: a service of its own is reached by the api from elsewhere. The all-in-one
   * launcher sets {@code HERALD_BIND_HOST=127.0.0.1}.
   */
  public static final String DEFAULT_BIND_HOST = "0.0.0.0";

  /** The index lives in this folder of the data dir unless HERALD_INDEX_DIR says otherwise. */
  public static final String DEFAULT_INDEX_SUBDIR = "index";

  public IndexerConfig {
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("HERALD_INDEXER_PORT must be 0..65535, not " + port);
    }
    requireText(kafkaBootstrapServers, "KAFKA_BOOTSTRAP_SERVERS");
    requireText(contentTopic, "HERALD_CONTENT_TOPIC");
    requireText(groupId, "HERALD_INDEXER_GROUP");
    if (searchCacheSize < 0) {
      throw new IllegalArgumentException(
          "HERALD_SEARCH_CACHE_SIZE must be 0 or more, not " + searchCacheSize);
    }
    if (searchThreads < 1) {
      throw new IllegalArgumentException(
          "HERALD_SEARCH_THREADS must be 1 or more, not " + searchThreads);
    }
    internalToken =
        internalToken == null
            ? Optional.empty()
            : internalToken.map(String::strip).filter(t -> !t.isEmpty());
    bindHost = bindHost == null || bindHost.isBlank() ? DEFAULT_BIND_HOST : bindHost.strip();
    siteUrl = siteUrl == null || siteUrl.isBlank() ? DEFAULT_SITE_URL : siteUrl.strip();
    siteUrl = siteUrl.endsWith("/") ? siteUrl.substring(0, siteUrl.length() - 1) : siteUrl;
  }

  /** Settings with the default site URL. */
  public IndexerConfig(
      int port,
      String kafkaBootstrapServers,
      String contentTopic,
      String groupId,
      Path dataDir,
      Path indexDir,
      Optional<String> internalToken,
      int searchCacheSize,
      int searchThreads,
      String bindHost) {
    this(
        port,
        kafkaBootstrapServers,
        contentTopic,
        groupId,
        dataDir,
        indexDir,
        internalToken,
        searchCacheSize,
        searchThreads,
        bindHost,
        DEFAULT_SITE_URL);
  }

  /**
   * Settings without an internal token (the admin endpoints are closed to everyone) and with the
   * default search cache; see {@link #withInternalToken} and {@link #withSearchCacheSize}.
   */
  public IndexerConfig(
      int port,
      String kafkaBootstrapServers,
      String contentTopic,
      String groupId,
      Path dataDir,
      Path indexDir) {
    this(
        port,
        kafkaBootstrapServers,
        contentTopic,
        groupId,
        dataDir,
        indexDir,
        Optional.empty(),
        DEFAULT_SEARCH_CACHE_SIZE,
        DEFAULT_SEARCH_THREADS,
        DEFAULT_BIND_HOST);
  }

  /** The same settings with another search cache size (0: no cache). */
  public IndexerConfig withSearchCacheSize(int size) {
    return new IndexerConfig(
        port,
        kafkaBootstrapServers,
        contentTopic,
        groupId,
        dataDir,
        indexDir,
        internalToken,
        size,
        searchThreads,
        bindHost,
        siteUrl);
  }

  /** The same settings with the token that {@code /v1/admin/*} requires. */
  public IndexerConfig withInternalToken(String token) {
    return new IndexerConfig(
        port,
        kafkaBootstrapServers,
        contentTopic,
        groupId,
        dataDir,
        indexDir,
        Optional.ofNullable(token),
        searchCacheSize,
        searchThreads,
        bindHost,
        siteUrl);
  }

  @Override
  public String toString() {
    // The token is a secret: never in logs.
    return ("IndexerConfig[host=%s, port=%d, kafka=%s, topic=%s, group=%s, index=%s, internalToken=%s,"
            + " searchCacheSize=%d, searchThreads=%d]")
        .formatted(
            bindHost,
            port,
            kafkaBootstrapServers,
            contentTopic,
            groupId,
            indexDir,
            internalToken.isPresent() ? "set" : "unset",
            searchCacheSize,
            searchThreads);
  }

  /**
   * Reads {@code HERALD_BIND_HOST}, {@code HERALD_INDEXER_PORT} (0 = any free port), Kafka, topic,
   * group, folders, {@code HERALD_INTERNAL_TOKEN}, {@code HERALD_SEARCH_CACHE_SIZE}, {@code
   * HERALD_SEARCH_THREADS} and {@code HERALD_SITE_URL} (the website hits link to).
   */
  public static IndexerConfig fromEnv(Map<String, String> env) {
    Path dataDir = Path.of(value(env, "HERALD_DATA_DIR", DEFAULT_DATA_DIR));
    return new IndexerConfig(
        port(value(env, "HERALD_INDEXER_PORT", Integer.toString(DEFAULT_PORT))),
        value(env, "KAFKA_BOOTSTRAP_SERVERS", DEFAULT_KAFKA_BOOTSTRAP_SERVERS),
        value(env, "HERALD_CONTENT_TOPIC", DEFAULT_CONTENT_TOPIC),
        value(env, "HERALD_INDEXER_GROUP", DEFAULT_GROUP_ID),
        dataDir,
        Path.of(value(env, "HERALD_INDEX_DIR", dataDir.resolve(DEFAULT_INDEX_SUBDIR).toString())),
        Optional.ofNullable(env.get("HERALD_INTERNAL_TOKEN")),
        number(
            value(env, "HERALD_SEARCH_CACHE_SIZE", Integer.toString(DEFAULT_SEARCH_CACHE_SIZE)),
            "HERALD_SEARCH_CACHE_SIZE"),
        number(
            value(env, "HERALD_SEARCH_THREADS", Integer.toString(DEFAULT_SEARCH_THREADS)),
            "HERALD_SEARCH_THREADS"),
        value(env, "HERALD_BIND_HOST", DEFAULT_BIND_HOST),
        // As the publisher: HERALD_SITE_URL, else /site of the publisher on this machine.
        value(
            env,
            "HERALD_SITE_URL",
            "http://localhost:"
                + value(env, "HERALD_PUBLISHER_PORT", Integer.toString(DEFAULT_PUBLISHER_PORT))
                + "/site"));
  }

  private static String value(Map<String, String> env, String name, String dflt) {
    String v = env.get(name);
    return v == null || v.isBlank() ? dflt : v.trim();
  }

  private static int port(String v) {
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "HERALD_INDEXER_PORT must be a number, not '" + v + "'", e);
    }
  }

  private static int number(String v, String name) {
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a number, not '" + v + "'", e);
    }
  }

  private static void requireText(String v, String name) {
    if (v == null || v.isBlank()) {
      throw new IllegalArgumentException(name + " must not be empty");
    }
  }
}
