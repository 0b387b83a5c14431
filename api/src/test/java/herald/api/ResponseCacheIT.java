package herald.api;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The api keeps delivery responses in memory: two instances on one database, each with its own
 * cache, must both drop a response as soon as anything it shows (or would show) is published, be it
 * by an editor on either instance or by a schedule.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("Cached delivery responses")
class ResponseCacheIT {
  static final Duration WAIT = Duration.ofSeconds(30);
  static final JsonObject PERSON =
      new JsonObject(
          """
          {"id":"person","name":"Person","fields":[
            {"id":"name","type":"text","required":true}]}
          """);
  static final JsonObject ARTICLE =
      new JsonObject(
          """
          {"id":"article","name":"Article","fields":[
            {"id":"title","type":"text","required":true,"localized":true},
            {"id":"author","type":"reference","referenceTypes":["person"]}]}
          """);

  ApiHarness h;

  @BeforeAll
  void start() {
    h = new ApiHarness();
    h.extraEnv.put("HERALD_SCHEDULER_POLL_MS", "200");
    for (int i = 0; i < 2; i++) {
      // A port of its own each: on a shared port Vert.x would spread requests over both.
      h.extraEnv.put("HERALD_API_PORT", Integer.toString(freePort()));
      h.deploy();
    }
    assertEquals(201, h.admin("POST", "/v1/manage/types", PERSON).statusCode());
    assertEquals(201, h.admin("POST", "/v1/manage/types", ARTICLE).statusCode());
  }

  @AfterAll
  void stop() {
    h.close();
  }

  @Test
  @DisplayName("an include response shows a linked entry that is published after it was cached")
  void includedEntryPublishedLater() {
    String person = create(new JsonObject().put("type", "person").put("fields", name("Ana")));
    String article = create(article("Harm reduction in Niš", person));
    publish(article);
    String one = "/v1/entries/" + article + "?include=1";
    String list = "/v1/entries?type=article&include=1&limit=100";
    // Until both are served from the cache: the publish's own commit notice may still arrive and
    // drop the first responses cached.
    double before = cacheHits(0);
    await()
        .atMost(WAIT)
        .until(
            () -> {
              assertFalse(includes(get(0, one)).containsKey(person), "a draft is not included");
              assertFalse(includes(get(0, list)).containsKey(person));
              return cacheHits(0) >= before + 2;
            });

    publish(person);
    await().atMost(WAIT).until(() -> includes(get(0, one)).containsKey(person));
    await().atMost(WAIT).until(() -> includes(get(0, list)).containsKey(person));
    assertEquals(
        "Ana",
        includes(get(0, one)).getJsonObject(person).getJsonObject("fields").getString("name"));
  }

  @Test
  @DisplayName("a publish on one instance drops the cached responses of the other (commit NOTIFY)")
  void otherInstanceDropsItsCache() {
    String article = create(article("First title", null));
    publish(article);
    String one = "/v1/entries/" + article + "?locale=en";
    String list = "/v1/entries?type=article&locale=en&limit=100";
    double hits = cacheHits(1);
    for (int i = 0; i < 2; i++) {
      assertEquals("First title", title(get(1, one)));
      assertTrue(get(1, list).body().contains("First title"));
    }
    assertTrue(cacheHits(1) >= hits + 2, "instance 1 served from its cache");

    update(article, "Second title");
    publish(article);
    await().atMost(WAIT).until(() -> "Second title".equals(title(get(1, one))));
    await()
        .atMost(WAIT)
        .until(
            () -> {
              String body = get(1, list).body();
              return body.contains("Second title") && !body.contains("First title");
            });
  }

  @Test
  @DisplayName("a scheduled publish drops the cached responses of every instance")
  void scheduledPublishDropsEveryCache() {
    String article = create(article("Before the schedule", null));
    publish(article);
    String one = "/v1/entries/" + article + "?locale=en";
    for (int instance = 0; instance < 2; instance++) {
      double hits = cacheHits(instance);
      assertEquals("Before the schedule", title(get(instance, one)));
      assertEquals("Before the schedule", title(get(instance, one)));
      assertTrue(cacheHits(instance) > hits, "instance " + instance + " served from its cache");
    }

    update(article, "After the schedule");
    HttpResponse<String> s =
        h.admin(
            "POST",
            "/v1/manage/entries/" + article + "/schedule",
            new JsonObject()
                .put("action", "publish")
                .put("at", Instant.now().plusSeconds(1).toString()));
    assertEquals(201, s.statusCode(), s.body());
    for (int instance = 0; instance < 2; instance++) {
      int i = instance;
      await().atMost(WAIT).until(() -> "After the schedule".equals(title(get(i, one))));
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String create(JsonObject entry) {
    HttpResponse<String> r = h.admin("POST", "/v1/manage/entries", entry);
    assertEquals(201, r.statusCode(), r.body());
    return h.json(r).getString("id");
  }

  private void publish(String id) {
    HttpResponse<String> r = h.admin("POST", "/v1/manage/entries/" + id + "/publish", null);
    assertEquals(200, r.statusCode(), r.body());
  }

  private void update(String id, String title) {
    HttpResponse<String> current = h.admin("GET", "/v1/manage/entries/" + id, null);
    HttpResponse<String> r =
        h.send(
            "PUT",
            "/v1/manage/entries/" + id,
            ApiHarness.ADMIN_KEY,
            article(title, null).encode(),
            "If-Match",
            current.headers().firstValue("ETag").orElseThrow());
    assertEquals(200, r.statusCode(), r.body());
  }

  private static JsonObject article(String title, String author) {
    JsonObject fields = new JsonObject().put("title", new JsonObject().put("en", title));
    if (author != null) {
      fields.put("author", author);
    }
    return new JsonObject().put("type", "article").put("fields", fields);
  }

  private static JsonObject name(String name) {
    return new JsonObject().put("name", name);
  }

  private HttpResponse<String> get(int instance, String path) {
    HttpResponse<String> r = h.sendTo(instance, "GET", path, null, null);
    assertEquals(200, r.statusCode(), r.body());
    return r;
  }

  private static JsonObject includes(HttpResponse<String> r) {
    JsonObject inc = new JsonObject(r.body()).getJsonObject("includes");
    return inc == null ? new JsonObject() : inc;
  }

  private static String title(HttpResponse<String> r) {
    return new JsonObject(r.body()).getJsonObject("fields").getString("title");
  }

  /** Responses instance {@code i} served from its cache so far. */
  private double cacheHits(int instance) {
    String prefix = "herald_delivery_cache_total{outcome=\"hit\"} ";
    return h.sendTo(instance, "GET", "/metrics", null, null)
        .body()
        .lines()
        .filter(l -> l.startsWith(prefix))
        .mapToDouble(l -> Double.parseDouble(l.substring(prefix.length()).trim()))
        .findFirst()
        .orElse(0);
  }
}
