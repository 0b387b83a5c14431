package herald.indexer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import herald.events.Topics;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Indexer configuration")
class IndexerConfigTest {

  @Test
  @DisplayName("an empty environment gives the all-in-one defaults")
  void defaults() {
    IndexerConfig c = IndexerConfig.fromEnv(Map.of());

    assertEquals(8081, c.port());
    assertEquals("127.0.0.1:9092", c.kafkaBootstrapServers());
    assertEquals(Topics.CONTENT, c.contentTopic());
    assertEquals("herald-indexer", c.groupId());
    assertEquals(Path.of("./.herald"), c.dataDir());
    assertEquals(Path.of("./.herald/index"), c.indexDir());
  }

  @Test
  @DisplayName("every setting has an environment variable")
  void overrides() {
    IndexerConfig c =
        IndexerConfig.fromEnv(
            Map.of(
                "HERALD_INDEXER_PORT", "0",
                "KAFKA_BOOTSTRAP_SERVERS", "kafka:9092",
                "HERALD_CONTENT_TOPIC", "t",
                "HERALD_INDEXER_GROUP", "g",
                "HERALD_DATA_DIR", "/var/herald"));

    assertEquals(0, c.port());
    assertEquals("kafka:9092", c.kafkaBootstrapServers());
    assertEquals("t", c.contentTopic());
    assertEquals("g", c.groupId());
    assertEquals(Path.of("/var/herald/index"), c.indexDir());
    assertEquals(
        Path.of("/srv/idx"),
        IndexerConfig.fromEnv(Map.of("HERALD_INDEX_DIR", "/srv/idx")).indexDir());
  }

  @Test
  @DisplayName(
      "the internal token and the search cache have variables, and the token is never printed")
  void tokenAndCache() {
    IndexerConfig c =
        IndexerConfig.fromEnv(
            Map.of("HERALD_INTERNAL_TOKEN", " s3cret ", "HERALD_SEARCH_CACHE_SIZE", "0"));
    assertEquals(java.util.Optional.of("s3cret"), c.internalToken());
    assertEquals(0, c.searchCacheSize());
    org.junit.jupiter.api.Assertions.assertFalse(c.toString().contains("s3cret"));
    assertEquals(java.util.Optional.empty(), IndexerConfig.fromEnv(Map.of()).internalToken());
    assertEquals(
        IndexerConfig.DEFAULT_SEARCH_CACHE_SIZE, IndexerConfig.fromEnv(Map.of()).searchCacheSize());
    assertThrows(
        IllegalArgumentException.class,
        () -> IndexerConfig.fromEnv(Map.of("HERALD_SEARCH_CACHE_SIZE", "-1")));
  }

  @Test
  @DisplayName("searches run on one thread per core unless HERALD_SEARCH_THREADS says otherwise")
  void searchThreads() {
    assertEquals(
        Runtime.getRuntime().availableProcessors(),
        IndexerConfig.fromEnv(Map.of()).searchThreads());
    assertEquals(6, IndexerConfig.fromEnv(Map.of("HERALD_SEARCH_THREADS", "6")).searchThreads());
    assertEquals(
        6,
        IndexerConfig.fromEnv(Map.of("HERALD_SEARCH_THREADS", "6"))
            .withSearchCacheSize(0)
            .withInternalToken("t")
            .searchThreads());
    assertThrows(
        IllegalArgumentException.class,
        () -> IndexerConfig.fromEnv(Map.of("HERALD_SEARCH_THREADS", "0")));
    assertThrows(
        IllegalArgumentException.class,
        () -> IndexerConfig.fromEnv(Map.of("HERALD_SEARCH_THREADS", "many")));
  }

  @Test
  @DisplayName("built in code, the settings have no token and the default cache until told")
  void inCode() {
    IndexerConfig c =
        new IndexerConfig(0, "kafka:9092", "t", "g", Path.of("/d"), Path.of("/d/index"));
    assertEquals(java.util.Optional.empty(), c.internalToken());
    assertEquals(IndexerConfig.DEFAULT_SEARCH_CACHE_SIZE, c.searchCacheSize());
    IndexerConfig tuned = c.withInternalToken(" s3cret ").withSearchCacheSize(0);
    assertEquals(java.util.Optional.of("s3cret"), tuned.internalToken());
    assertEquals(0, tuned.searchCacheSize());
    assertEquals(c.indexDir(), tuned.indexDir());
    assertEquals(java.util.Optional.empty(), c.withInternalToken(null).internalToken());
  }

  @Test
  @DisplayName("a port that is not a number is refused at start")
  void badPort() {
    assertThrows(
        IllegalArgumentException.class,
        () -> IndexerConfig.fromEnv(Map.of("HERALD_INDEXER_PORT", "http")));
    assertThrows(
        IllegalArgumentException.class,
        () -> IndexerConfig.fromEnv(Map.of("HERALD_INDEXER_PORT", "70000")));
  }
}
