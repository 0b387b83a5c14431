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
