package herald.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/** Wrong keys are throttled per client address, so keys can't be guessed at speed. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WrongKeysIT {
  static final String BROWSER = "203.0.113.7";
  ApiHarness h;
  String base;

  @BeforeAll
  void start() {
    h = new ApiHarness();
    h.extraEnv.put("HERALD_WRONG_KEYS_BURST", "5");
    h.extraEnv.put("HERALD_WRONG_KEYS_PER_MIN", "1");
    // The browser's address comes from the proxy's X-Forwarded-For, so it differs from loopback.
    h.extraEnv.put("HERALD_STUDIO_TRUST_PROXY", "true");
    ApiVerticle v = h.deploy();
    base = "http://127.0.0.1:" + v.actualPort();
  }

  @Test
  @Order(1)
  @DisplayName(
      "sessions that end while Studio calls the api with them count against the browser's"
          + " address, not against the loopback every Studio user shares")
  void staleStudioSessionsThrottleOnlyTheirBrowser() throws Exception {
    StudioClient browser = new StudioClient(base);
    String setup = h.verticles.get(0).studioSetupPath().orElseThrow();
    HttpResponse<String> form = browser.get(setup, "X-Forwarded-For", BROWSER);
    HttpResponse<String> done =
        browser.post(
            "/studio/setup",
            List.of(
                "_csrf", StudioClient.csrf(form),
                "token", setup.substring(setup.indexOf("token=") + 6),
                "email", "ana@herald.test",
                "name", "Ana Admin",
                "password", "the admin's long password"),
            "X-Forwarded-For",
            BROWSER);
    assertEquals(303, done.statusCode(), done.body());
    // Seven live delivery panels: each asks the api every second with the user's session.
    HttpClient http = HttpClient.newHttpClient();
    List<CompletableFuture<HttpResponse<InputStream>>> panels = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      panels.add(
          http.sendAsync(
              HttpRequest.newBuilder(
                      URI.create(
                          base + "/studio/entries/" + UUID.randomUUID() + "/deliveries/stream"))
                  .header("Cookie", "herald_session=" + browser.cookies.get("herald_session"))
                  .header("X-Forwarded-For", BROWSER)
                  .build(),
              HttpResponse.BodyHandlers.ofInputStream()));
    }
    for (CompletableFuture<HttpResponse<InputStream>> p : panels) {
      assertEquals(200, p.get().statusCode());
    }
    // The session ends (signed out elsewhere): each panel's next call is refused, and ends it.
    try (var c = h.jdbc()) {
      c.createStatement().executeUpdate("delete from studio_sessions");
    }
    List<CompletableFuture<byte[]>> ends = new ArrayList<>();
    for (CompletableFuture<HttpResponse<InputStream>> p : panels) {
      InputStream in = p.get().body();
      ends.add(CompletableFuture.supplyAsync(() -> readAll(in)));
    }
    Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> ends.stream().allMatch(CompletableFuture::isDone));
    // Seven wrong credentials from the browser's address; loopback is not throttled.
    HttpResponse<String> r = h.send("GET", "/v1/manage/types", ApiHarness.ADMIN_KEY, null);
    assertEquals(200, r.statusCode(), r.body());
  }

  private static byte[] readAll(InputStream in) {
    try (in) {
      return in.readAllBytes();
    } catch (java.io.IOException e) {
      return new byte[0];
    }
  }

  @AfterAll
  void stop() {
    h.close();
  }

  @Test
  @Order(2)
  @DisplayName(
      "after a burst of wrong keys, an address gets 429 with Retry-After, whatever its key, and"
          + " naming another address in Studio's header does not help")
  void throttled() {
    for (int i = 0; i < 5; i++) {
      // Only Studio in this process knows the relay secret; without it the header is ignored.
      HttpResponse<String> r =
          h.send(
              "GET",
              "/v1/manage/types",
              "hk_guess" + i,
              null,
              "X-Herald-Studio-Client",
              "198.51.100." + i,
              "X-Herald-Studio-Relay",
              "a-guess");
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
