package herald.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The published OpenAPI document matches the routes the api mounts, and requests are checked. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenApiContractIT {
  ApiHarness h;
  ApiVerticle api;

  @BeforeAll
  void start() {
    h = new ApiHarness();
    api = h.deploy();
  }

  @AfterAll
  void stop() {
    h.close();
  }

  @Test
  @DisplayName(
      "a client asking for an HTTP/2 upgrade on clear text gets HTTP/1.1 and the whole answer")
  void noClearTextUpgrade() throws Exception {
    // The JDK client asks for h2c on a fresh connection; a large answer then arrived as HTTP/1.1
    // bytes it read as HTTP/2 frames. Each request on a new client, so each one asks.
    for (int i = 0; i < 3; i++) {
      HttpClient fresh = HttpClient.newHttpClient();
      HttpResponse<String> r =
          fresh.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + api.actualPort() + "/openapi.json"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(HttpClient.Version.HTTP_1_1, r.version());
      assertEquals("3.1.0", new JsonObject(r.body()).getString("openapi"));
    }
  }

  @Test
  @DisplayName("every mounted route is documented, and every documented operation is mounted")
  void routesMatchTheDocument() {
    HttpResponse<String> r = h.send("GET", "/openapi.json", null, null);
    assertEquals(200, r.statusCode());
    JsonObject doc = h.json(r);
    assertEquals("3.1.0", doc.getString("openapi"));

    Set<String> mounted = new TreeSet<>();
    int regex = 0;
    for (Route route : api.router().getRoutes()) {
      if (route.getPath() == null && route.isRegexPath()) {
        // A route by regular expression is named after its documented path; one without a name
        // would escape this check, so it fails it.
        assertTrue(
            route.getName() != null && route.getName().startsWith("/"),
            "a regex route without its documented path as name: " + route);
        regex++;
      } else if (route.getPath() == null || route.methods() == null) {
        continue; // the body handler, validation and failure handlers apply to every path
      }
      String path =
          (route.getPath() == null ? route.getName() : route.getPath())
              .replaceAll(":([A-Za-z]+)", "{$1}");
      for (HttpMethod m : route.methods()) {
        mounted.add(m.name().toLowerCase(Locale.ROOT) + " " + path);
      }
    }
    Set<String> documented = new TreeSet<>();
    JsonObject paths = doc.getJsonObject("paths");
    for (String path : paths.fieldNames()) {
      for (String method : paths.getJsonObject(path).fieldNames()) {
        documented.add(method + " " + path);
      }
    }
    assertEquals(documented, mounted);
    assertTrue(mounted.contains("get /v1/entries/{id}.ics"), "regex routes are compared: " + regex);
  }

  @Test
  @DisplayName("a request that breaks the contract gets a 400 problem naming the operation")
  void validates() {
    HttpResponse<String> r =
        h.send("GET", "/v1/manage/entries/x/diff?from=one&to=2", ApiHarness.ADMIN_KEY, null);
    assertEquals(400, r.statusCode(), r.body());
    assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElseThrow());
    assertTrue(h.json(r).getString("detail").contains("diffVersions"), r.body());
    HttpResponse<String> body =
        h.send(
            "POST", "/v1/manage/types", ApiHarness.ADMIN_KEY, "{\"id\":\"x\",\"fields\":\"none\"}");
    assertEquals(400, body.statusCode(), body.body());
  }
}
