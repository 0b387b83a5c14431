package herald.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * In the all-in-one setup, the indexer's and publisher's internal routes answer only the internal
 * token (generated and kept in the data directory), the services listen on loopback, and the api
 * reaches its neighbours where they really are.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InternalRoutesIT {
  /** The routes anyone may call; every other one must want the token. */
  static final Set<String> INDEXER_PUBLIC =
      Set.of("GET /v1/search", "GET /health/live", "GET /health/ready", "GET /metrics");

  static final Set<String> PUBLISHER_PUBLIC =
      Set.of(
          "GET /site/*",
          "HEAD /site/*",
          "GET /health/live",
          "GET /health/ready",
          "GET /metrics",
          "POST /v1/newsletter/subscribe",
          "GET /v1/newsletter/confirm",
          "GET /v1/newsletter/unsubscribe",
          "POST /v1/newsletter/unsubscribe");

  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  Path dataDir;
  AllInOne herald;

  @BeforeAll
  void start() throws Exception {
    dataDir = Files.createTempDirectory(Path.of("target"), ".internal-it");
    Map<String, String> env = new HashMap<>();
    env.put("HERALD_DATA_DIR", dataDir.toString());
    env.put("HERALD_API_PORT", "0");
    env.put("HERALD_INDEXER_PORT", "0");
    env.put("HERALD_PUBLISHER_PORT", "0");
    env.put("HERALD_SEED", "false");
    herald = AllInOne.start(env);
  }

  @AfterAll
  void stop() {
    if (herald != null) {
      herald.close();
    }
  }

  @Test
  @DisplayName("every non-public route of the indexer answers 401 problem+json without the token")
  void indexerRoutesWantTheToken() {
    walk(herald.indexerRouter(), herald.indexerUrl(), INDEXER_PUBLIC, 2);
  }

  @Test
  @DisplayName("every non-public route of the publisher answers 401 problem+json without the token")
  void publisherRoutesWantTheToken() {
    walk(herald.publisherRouter(), herald.publisherUrl(), PUBLISHER_PUBLIC, 10);
  }

  @Test
  @DisplayName("the token is generated once, kept owner-only, and is what the api forwards with")
  void tokenIsKeptAndUsed() throws Exception {
    Path file = dataDir.resolve("internal.token");
    String token = Files.readString(file, StandardCharsets.UTF_8).strip();
    assertTrue(token.length() >= 40, token);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    HttpResponse<String> direct =
        send("GET", herald.indexerUrl() + "/v1/admin/index", Map.of(TOKEN, token));
    assertEquals(200, direct.statusCode(), direct.body());
    assertEquals("serving", new JsonObject(direct.body()).getString("state"));

    // Through the front door the admin key is what counts; the api adds the token.
    HttpResponse<String> index = api("GET", "/v1/admin/index");
    assertEquals(200, index.statusCode(), index.body());
    HttpResponse<String> issues = api("GET", "/v1/manage/newsletter/issues");
    assertEquals(200, issues.statusCode(), issues.body());
    assertTrue(new JsonObject(issues.body()).containsKey("issues"), issues.body());
  }

  @Test
  @DisplayName("links name the ports the services really have, not the defaults")
  void linksFollowThePorts() {
    String apiPort = Integer.toString(URI.create(herald.apiUrl()).getPort());
    String publisherPort = Integer.toString(URI.create(herald.publisherUrl()).getPort());
    assertNotEquals("8080", apiPort);
    assertNotEquals("8082", publisherPort);
    HttpResponse<String> rss = send("GET", herald.apiUrl() + "/feeds/all.rss?locale=en", Map.of());
    assertEquals(200, rss.statusCode(), rss.body());
    assertTrue(
        rss.body().contains("http://localhost:" + apiPort + "/feeds/all.rss?locale=en"),
        rss.body());
    assertTrue(
        rss.body().contains("<link>http://localhost:" + publisherPort + "/site/en/</link>"),
        rss.body());
  }

  @Test
  @DisplayName("the services listen on loopback only")
  void loopbackOnly() throws Exception {
    Optional<InetAddress> outside = nonLoopbackAddress();
    Assumptions.assumeTrue(outside.isPresent(), "this machine has no other address to try");
    for (String url : List.of(herald.apiUrl(), herald.indexerUrl(), herald.publisherUrl())) {
      int port = URI.create(url).getPort();
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2_000);
      }
      assertThrows(
          ConnectException.class,
          () -> {
            try (Socket s = new Socket()) {
              s.connect(new InetSocketAddress(outside.get(), port), 2_000);
            }
          },
          url + " is reachable on " + outside.get());
    }
  }

  @Test
  @DisplayName("a generated admin key is printed, so that the operator learns it")
  void generatedKeyPrinted() throws Exception {
    String banner = banner(herald);
    assertTrue(banner.contains(herald.adminKey()), banner);
    assertEquals(
        herald.adminKey(),
        Files.readString(dataDir.resolve("admin.key"), StandardCharsets.UTF_8).strip());
  }

  /** What the launcher prints once it runs. */
  static String banner(AllInOne herald) {
    java.io.PrintStream out = System.out;
    java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
    System.setOut(new java.io.PrintStream(printed, true, StandardCharsets.UTF_8));
    try {
      herald.printBanner();
    } finally {
      System.setOut(out);
    }
    return printed.toString(StandardCharsets.UTF_8);
  }

  static final String TOKEN = "X-Herald-Internal-Token";

  /**
   * Calls every route of {@code router} without the token and with a wrong one; all but the
   * expected public ones must answer 401 problem+json, and those must not.
   */
  void walk(Router router, String base, Set<String> expectedPublic, int atLeastInternal) {
    Set<String> open = new TreeSet<>();
    List<String> internal = new ArrayList<>();
    for (Route route : router.getRoutes()) {
      if (route.getPath() == null && route.isRegexPath()) {
        throw new AssertionError("a regex route (" + route + "): teach this test to call it");
      }
      if (route.getPath() == null) {
        continue; // the guard itself, body handlers and the failure handler: every path
      }
      Set<HttpMethod> methods =
          route.methods() == null || route.methods().isEmpty()
              ? Set.of(HttpMethod.GET, HttpMethod.POST)
              : route.methods();
      String path =
          route.getPath().replaceAll(":[A-Za-z]+", UUID.randomUUID().toString())
              + (route.isExactPath() ? "" : "x");
      String shown = route.isExactPath() ? route.getPath() : route.getPath() + "*";
      for (HttpMethod m : methods) {
        String name = m.name() + " " + shown.replaceAll(":[A-Za-z]+", "{id}");
        HttpResponse<String> without = send(m.name(), base + path, Map.of());
        HttpResponse<String> wrong = send(m.name(), base + path, Map.of(TOKEN, "not-the-token"));
        if (without.statusCode() != 401) {
          open.add(name);
          continue;
        }
        internal.add(name);
        for (HttpResponse<String> r : List.of(without, wrong)) {
          assertEquals(401, r.statusCode(), name + ": " + r.body());
          if (!m.equals(HttpMethod.HEAD)) {
            assertEquals(
                "application/problem+json",
                r.headers().firstValue("content-type").orElse(""),
                name);
            assertEquals(401, new JsonObject(r.body()).getInteger("status"), name);
          }
        }
      }
    }
    assertEquals(expectedPublic, open, "routes that answer without the internal token");
    assertTrue(internal.size() >= atLeastInternal, "internal routes walked: " + internal);
  }

  HttpResponse<String> api(String method, String path) {
    return send(
        method, herald.apiUrl() + path, Map.of("Authorization", "Bearer " + herald.adminKey()));
  }

  HttpResponse<String> send(String method, String url, Map<String, String> headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(15))
            .method(
                method,
                method.equals("POST") || method.equals("PUT")
                    ? HttpRequest.BodyPublishers.ofString("{}")
                    : HttpRequest.BodyPublishers.noBody());
    if (method.equals("POST") || method.equals("PUT")) {
      b.header("Content-Type", "application/json");
    }
    headers.forEach(b::header);
    try {
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException | InterruptedException e) {
      throw new AssertionError(method + " " + url, e);
    }
  }

  static Optional<InetAddress> nonLoopbackAddress() throws IOException {
    for (NetworkInterface nif : NetworkInterface.networkInterfaces().toList()) {
      if (!nif.isUp() || nif.isLoopback()) {
        continue;
      }
      for (InetAddress a : nif.inetAddresses().toList()) {
        if (a instanceof Inet4Address && !a.isLoopbackAddress()) {
          return Optional.of(a);
        }
      }
    }
    return Optional.empty();
  }
}
