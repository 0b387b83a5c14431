package herald.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Wrong keys are throttled per client address, so keys can't be guessed at speed. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WrongKeysIT {
  ApiHarness h;

  @BeforeAll
  void start() {
    h = new ApiHarness();
    h.extraEnv.put("HERALD_WRONG_KEYS_BURST", "5");
    h.extraEnv.put("HERALD_WRONG_KEYS_PER_MIN", "1");
    h.deploy();
  }

  @AfterAll
  void stop() {
    h.close();
  }

  @Test
  @DisplayName(
      "after a burst of wrong keys, an address gets 429 with Retry-After, whatever its key")
  void throttled() {
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> r = h.send("GET", "/v1/manage/types", "hk_guess" + i, null);
      assertEquals(401, r.statusCode(), r.body());
    }
    HttpResponse<String> next = h.send("GET", "/v1/manage/types", "hk_guess5", null);
    assertEquals(429, next.statusCode(), next.body());
    assertEquals("application/problem+json", next.headers().firstValue("Content-Type").orElse(""));
    long retry = Long.parseLong(next.headers().firstValue("Retry-After").orElseThrow());
    assertTrue(retry >= 1 && retry <= 60, "Retry-After " + retry);
    // Guessing stops being useful: even the right key waits its turn from this address.
    assertEquals(429, h.send("GET", "/v1/manage/types", ApiHarness.ADMIN_KEY, null).statusCode());
    // Public routes without a key are not affected.
    assertEquals(200, h.send("GET", "/health/live", null, null).statusCode());
  }
}
