package herald.api.sync;

import static herald.api.sync.PartnerHarness.ADMIN_KEY;
import static herald.api.sync.PartnerHarness.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import herald.api.http.OpenApiValidation;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The partner module as a whole: its routes and the contract, and the per-key rate limit. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PartnerModuleIT {
  static final List<String> OURS =
      List.of("/v1/sync", "/v1/manage/partners/", "/v1/manage/webhooks", "/feeds/");

  PartnerHarness h;

  @BeforeAll
  void start() {
    h =
        new PartnerHarness(Map.of("HERALD_PARTNER_RATE", "0.5", "HERALD_PARTNER_BURST", "3"))
            .start(PartnerHarness::defaultModule);
  }

  @AfterAll
  void stop() {
    h.close();
  }

  @Test
  @DisplayName(
      "every route the module mounts is in openapi.json, and every partner operation there is mounted")
  void routesMatchTheDocument() {
    Set<String> mounted = new TreeSet<>();
    for (Route route : h.router().getRoutes()) {
      if (route.getPath() == null || route.methods() == null) {
        continue;
      }
      String path = route.getPath().replaceAll(":([A-Za-z]+)", "{$1}");
      for (HttpMethod m : route.methods()) {
        mounted.add(m.name().toLowerCase(Locale.ROOT) + " " + path);
      }
    }
    Set<String> documented = new TreeSet<>();
    JsonObject paths = OpenApiValidation.document().getJsonObject("paths");
    for (String path : paths.fieldNames()) {
      if (OURS.stream().noneMatch(path::startsWith)) {
        continue;
      }
      for (String method : paths.getJsonObject(path).fieldNames()) {
        documented.add(method + " " + path);
      }
    }
    assertEquals(documented, mounted);
  }

  @Test
  @DisplayName("a key beyond its rate gets 429 with Retry-After; other keys are not affected")
  void rateLimit() {
    String key = h.key("partner").getString("secret");
    for (int i = 0; i < 3; i++) {
      assertEquals(200, h.partner("GET", "/v1/sync?initial=true", key, null).statusCode());
    }
    HttpResponse<String> limited = h.partner("GET", "/v1/sync?initial=true", key, null);
    assertEquals(429, limited.statusCode(), limited.body());
    assertEquals(
        "application/problem+json", limited.headers().firstValue("Content-Type").orElseThrow());
    int retryAfter = Integer.parseInt(limited.headers().firstValue("Retry-After").orElseThrow());
    assertTrue(retryAfter >= 1 && retryAfter <= 2, "one token every 2 s: " + retryAfter);
    assertEquals("https://herald.dev/problems/rate-limited", json(limited).getString("type"));
    String other = h.key("partner").getString("secret");
    assertEquals(200, h.partner("GET", "/v1/sync?initial=true", other, null).statusCode());
    assertEquals(200, h.partner("GET", "/v1/sync?initial=true", ADMIN_KEY, null).statusCode());
  }
}
