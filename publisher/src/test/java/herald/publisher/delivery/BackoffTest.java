package herald.publisher.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Retry backoff")
class BackoffTest {

  final Backoff backoff = new Backoff(Duration.ofSeconds(5), Duration.ofMinutes(10));

  @Test
  @DisplayName("doubles with each failure, between half and all of the exponential delay")
  void exponentialWithEqualJitter() {
    for (int failures = 1; failures <= 6; failures++) {
      long full = 5_000L << (failures - 1);
      for (int i = 0; i < 200; i++) {
        long ms = backoff.delay(failures, Optional.empty()).toMillis();
        assertTrue(ms >= full / 2 && ms <= full, failures + " failures: " + ms + " ms");
      }
    }
  }

  @Test
  @DisplayName("is jittered, so deliveries that failed together do not come back together")
  void jittered() {
    Set<Long> seen = new HashSet<>();
    for (int i = 0; i < 50; i++) {
      seen.add(backoff.delay(3, Optional.empty()).toMillis());
    }
    assertTrue(seen.size() > 10, "distinct delays: " + seen.size());
  }

  @Test
  @DisplayName("never exceeds the maximum, however many failures")
  void capped() {
    for (int failures = 8; failures < 100; failures += 7) {
      long ms = backoff.delay(failures, Optional.empty()).toMillis();
      assertTrue(ms <= 600_000 && ms >= 300_000, failures + " failures: " + ms + " ms");
    }
  }

  @Test
  @DisplayName("honours Retry-After as a minimum, with at most 10% added, and caps it at a day")
  void retryAfter() {
    for (int i = 0; i < 100; i++) {
      long ms = backoff.delay(1, Optional.of(Duration.ofSeconds(120))).toMillis();
      assertTrue(ms >= 120_000 && ms <= 132_000, ms + " ms");
    }
    assertEquals(
        Duration.ZERO, backoff.delay(1, Optional.of(Duration.ZERO)), "Retry-After: 0 means now");
    assertTrue(
        backoff.delay(1, Optional.of(Duration.ofDays(30))).compareTo(Duration.ofHours(27)) < 0);
  }
}
