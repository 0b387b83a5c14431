package herald.publisher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import herald.events.Topics;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The publisher's configuration")
class PublisherConfigTest {

  @Test
  @DisplayName("an empty environment gives the all-in-one defaults")
  void defaults() {
    PublisherConfig c = PublisherConfig.fromEnv(Map.of());

    assertEquals(8082, c.port());
    assertEquals("127.0.0.1:9092", c.kafkaBootstrapServers());
    assertEquals(Topics.CONTENT, c.contentTopic());
    assertEquals("herald-publisher", c.consumerGroup());
    assertEquals("127.0.0.1", c.pgHost());
    assertEquals(5432, c.pgPort());
    assertEquals("herald", c.pgDatabase());
    assertEquals("postgres", c.pgUser());
    assertEquals("", c.pgPassword());
    assertEquals(Path.of(".herald").toAbsolutePath().normalize(), c.dataDir());
    assertEquals(c.dataDir().resolve("site"), c.siteDir());
    assertEquals("jdbc:postgresql://127.0.0.1:5432/herald", c.jdbcUrl());
  }

  @Test
  @DisplayName(
      "links to the site and the api follow the ports, and the bind host is every interface")
  void neighboursFollowThePorts() {
    Map<String, String> env = Map.of("HERALD_PUBLISHER_PORT", "18082", "HERALD_API_PORT", "18080");
    PublisherConfig c = PublisherConfig.fromEnv(env);
    assertEquals("http://localhost:18082/site", c.website().siteUrl());
    assertEquals("http://localhost:18080", c.website().feedsUrl());
    assertEquals(
        "http://localhost:18082/site",
        herald.publisher.channel.social.SocialConfig.fromEnv(env).siteUrl());
    assertEquals("0.0.0.0", c.bindHost());
    assertEquals(java.util.Optional.empty(), c.internalToken());
    PublisherConfig told =
        PublisherConfig.fromEnv(
            Map.of(
                "HERALD_SITE_URL", "https://site.example/",
                "HERALD_PUBLIC_URL", "https://api.example",
                "HERALD_BIND_HOST", "127.0.0.1",
                "HERALD_INTERNAL_TOKEN", " t "));
    assertEquals("https://site.example", told.website().siteUrl());
    assertEquals("https://api.example", told.website().feedsUrl());
    assertEquals("127.0.0.1", told.bindHost());
    assertEquals(java.util.Optional.of("t"), told.internalToken());
    assertFalse(told.toString().contains(" t "), "the token is not logged");
  }

  @Test
  @DisplayName("every setting can be overridden by its environment variable")
  void overrides() {
    PublisherConfig c =
        PublisherConfig.fromEnv(
            Map.ofEntries(
                Map.entry("HERALD_PUBLISHER_PORT", "0"),
                Map.entry("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092"),
                Map.entry("HERALD_CONTENT_TOPIC", "content-test"),
                Map.entry("HERALD_PUBLISHER_GROUP", "publisher-test"),
                Map.entry("PG_HOST", "::1"),
                Map.entry("PG_PORT", "5433"),
                Map.entry("PG_DATABASE", "cms"),
                Map.entry("PG_USER", "herald"),
                Map.entry("PG_PASSWORD", "s3cret"),
                Map.entry("HERALD_DATA_DIR", "/var/lib/herald"),
                Map.entry("HERALD_SITE_DIR", "/srv/www")));

    assertEquals(0, c.port());
    assertEquals("kafka:9092", c.kafkaBootstrapServers());
    assertEquals("content-test", c.contentTopic());
    assertEquals("publisher-test", c.consumerGroup());
    assertEquals("jdbc:postgresql://[::1]:5433/cms", c.jdbcUrl());
    assertEquals("herald", c.pgUser());
    assertEquals("s3cret", c.pgPassword());
    assertEquals(Path.of("/var/lib/herald"), c.dataDir());
    assertEquals(Path.of("/srv/www"), c.siteDir());
  }

  @Test
  @DisplayName("the site directory follows the data directory unless set")
  void siteDirFollowsDataDir() {
    PublisherConfig c = PublisherConfig.fromEnv(Map.of("HERALD_DATA_DIR", "/tmp/h"));

    assertEquals(Path.of("/tmp/h/site"), c.siteDir());
  }

  @Test
  @DisplayName("a port that is not a number is rejected with the variable's name")
  void badPort() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> PublisherConfig.fromEnv(Map.of("HERALD_PUBLISHER_PORT", "eighty")));

    assertTrue(e.getMessage().contains("HERALD_PUBLISHER_PORT"));
  }

  @Test
  @DisplayName("the password never shows in the logged form")
  void passwordIsNotLogged() {
    PublisherConfig c = PublisherConfig.fromEnv(Map.of("PG_PASSWORD", "s3cret"));

    assertFalse(c.toString().contains("s3cret"));
  }
}
