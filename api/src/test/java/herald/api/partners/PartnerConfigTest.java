package herald.api.partners;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class PartnerConfigTest {
  @Test
  @DisplayName("the rate and burst have their defaults and take decimal and whole numbers")
  void rate() {
    PartnerConfig d = PartnerConfig.fromEnv(Map.of());
    assertEquals(PartnerConfig.DEFAULT_RATE_PER_SECOND, d.rateLimitPerSecond());
    assertEquals(PartnerConfig.DEFAULT_RATE_BURST, d.rateLimitBurst());
    PartnerConfig c =
        PartnerConfig.fromEnv(Map.of("HERALD_PARTNER_RATE", " 2.5", "HERALD_PARTNER_BURST", "7"));
    assertEquals(2.5, c.rateLimitPerSecond());
    assertEquals(7, c.rateLimitBurst());
  }

  @Test
  @DisplayName("feed links name the api's and the publisher's ports unless URLs are given")
  void linksFollowThePorts() {
    PartnerConfig d = PartnerConfig.fromEnv(Map.of());
    assertEquals("http://localhost:8080", d.publicUrl());
    assertEquals("http://localhost:8082/site", d.siteUrl());
    PartnerConfig moved =
        PartnerConfig.fromEnv(Map.of("HERALD_API_PORT", "18080", "HERALD_PUBLISHER_PORT", "18082"));
    assertEquals("http://localhost:18080", moved.publicUrl());
    assertEquals("http://localhost:18082/site", moved.siteUrl());
    PartnerConfig told =
        PartnerConfig.fromEnv(
            Map.of("HERALD_PUBLIC_URL", "https://api.example/", "HERALD_SITE_URL", "https://x.eu"));
    assertEquals("https://api.example", told.publicUrl());
    assertEquals("https://x.eu", told.siteUrl());
  }

  @Test
  @DisplayName("the api forwards to the indexer and publisher at their configured ports")
  void forwardsFollowThePorts() {
    herald.api.ApiConfig d = herald.api.ApiConfig.fromEnv(Map.of());
    assertEquals("http://127.0.0.1:8081", d.neighbours().indexerUrl());
    assertEquals("http://127.0.0.1:8082", d.neighbours().publisherUrl());
    assertEquals("0.0.0.0", d.http().bindHost());
    herald.api.ApiConfig moved =
        herald.api.ApiConfig.fromEnv(
            Map.of("HERALD_INDEXER_PORT", "18081", "HERALD_PUBLISHER_PORT", "18082"));
    assertEquals("http://127.0.0.1:18081", moved.neighbours().indexerUrl());
    assertEquals("http://127.0.0.1:18082", moved.neighbours().publisherUrl());
    herald.api.ApiConfig told =
        herald.api.ApiConfig.fromEnv(
            Map.of(
                "HERALD_PUBLISHER_URL", "http://publisher:9000", "HERALD_BIND_HOST", "10.0.0.5"));
    assertEquals("http://publisher:9000", told.neighbours().publisherUrl());
    assertEquals("http://10.0.0.5:8081", told.neighbours().indexerUrl());
  }

  @Test
  @DisplayName("a setting that is not a number is refused with its name")
  void notANumber() {
    for (String name :
        new String[] {
          "HERALD_PARTNER_RATE", "HERALD_PARTNER_BURST", "HERALD_SYNC_PAGE_SIZE", "HERALD_FEED_SIZE"
        }) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class, () -> PartnerConfig.fromEnv(Map.of(name, "ten")));
      assertTrue(e.getMessage().contains(name + " must be a number"), e.getMessage());
    }
  }
}
