package herald.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import herald.events.ContentEvent;
import herald.events.ContentEventCodec;
import herald.events.ContentPublished;
import herald.events.ContentUnpublished;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ContentApiIT {
  static final JsonObject ARTICLE =
      new JsonObject(
          """
          {"id":"article","name":"Article","fields":[
            {"id":"title","type":"text","required":true,"localized":true},
            {"id":"summary","type":"text","localized":true},
            {"id":"body","type":"richtext","localized":true},
            {"id":"date","type":"date"},
            {"id":"tags","type":"tags"},
            {"id":"link","type":"url"}]}
          """);

  ApiHarness h;

  @BeforeAll
  void start() {
    h = new ApiHarness();
    h.deploy();
    assertEquals(201, h.admin("POST", "/v1/manage/types", ARTICLE).statusCode());
  }

  @AfterAll
  void stop() {
    h.close();
  }

  JsonObject newArticle(String title) {
    return new JsonObject()
        .put("type", "article")
        .put(
            "fields",
            new JsonObject()
                .put("title", new JsonObject().put("en", title).put("sr-Cyrl", "Наслов " + title))
                .put("body", new JsonObject().put("en", "Body of " + title))
                .put("date", "2026-01-27")
                .put("tags", new JsonArray().add("harm reduction")))
        .put("channels", new JsonArray().add("website"));
  }

  @Test
  @DisplayName("publishing an entry serves it per locale and sends a CloudEvent keyed by its id")
  void publishAndUnpublish() {
    try (KafkaConsumer<String, byte[]> consumer = h.consumer()) {
      HttpResponse<String> created =
          h.admin("POST", "/v1/manage/entries", newArticle("Milutin Milošević at the CSFD"));
      assertEquals(201, created.statusCode(), created.body());
      JsonObject entry = h.json(created);
      String id = entry.getString("id");
      assertEquals("draft", entry.getString("status"));
      assertEquals(1L, entry.getLong("version"));
      assertEquals("milutin-milosevic-at-the-csfd", entry.getString("slug"));
      assertEquals(404, h.send("GET", "/v1/entries/" + id, null, null).statusCode());

      HttpResponse<String> published =
          h.admin("POST", "/v1/manage/entries/" + id + "/publish", null);
      assertEquals(200, published.statusCode(), published.body());
      assertEquals("published", h.json(published).getString("status"));
      assertEquals(2L, h.json(published).getLong("version"));

      HttpResponse<String> en = h.send("GET", "/v1/entries/" + id + "?locale=en", null, null);
      assertEquals(200, en.statusCode(), en.body());
      JsonObject enJson = h.json(en);
      assertEquals(
          "Milutin Milošević at the CSFD", enJson.getJsonObject("fields").getString("title"));
      assertEquals("2026-01-27", enJson.getJsonObject("fields").getString("date"));
      assertEquals("en", enJson.getString("locale"));
      HttpResponse<String> sr = h.send("GET", "/v1/entries/" + id + "?locale=sr-Cyrl", null, null);
      assertEquals(
          "Наслов Milutin Milošević at the CSFD",
          h.json(sr).getJsonObject("fields").getString("title"));
      assertEquals(
          "Body of Milutin Milošević at the CSFD",
          h.json(sr).getJsonObject("fields").getJsonObject("body").getString("markdown"),
          "a locale without a value falls back to the default locale");
      String etag = en.headers().firstValue("ETag").orElseThrow();
      assertEquals(
          304,
          h.send("GET", "/v1/entries/" + id + "?locale=en", null, null, "If-None-Match", etag)
              .statusCode());

      List<ConsumerRecord<String, byte[]>> records = ApiHarness.poll(consumer, 1);
      assertEquals(1, records.size());
      ConsumerRecord<String, byte[]> r = records.get(0);
      assertEquals(id, r.key());
      assertEquals("content.published", ContentEventCodec.header(r.headers(), "ce_type"));
      assertEquals("1.0", ContentEventCodec.header(r.headers(), "ce_specversion"));
      assertEquals("2", ContentEventCodec.header(r.headers(), "ce_entryversion"));
      assertEquals("/herald/api", ContentEventCodec.header(r.headers(), "ce_source"));
      ContentPublished p = (ContentPublished) ContentEventCodec.fromRecord(r);
      assertEquals(2, p.version());
      assertEquals(List.of("en", "sr-Cyrl"), p.locales());
      assertEquals("Наслов Milutin Milošević at the CSFD", p.title("sr-Cyrl"));
      assertTrue(p.isLocalized("title"));
      assertEquals(List.of("website"), p.channels());

      HttpResponse<String> unpublished =
          h.admin("POST", "/v1/manage/entries/" + id + "/unpublish", null);
      assertEquals(200, unpublished.statusCode(), unpublished.body());
      assertEquals("draft", h.json(unpublished).getString("status"));
      assertEquals(404, h.send("GET", "/v1/entries/" + id + "?locale=en", null, null).statusCode());
      List<ConsumerRecord<String, byte[]>> more = ApiHarness.poll(consumer, 1);
      ContentEvent u = ContentEventCodec.fromRecord(more.get(0));
      assertTrue(u instanceof ContentUnpublished);
      assertEquals(3, u.version());
      assertEquals(id, more.get(0).key());
      assertEquals(
          409, h.admin("POST", "/v1/manage/entries/" + id + "/unpublish", null).statusCode());
    }
  }

  @Test
  @DisplayName("two entries with the same title get distinct slugs, Cyrillic titles transliterated")
  void slugs() {
    JsonObject cyr = newArticle("x");
    cyr.getJsonObject("fields")
        .put("title", new JsonObject().put("sr-Cyrl", "Милошевић и Ђорђевић"));
    cyr.getJsonObject("fields").remove("body");
    HttpResponse<String> a = h.admin("POST", "/v1/manage/entries", cyr);
    HttpResponse<String> b = h.admin("POST", "/v1/manage/entries", cyr);
    assertEquals("milosevic-i-djordjevic", h.json(a).getString("slug"), a.body());
    assertEquals("milosevic-i-djordjevic-2", h.json(b).getString("slug"));
    JsonObject explicit = newArticle("Explicit").put("slug", "milosevic-i-djordjevic");
    HttpResponse<String> c = h.admin("POST", "/v1/manage/entries", explicit);
    assertEquals(409, c.statusCode());
    assertEquals("application/problem+json", c.headers().firstValue("Content-Type").orElseThrow());
  }

  static Stream<Arguments> badInputs() {
    String big = "x".repeat(70_000);
    return Stream.of(
        Arguments.of("malformed JSON", "{\"type\": \"article\", ", 400),
        Arguments.of("a JSON array", "[]", 400),
        Arguments.of("unknown content type", "{\"type\":\"nope\",\"fields\":{}}", 422),
        Arguments.of(
            "missing required field",
            "{\"type\":\"article\",\"fields\":{\"body\":{\"en\":\"b\"}}}",
            422),
        Arguments.of(
            "wrong field type",
            "{\"type\":\"article\",\"fields\":{\"title\":{\"en\":\"t\"},\"date\":42}}",
            422),
        Arguments.of(
            "unknown locale",
            "{\"type\":\"article\",\"fields\":{\"title\":{\"xx-Fake\":\"t\"}}}",
            422),
        Arguments.of(
            "unknown field",
            "{\"type\":\"article\",\"fields\":{\"title\":{\"en\":\"t\"},\"secret\":1}}",
            422),
        Arguments.of(
            "a plain value for a localized field",
            "{\"type\":\"article\",\"fields\":{\"title\":\"t\"}}",
            422),
        Arguments.of(
            "NUL in text",
            "{\"type\":\"article\",\"fields\":{\"title\":{\"en\":\"a\\u0000b\"}}}",
            400),
        Arguments.of(
            "an unpaired surrogate",
            "{\"type\":\"article\",\"fields\":{\"title\":{\"en\":\"a\\ud800b\"}}}",
            400),
        Arguments.of(
            "an unknown channel",
            "{\"type\":\"article\",\"fields\":{\"title\":{\"en\":\"t\"}},\"channels\":[\"fax\"]}",
            422),
        Arguments.of(
            "JSON nested 40 levels deep",
            "{\"type\":\"article\",\"fields\":{\"title\":{\"en\":\"t\"}},\"x\":"
                + "[".repeat(40)
                + "]".repeat(40)
                + "}",
            400),
        Arguments.of(
            "a title over the text length limit",
            "{\"type\":\"article\",\"fields\":{\"title\":{\"en\":\"" + "y".repeat(10_001) + "\"}}}",
            422),
        Arguments.of(
            "a body over the size limit",
            "{\"type\":\"article\",\"fields\":{\"title\":{\"en\":\"" + big + "\"}}}",
            413));
  }

  @ParameterizedTest(name = "{0} → {2}")
  @MethodSource("badInputs")
  @DisplayName("bad input gets problem+json and stores nothing and sends nothing")
  void badInput(String what, String body, int status) {
    long entries = h.count("select count(*) from entries");
    long outbox = h.count("select count(*) from outbox");
    HttpResponse<String> r = h.send("POST", "/v1/manage/entries", ApiHarness.ADMIN_KEY, body);
    assertEquals(status, r.statusCode(), what + ": " + r.body());
    assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElseThrow());
    JsonObject problem = h.json(r);
    assertEquals(status, problem.getInteger("status"));
    assertNotNull(problem.getString("title"));
    assertNotNull(problem.getString("type"));
    if (status == 422) {
      assertTrue(problem.getJsonArray("errors").size() > 0, problem.encode());
    }
    assertEquals(entries, h.count("select count(*) from entries"), "no entry stored");
    assertEquals(outbox, h.count("select count(*) from outbox"), "no event queued");
  }

  @Test
  @DisplayName("keys: no key is 401, an author may not publish, a revoked key stops at once")
  void keys() {
    assertEquals(
        401, h.send("POST", "/v1/manage/entries", null, newArticle("a").encode()).statusCode());
    assertEquals(
        401,
        h.send("POST", "/v1/manage/entries", "hk_wrong", newArticle("a").encode()).statusCode());
    HttpResponse<String> k =
        h.admin(
            "POST", "/v1/manage/keys", new JsonObject().put("name", "Ana").put("role", "author"));
    assertEquals(201, k.statusCode(), k.body());
    String secret = h.json(k).getString("secret");
    assertTrue(secret.startsWith("hk_") && secret.length() > 40);
    assertEquals(1, h.count("select count(*) from api_keys where secret_hash is not null"));
    HttpResponse<String> created =
        h.send("POST", "/v1/manage/entries", secret, newArticle("By Ana").encode());
    assertEquals(201, created.statusCode(), created.body());
    String id = h.json(created).getString("id");
    HttpResponse<String> publish =
        h.send("POST", "/v1/manage/entries/" + id + "/publish", secret, null);
    assertEquals(403, publish.statusCode());
    assertEquals(
        "application/problem+json", publish.headers().firstValue("Content-Type").orElseThrow());
    assertEquals(403, h.send("POST", "/v1/manage/types", secret, ARTICLE.encode()).statusCode());
    assertEquals(
        204, h.admin("DELETE", "/v1/manage/keys/" + h.json(k).getString("id"), null).statusCode());
    assertEquals(
        401,
        h.send("GET", "/v1/manage/entries/" + id, secret, null).statusCode(),
        "revoked at once");
    String keyId = h.json(k).getString("id");
    assertEquals(
        2,
        h.count(
            "select count(*) from audit_log where entity_id = '"
                + keyId
                + "' and action in ('key.create', 'key.revoke')"),
        "key changes are audited");
  }

  @Test
  @DisplayName("updates need the current ETag: none is 428, a stale one 412")
  void optimisticConcurrency() {
    HttpResponse<String> created = h.admin("POST", "/v1/manage/entries", newArticle("Draft"));
    String id = h.json(created).getString("id");
    String etag = created.headers().firstValue("ETag").orElseThrow();
    String body = newArticle("Draft, edited").encode();
    assertEquals(
        428, h.send("PUT", "/v1/manage/entries/" + id, ApiHarness.ADMIN_KEY, body).statusCode());
    HttpResponse<String> ok =
        h.send("PUT", "/v1/manage/entries/" + id, ApiHarness.ADMIN_KEY, body, "If-Match", etag);
    assertEquals(200, ok.statusCode(), ok.body());
    assertEquals(2L, h.json(ok).getLong("version"));
    HttpResponse<String> stale =
        h.send("PUT", "/v1/manage/entries/" + id, ApiHarness.ADMIN_KEY, body, "If-Match", etag);
    assertEquals(412, stale.statusCode());
    assertEquals(
        "application/problem+json", stale.headers().firstValue("Content-Type").orElseThrow());
  }

  @Test
  @DisplayName("unknown routes and ids answer problem+json 404")
  void notFound() {
    HttpResponse<String> r = h.send("GET", "/v1/nothing-here", null, null);
    assertEquals(404, r.statusCode());
    assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElseThrow());
    assertEquals(404, h.send("GET", "/v1/entries/not-a-uuid", null, null).statusCode());
    assertEquals(
        400,
        h.send("GET", "/v1/entries/" + java.util.UUID.randomUUID() + "?locale=xx", null, null)
            .statusCode());
  }
}
