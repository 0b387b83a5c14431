package herald.api;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The delivery and preview APIs, through HTTP against real PostgreSQL and Kafka. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeliveryApiIT {
  static final JsonObject NEWS =
      new JsonObject(
          """
          {"id":"news","name":"News","fields":[
            {"id":"title","type":"text","required":true,"localized":true},
            {"id":"body","type":"richtext","localized":true},
            {"id":"rank","type":"number"},
            {"id":"date","type":"date"},
            {"id":"tags","type":"tags"},
            {"id":"secret","type":"text"}]}
          """);

  ApiHarness h;
  String previewKey;
  String deliveryKey;

  @BeforeAll
  void start() {
    h = new ApiHarness();
    h.deploy();
    for (JsonObject t : List.of(ModelAndLifecycleIT.PERSON, ModelAndLifecycleIT.EVENT, NEWS)) {
      assertEquals(201, h.admin("POST", "/v1/manage/types", t).statusCode());
    }
    previewKey = key("preview");
    deliveryKey = key("delivery");
  }

  @AfterAll
  void stop() {
    h.close();
  }

  String key(String role) {
    return h.json(
            h.admin(
                "POST", "/v1/manage/keys", new JsonObject().put("name", role).put("role", role)))
        .getString("secret");
  }

  String publish(JsonObject entry) {
    HttpResponse<String> c = h.admin("POST", "/v1/manage/entries", entry);
    assertEquals(201, c.statusCode(), c.body());
    String id = h.json(c).getString("id");
    HttpResponse<String> p = h.admin("POST", "/v1/manage/entries/" + id + "/publish", null);
    assertEquals(200, p.statusCode(), p.body());
    return id;
  }

  JsonObject news(String title, int rank, String date, String... tags) {
    return new JsonObject()
        .put("type", "news")
        .put(
            "fields",
            new JsonObject()
                .put("title", new JsonObject().put("en", title))
                .put("rank", rank)
                .put("date", date)
                .put("tags", new JsonArray(List.of(tags))));
  }

  JsonObject get(String path) {
    HttpResponse<String> r = h.send("GET", path, null, null);
    assertEquals(200, r.statusCode(), path + ": " + r.body());
    return h.json(r);
  }

  static String q(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @Test
  @DisplayName("include resolves the seed webinar's speakers and organiser once, in includes")
  void includes() {
    String milutin =
        publish(
            new JsonObject()
                .put("type", "person")
                .put(
                    "fields",
                    new JsonObject()
                        .put("name", "Milutin Milošević")
                        .put(
                            "role",
                            new JsonObject()
                                .put("en", "Executive Director")
                                .put("sr-Cyrl", "Извршни директор"))));
    String marios =
        publish(
            new JsonObject()
                .put("type", "person")
                .put("fields", new JsonObject().put("name", "Marios Atzemis")));
    JsonObject webinar =
        new JsonObject()
            .put("type", "event")
            .put(
                "fields",
                new JsonObject()
                    .put(
                        "title",
                        new JsonObject()
                            .put("en", "Webinar on decriminalisation")
                            .put("sr-Cyrl", "Вебинар о декриминализацији"))
                    .put("startsAt", "2025-12-04T14:30:00+01:00")
                    .put("organiser", milutin)
                    .put(
                        "programme",
                        new JsonArray()
                            .add(
                                new JsonObject()
                                    .put("start", "2025-12-04T14:30:00+01:00")
                                    .put("title", "Opening & overview")
                                    .put("speakers", new JsonArray().add(milutin)))
                            .add(
                                new JsonObject()
                                    .put("start", "2025-12-04T14:45:00+01:00")
                                    .put("title", "The BOOST policy paper")
                                    .put("speakers", new JsonArray().add(marios).add(milutin)))));
    String id = publish(webinar);

    JsonObject plain = get("/v1/entries/" + id + "?locale=en");
    assertFalse(plain.containsKey("includes"));
    JsonObject withIncludes = get("/v1/entries/" + id + "?locale=sr-Latn&include=1");
    JsonObject inc = withIncludes.getJsonObject("includes");
    assertEquals(Set.of(milutin, marios), inc.fieldNames());
    assertEquals(
        "Milutin Milošević", inc.getJsonObject(milutin).getJsonObject("fields").getString("name"));
    assertEquals(
        "Извршни директор",
        inc.getJsonObject(milutin).getJsonObject("fields").getString("role"),
        "sr-Latn falls back to sr-Cyrl before English");
    assertEquals(
        "Вебинар о декриминализацији", withIncludes.getJsonObject("fields").getString("title"));
    assertEquals(
        id + " " + milutin + " " + marios,
        h.send("GET", "/v1/entries/" + id + "?locale=sr-Latn&include=1", null, null)
            .headers()
            .firstValue("Surrogate-Key")
            .orElseThrow());

    JsonObject list =
        get("/v1/entries?type=event&locale=en&include=2&fields.programme.speakers=" + marios);
    assertEquals(1, list.getJsonArray("items").size(), "events with a given speaker");
    assertEquals(2, list.getJsonObject("includes").size());
    assertEquals(
        0,
        get("/v1/entries?type=event&fields.programme.speakers=" + id).getJsonArray("items").size());
    assertEquals(
        1, get("/v1/entries?type=event&fields.organiser=" + milutin).getJsonArray("items").size());
    assertEquals(400, h.send("GET", "/v1/entries/" + id + "?include=4", null, null).statusCode());

    JsonObject bySlug = get("/v1/types/event/entries/" + plain.getString("slug") + "?locale=en");
    assertEquals(id, bySlug.getString("id"));
    assertEquals(
        404, h.send("GET", "/v1/types/event/entries/no-such-slug", null, null).statusCode());
  }

  @Test
  @DisplayName("filters, sort and field selection work on declared fields only")
  void filtersAndSort() {
    publish(news("Alpha", 3, "2026-01-01", "harm reduction", "NSP", "f"));
    publish(news("Beta", 1, "2026-02-01", "policy", "f"));
    publish(news("Gamma", 2, "2026-03-01", "harm reduction", "f"));
    JsonArray byRank =
        get("/v1/entries?type=news&fields.tags=f&sort=fields.rank&fields=title,rank&locale=en&fields.rank[lte]=3")
            .getJsonArray("items");
    assertEquals(List.of("Beta", "Gamma", "Alpha"), titles(byRank));
    assertEquals(
        Set.of("title", "rank"), byRank.getJsonObject(0).getJsonObject("fields").fieldNames());
    assertEquals(
        List.of("Gamma", "Alpha"),
        titles(
            get("/v1/entries?type=news&locale=en&sort=-fields.date&fields.tags="
                    + q("harm reduction"))
                .getJsonArray("items")));
    assertEquals(
        List.of("Beta"),
        titles(
            get("/v1/entries?type=news&fields.tags=f&locale=en&fields.date[gte]=2026-01-15&fields.date[lt]=2026-02-15")
                .getJsonArray("items")));
    assertEquals(
        List.of("Alpha", "Beta"),
        titles(
            get("/v1/entries?type=news&fields.tags=f&locale=en&sort=fields.title&fields.rank[in]=1,3")
                .getJsonArray("items")));
    assertEquals(
        List.of("Gamma"),
        titles(get("/v1/entries?type=news&locale=en&fields.title=Gamma").getJsonArray("items")));

    for (String bad :
        List.of(
            "/v1/entries?type=news&fields.nothing=1",
            "/v1/entries?type=news&fields.rank[gt]=abc",
            "/v1/entries?type=news&fields.title=Gamma",
            "/v1/entries?type=news&sort=fields.tags",
            "/v1/entries?type=news&password=1",
            "/v1/entries?fields.rank=1",
            "/v1/entries?type=news&limit=101",
            "/v1/entries?type=news&cursor=forged",
            "/v1/entries?type=nope")) {
      HttpResponse<String> r = h.send("GET", bad, null, null);
      assertEquals(400, r.statusCode(), bad + ": " + r.body());
      assertEquals(
          "application/problem+json", r.headers().firstValue("Content-Type").orElseThrow());
    }
    assertTrue(
        h.send("GET", "/v1/entries?type=news&limit=101", null, null).body().contains("100"),
        "the limit is named");
  }

  static List<String> titles(JsonArray items) {
    List<String> out = new ArrayList<>();
    items.forEach(o -> out.add(((JsonObject) o).getJsonObject("fields").getString("title")));
    return out;
  }

  @Test
  @DisplayName("rich text comes as CommonMark, sanitised HTML and plain text")
  void richText() {
    JsonObject e = news("Rich", 1, "2026-01-01");
    e.getJsonObject("fields")
        .put(
            "body",
            new JsonObject()
                .put(
                    "en",
                    "**Bold** [x](javascript:alert(1)) <script>alert(1)</script> <img src=x onerror=alert(1)>"));
    String id = publish(e);
    JsonObject body =
        get("/v1/entries/" + id + "?locale=en").getJsonObject("fields").getJsonObject("body");
    assertTrue(body.getString("markdown").startsWith("**Bold**"));
    String html = body.getString("html");
    assertTrue(html.contains("<strong>Bold</strong>"), html);
    assertFalse(html.contains("<script"), html);
    assertFalse(html.contains("javascript:"), html);
    assertFalse(html.contains("<img"), "raw HTML is escaped, never an element: " + html);
    assertTrue(body.getString("text").startsWith("Bold"), body.getString("text"));
  }

  @Test
  @DisplayName("responses carry strong ETags, 304 on a match, Cache-Control, and change on publish")
  void cachingHeaders() {
    JsonObject e = news("Cached", 1, "2026-01-01");
    String id = publish(e);
    HttpResponse<String> first = h.send("GET", "/v1/entries/" + id + "?locale=en", null, null);
    String etag = first.headers().firstValue("ETag").orElseThrow();
    assertTrue(etag.startsWith("\"") && !etag.startsWith("W/"));
    assertEquals(
        "public, max-age=30, s-maxage=3600",
        first.headers().firstValue("Cache-Control").orElseThrow());
    assertEquals(
        304,
        h.send("GET", "/v1/entries/" + id + "?locale=en", null, null, "If-None-Match", etag)
            .statusCode());

    JsonObject edited = e.copy();
    edited.getJsonObject("fields").put("title", new JsonObject().put("en", "Cached, then changed"));
    HttpResponse<String> m = h.admin("GET", "/v1/manage/entries/" + id, null);
    h.send(
        "PUT",
        "/v1/manage/entries/" + id,
        ApiHarness.ADMIN_KEY,
        edited.encode(),
        "If-Match",
        m.headers().firstValue("ETag").orElseThrow());
    assertEquals(
        "Cached",
        get("/v1/entries/" + id + "?locale=en").getJsonObject("fields").getString("title"),
        "drafts are not delivered");
    h.admin("POST", "/v1/manage/entries/" + id + "/publish", null);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                get("/v1/entries/" + id + "?locale=en")
                    .getJsonObject("fields")
                    .getString("title")
                    .equals("Cached, then changed"));
    assertEquals(
        200,
        h.send("GET", "/v1/entries/" + id + "?locale=en", null, null, "If-None-Match", etag)
            .statusCode());
    h.admin("POST", "/v1/manage/entries/" + id + "/unpublish", null);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                h.send("GET", "/v1/entries/" + id + "?locale=en", null, null).statusCode() == 404);
  }

  @Test
  @DisplayName("preview keys see the latest draft; delivery keys cannot")
  void preview() {
    HttpResponse<String> c =
        h.admin("POST", "/v1/manage/entries", news("Draft only", 1, "2026-01-01"));
    String id = h.json(c).getString("id");
    assertEquals(404, h.send("GET", "/v1/entries/" + id, deliveryKey, null).statusCode());
    assertEquals(403, h.send("GET", "/v1/preview/entries/" + id, deliveryKey, null).statusCode());
    assertEquals(401, h.send("GET", "/v1/preview/entries/" + id, null, null).statusCode());
    HttpResponse<String> p =
        h.send("GET", "/v1/preview/entries/" + id + "?locale=en", previewKey, null);
    assertEquals(200, p.statusCode(), p.body());
    assertEquals("Draft only", h.json(p).getJsonObject("fields").getString("title"));
    assertEquals("draft", h.json(p).getString("status"));
    assertEquals("private, no-store", p.headers().firstValue("Cache-Control").orElseThrow());
    JsonArray items =
        h.json(h.send("GET", "/v1/preview/entries?type=news&locale=en&limit=100", previewKey, null))
            .getJsonArray("items");
    assertTrue(titles(items).contains("Draft only"));
  }

  @Test
  @DisplayName(
      "cursor pagination over 1,000 entries has no duplicates or gaps while entries are published")
  void paginationUnderWrites() throws Exception {
    JsonObject t =
        new JsonObject(
            "{\"id\":\"item\",\"name\":\"Item\",\"fields\":[{\"id\":\"n\",\"type\":\"number\"}]}");
    assertEquals(201, h.admin("POST", "/v1/manage/types", t).statusCode());
    Set<String> original = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      original.add(
          publish(
              new JsonObject().put("type", "item").put("fields", new JsonObject().put("n", i))));
    }
    AtomicBoolean paging = new AtomicBoolean(true);
    CompletableFuture<Integer> writer =
        CompletableFuture.supplyAsync(
            () -> {
              int n = 0;
              while (paging.get() && n < 200) {
                publish(
                    new JsonObject()
                        .put("type", "item")
                        .put("fields", new JsonObject().put("n", 5000 + n)));
                n++;
              }
              return n;
            });
    List<String> seen = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      JsonObject page =
          get("/v1/entries?type=item&limit=37" + (cursor == null ? "" : "&cursor=" + q(cursor)));
      page.getJsonArray("items").forEach(o -> seen.add(((JsonObject) o).getString("id")));
      cursor = page.getString("nextCursor");
      pages++;
    } while (cursor != null && pages < 100);
    paging.set(false);
    int written = writer.get();
    assertTrue(written > 0, "entries were published while paging");
    assertEquals(new HashSet<>(seen).size(), seen.size(), "no duplicates");
    assertTrue(
        seen.containsAll(original), "no gaps: every entry published before paging began is seen");
    assertNull(
        get("/v1/entries?type=item&limit=100&sort=fields.n&fields.n[gte]=999")
            .getString("nextCursor"));
  }
}
