package herald.deploy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What a person types into search reaches the indexer as text through the api, and the api checks
 * the parameters around it: the hits say what was searched.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SearchFrontDoorIT {
  static final Duration WAIT = Duration.ofSeconds(60);
  static final String CHOSEN_KEY = "an-admin-key-the-operator-chose-0123456789";
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  AllInOne herald;
  String policyBalkans;
  String policyOnly;
  String balkansOnly;
  String backslash;

  @BeforeAll
  void start() throws Exception {
    Path dataDir = Files.createTempDirectory(Path.of("target"), ".search-it");
    Map<String, String> env = new HashMap<>();
    env.put("HERALD_DATA_DIR", dataDir.toString());
    env.put("HERALD_API_PORT", "0");
    env.put("HERALD_INDEXER_PORT", "0");
    env.put("HERALD_PUBLISHER_PORT", "0");
    env.put("HERALD_SEED", "false");
    env.put("HERALD_ADMIN_KEY", CHOSEN_KEY);
    herald = AllInOne.start(env);
    assertEquals(
        201,
        send(
                "POST",
                "/v1/manage/types",
                "{\"id\":\"note\",\"name\":\"Note\",\"fields\":[{\"id\":\"title\",\"type\":\"text\","
                    + "\"localized\":true},{\"id\":\"body\",\"type\":\"text\",\"localized\":true}]}")
            .statusCode());
    policyBalkans = publish("Drug policy in the Balkans", "A zebrafinch review of drug policy.");
    policyOnly = publish("Policy on drug checking", "A zebrafinch note on drug policy elsewhere.");
    balkansOnly = publish("Balkans travel notes", "A zebrafinch diary; policy on drugs is apart.");
    backslash = publish("Paths like C:\\temp\\zebrafinch", "A zebrafinch path.");
    await().atMost(WAIT).until(() -> ids("zebrafinch").size() == 4);
  }

  @AfterAll
  void stop() {
    if (herald != null) {
      herald.close();
    }
  }

  @Test
  @DisplayName("a phrase with another word finds the entries with both, in that order")
  void phraseAndWord() {
    assertEquals(Set.of(policyBalkans), ids("\"drug policy\" balkans zebrafinch"));
    assertEquals(
        new TreeSet<>(Set.of(policyBalkans, policyOnly)),
        new TreeSet<>(ids("\"drug policy\" zebrafinch")));
    assertEquals(
        new TreeSet<>(Set.of(policyBalkans, balkansOnly)),
        new TreeSet<>(ids("balkans zebrafinch")));
  }

  @Test
  @DisplayName("an unbalanced quote, a backslash and a percent sign are searched as text")
  void oddCharacters() {
    assertEquals(Set.of(policyOnly), ids("\"checking zebrafinch"));
    assertEquals(Set.of(backslash), ids("temp\\zebrafinch path"));
    assertEquals(Set.of(backslash), ids("\\temp zebrafinch"));
    assertEquals(Set.of(), ids("100% zebrafinch"));
  }

  @Test
  @DisplayName("an unknown parameter or locale is a 400 problem at the front door")
  void checkedAroundTheText() {
    for (String query :
        new String[] {"q=zebrafinch&colour=red", "q=zebrafinch&locale=xx", "q=a&locale=en,zz"}) {
      HttpResponse<String> r = get("/v1/search?" + query);
      assertEquals(400, r.statusCode(), query + " → " + r.body());
      assertEquals("application/problem+json", r.headers().firstValue("content-type").orElse(""));
    }
    HttpResponse<String> ok = get("/v1/search?q=zebrafinch&locale=en&tag=x&facets=type");
    assertEquals(200, ok.statusCode(), ok.body());
  }

  @Test
  @DisplayName("an admin key the operator chose is not printed; where it comes from is")
  void chosenKeyNotPrinted() {
    String banner = InternalRoutesIT.banner(herald);
    assertTrue(banner.contains("(HERALD_ADMIN_KEY)"), banner);
    assertTrue(!banner.contains(CHOSEN_KEY), banner);
  }

  String publish(String title, String body) {
    JsonObject entry =
        new JsonObject()
            .put("type", "note")
            .put(
                "fields",
                new JsonObject()
                    .put("title", new JsonObject().put("en", title))
                    .put("body", new JsonObject().put("en", body)));
    HttpResponse<String> created = send("POST", "/v1/manage/entries", entry.encode());
    assertEquals(201, created.statusCode(), created.body());
    String id = new JsonObject(created.body()).getString("id");
    HttpResponse<String> published = send("POST", "/v1/manage/entries/" + id + "/publish", null);
    assertEquals(200, published.statusCode(), published.body());
    return id;
  }

  /** The ids of the hits for {@code q}, asserting that the api answered 200. */
  Set<String> ids(String q) {
    HttpResponse<String> r =
        get("/v1/search?limit=100&q=" + URLEncoder.encode(q, StandardCharsets.UTF_8));
    assertEquals(200, r.statusCode(), q + " → " + r.body());
    JsonArray hits = new JsonObject(r.body()).getJsonArray("hits");
    Set<String> out = new TreeSet<>();
    for (int i = 0; i < hits.size(); i++) {
      out.add(hits.getJsonObject(i).getString("id"));
    }
    assertTrue(out.size() == hits.size(), "one hit per entry in English: " + r.body());
    return out;
  }

  HttpResponse<String> get(String path) {
    try {
      return http.send(
          HttpRequest.newBuilder(URI.create(herald.apiUrl() + path))
              .timeout(Duration.ofSeconds(15))
              .build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  HttpResponse<String> send(String method, String path, String body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(herald.apiUrl() + path))
            .timeout(Duration.ofSeconds(15))
            .header("Authorization", "Bearer " + herald.adminKey())
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    try {
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
