package herald.api.sync;

import static herald.api.sync.PartnerHarness.ADMIN_KEY;
import static herald.api.sync.PartnerHarness.json;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The sync API over a real api, PostgreSQL and Kafka. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SyncApiIT {
  static final String NEWS =
      """
      {"id":"news","name":"News","fields":[
        {"id":"title","type":"text","required":true,"localized":true},
        {"id":"body","type":"richtext","localized":true},
        {"id":"tags","type":"tags"}]}""";
  static final String NOTE =
      """
      {"id":"note","name":"Note","fields":[{"id":"title","type":"text","required":true}]}""";

  PartnerHarness h;
  String partnerKey;
  String partnerKeyId;

  @BeforeAll
  void start() {
    h =
        new PartnerHarness(
                Map.of("HERALD_PARTNER_RATE", "100000", "HERALD_PARTNER_BURST", "100000"))
            .start(PartnerHarness::defaultModule);
    assertEquals(201, h.api("POST", "/v1/manage/types", ADMIN_KEY, NEWS).statusCode());
    assertEquals(201, h.api("POST", "/v1/manage/types", ADMIN_KEY, NOTE).statusCode());
    JsonObject k = h.key("partner");
    partnerKey = k.getString("secret");
    partnerKeyId = k.getString("id");
  }

  @AfterAll
  void stop() {
    h.close();
  }

  String create(String type, String title) {
    JsonObject fields =
        type.equals("news")
            ? new JsonObject()
                .put("title", new JsonObject().put("en", title).put("sr-Cyrl", "Наслов " + title))
                .put("body", new JsonObject().put("en", "**" + title + "** <script>x</script>"))
                .put("tags", new JsonArray().add("policy"))
            : new JsonObject().put("title", title);
    HttpResponse<String> r =
        h.api(
            "POST",
            "/v1/manage/entries",
            ADMIN_KEY,
            new JsonObject().put("type", type).put("fields", fields));
    assertEquals(201, r.statusCode(), r.body());
    return json(r).getString("id");
  }

  void publish(String id) {
    HttpResponse<String> r =
        h.api("POST", "/v1/manage/entries/" + id + "/publish", ADMIN_KEY, null);
    assertEquals(200, r.statusCode(), r.body());
  }

  void unpublish(String id) {
    HttpResponse<String> r =
        h.api("POST", "/v1/manage/entries/" + id + "/unpublish", ADMIN_KEY, null);
    assertEquals(200, r.statusCode(), r.body());
  }

  HttpResponse<String> sync(String query) {
    return h.partner("GET", "/v1/sync?" + query, partnerKey, null);
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** Follows page tokens to the end; returns the pages. */
  List<JsonObject> follow(String query) {
    List<JsonObject> pages = new ArrayList<>();
    HttpResponse<String> r = sync(query);
    while (true) {
      assertEquals(200, r.statusCode(), r.body());
      JsonObject page = json(r);
      pages.add(page);
      if (page.getString("nextPageToken") == null) {
        assertNotNull(page.getString("nextSyncToken"));
        return pages;
      }
      assertNull(page.getString("nextSyncToken"));
      r = sync("token=" + enc(page.getString("nextPageToken")));
    }
  }

  @Test
  @DisplayName(
      "an initial sync pages through the published entries and a delta brings changes and tombstones")
  void initialThenDelta() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      String id = create("news", "Initial " + i);
      publish(id);
      ids.add(id);
    }
    String draft = create("news", "Never published");
    h.awaitLogged();

    List<JsonObject> pages = follow("initial=true&type=news&limit=3");
    assertTrue(pages.size() >= 3, "7 entries in pages of 3");
    Set<String> seen = new HashSet<>();
    for (JsonObject p : pages) {
      assertTrue(p.getJsonArray("entries").size() <= 3);
      p.getJsonArray("entries").forEach(o -> seen.add(((JsonObject) o).getString("id")));
    }
    assertTrue(seen.containsAll(ids));
    assertFalse(seen.contains(draft));
    JsonObject one = pages.get(0).getJsonArray("entries").getJsonObject(0);
    assertEquals("news", one.getString("type"));
    assertTrue(
        one.getJsonObject("fields")
            .getJsonObject("body")
            .getJsonObject("en")
            .getString("html")
            .contains("<strong>"));
    assertFalse(
        one.getJsonObject("fields")
            .getJsonObject("body")
            .getJsonObject("en")
            .getString("html")
            .contains("<script"));
    String token = pages.get(pages.size() - 1).getString("nextSyncToken");

    // Nothing changed: an empty delta with a token.
    HttpResponse<String> empty = sync("token=" + enc(token));
    assertEquals(200, empty.statusCode(), empty.body());
    assertEquals(0, json(empty).getJsonArray("entries").size());
    assertEquals(0, json(empty).getJsonArray("deleted").size());

    // An update, an unpublish, a new entry and an entry of another type.
    JsonObject current = json(h.api("GET", "/v1/manage/entries/" + ids.get(0), ADMIN_KEY, null));
    HttpResponse<String> put =
        h.send(
            h.apiUri("/v1/manage/entries/" + ids.get(0)),
            "PUT",
            ADMIN_KEY,
            new JsonObject()
                .put(
                    "fields",
                    current
                        .getJsonObject("fields")
                        .copy()
                        .put("title", new JsonObject().put("en", "Changed")))
                .encode(),
            "If-Match",
            "\"" + ids.get(0) + "-v" + current.getLong("version") + "\"");
    assertEquals(200, put.statusCode(), put.body());
    publish(ids.get(0));
    unpublish(ids.get(1));
    String fresh = create("news", "Fresh");
    publish(fresh);
    publish(create("note", "Other type"));
    h.awaitLogged();

    List<JsonObject> delta = follow("token=" + enc(token));
    Map<String, JsonObject> changed = new HashMap<>();
    Set<String> deleted = new HashSet<>();
    for (JsonObject p : delta) {
      p.getJsonArray("entries")
          .forEach(o -> changed.put(((JsonObject) o).getString("id"), (JsonObject) o));
      p.getJsonArray("deleted").forEach(o -> deleted.add(((JsonObject) o).getString("id")));
    }
    assertEquals(Set.of(ids.get(0), fresh), changed.keySet(), "only news changes");
    assertEquals(
        "Changed",
        changed.get(ids.get(0)).getJsonObject("fields").getJsonObject("title").getString("en"));
    assertEquals(Set.of(ids.get(1)), deleted);
    assertEquals("news", delta.get(0).getJsonArray("deleted").getJsonObject(0).getString("type"));
  }

  @Test
  @DisplayName("a locale renders localized fields through the fallback chain")
  void locale() {
    String id = create("news", "Locale");
    publish(id);
    h.awaitLogged();
    JsonObject found = null;
    for (JsonObject p : follow("initial=true&type=news&locale=sr-Latn")) {
      for (Object o : p.getJsonArray("entries")) {
        if (((JsonObject) o).getString("id").equals(id)) {
          found = (JsonObject) o;
        }
      }
    }
    assertNotNull(found);
    assertEquals("sr-Latn", found.getString("locale"));
    assertEquals("Наслов Locale", found.getJsonObject("fields").getString("title"));
  }

  @Test
  @DisplayName("a changed, cut or foreign token is a 400 problem")
  void tamperedTokens() {
    String token = json(sync("initial=true&limit=500")).getString("nextSyncToken");
    String body = token.substring(0, token.indexOf('.'));
    String sig = token.substring(token.indexOf('.') + 1);
    String decoded =
        new String(java.util.Base64.getUrlDecoder().decode(body), StandardCharsets.UTF_8);
    String forged =
        java.util.Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(
                    decoded.replace("\"f\":{", "\"f\":{\"9\":0,").getBytes(StandardCharsets.UTF_8))
            + "."
            + sig;
    char c = sig.charAt(3);
    String flipped = body + "." + sig.substring(0, 3) + (c == 'A' ? 'B' : 'A') + sig.substring(4);
    for (String bad : List.of(forged, flipped, token.substring(0, token.length() - 2), "garbage")) {
      HttpResponse<String> r = sync("token=" + enc(bad));
      assertEquals(400, r.statusCode(), r.body());
      assertEquals(
          "application/problem+json", r.headers().firstValue("Content-Type").orElseThrow());
      assertTrue(json(r).getString("detail").contains("token"), r.body());
    }
    assertEquals(400, sync("token=" + enc(token) + "&type=note").statusCode());
    assertEquals(400, sync("initial=true&token=" + enc(token)).statusCode());
    assertEquals(400, sync("").statusCode());
    assertEquals(400, sync("initial=true&bogus=1").statusCode());
  }

  @Test
  @DisplayName("sync needs a partner or admin key")
  void roles() {
    assertEquals(401, h.partner("GET", "/v1/sync?initial=true", null, null).statusCode());
    String delivery = h.key("delivery").getString("secret");
    String author = h.key("author").getString("secret");
    assertEquals(403, h.partner("GET", "/v1/sync?initial=true", delivery, null).statusCode());
    assertEquals(403, h.partner("GET", "/v1/sync?initial=true", author, null).statusCode());
    assertEquals(200, h.partner("GET", "/v1/sync?initial=true", ADMIN_KEY, null).statusCode());
  }

  @Test
  @DisplayName("a partner key limited to a type and a locale sees only those")
  void scopes() {
    JsonObject k = h.key("partner");
    String key = k.getString("secret");
    String id = k.getString("id");
    HttpResponse<String> put =
        h.partner(
            "PUT",
            "/v1/manage/partners/" + id + "/scope",
            ADMIN_KEY,
            new JsonObject()
                .put("types", new JsonArray().add("note"))
                .put("locales", new JsonArray().add("en")));
    assertEquals(200, put.statusCode(), put.body());
    assertEquals(
        new JsonArray().add("note"),
        json(h.partner("GET", "/v1/manage/partners/" + id + "/scope", ADMIN_KEY, null))
            .getJsonArray("types"));
    assertEquals(
        403,
        h.partner("PUT", "/v1/manage/partners/" + id + "/scope", key, new JsonObject())
            .statusCode());
    assertEquals(
        404,
        h.partner(
                "PUT",
                "/v1/manage/partners/00000000-0000-0000-0000-000000000001/scope",
                ADMIN_KEY,
                new JsonObject())
            .statusCode());
    HttpResponse<String> badLocale =
        h.partner(
            "PUT",
            "/v1/manage/partners/" + id + "/scope",
            ADMIN_KEY,
            new JsonObject().put("locales", new JsonArray().add("xx")));
    assertEquals(422, badLocale.statusCode(), badLocale.body());

    String note = create("note", "Scoped note");
    publish(note);
    publish(create("news", "Not for this partner"));
    h.awaitLogged();
    assertEquals(
        400, h.partner("GET", "/v1/sync?initial=true", key, null).statusCode(), "locale needed");
    assertEquals(403, h.partner("GET", "/v1/sync?initial=true&locale=de", key, null).statusCode());
    assertEquals(
        403, h.partner("GET", "/v1/sync?initial=true&locale=en&type=news", key, null).statusCode());
    HttpResponse<String> r =
        h.partner("GET", "/v1/sync?initial=true&locale=en&limit=500", key, null);
    assertEquals(200, r.statusCode(), r.body());
    Set<String> types = new HashSet<>();
    json(r).getJsonArray("entries").forEach(o -> types.add(((JsonObject) o).getString("type")));
    assertEquals(Set.of("note"), types);

    assertEquals(
        204,
        h.partner("DELETE", "/v1/manage/partners/" + id + "/scope", ADMIN_KEY, null).statusCode());
    assertEquals(200, h.partner("GET", "/v1/sync?initial=true", key, null).statusCode());
  }

  @Test
  @DisplayName("reading the topic again after a restart appends nothing twice")
  void restartIsIdempotent() {
    publish(create("note", "Before restart"));
    h.awaitLogged();
    long before = h.count("select count(*) from sync_log");
    h.stopPartners();
    publish(create("note", "While stopped"));
    // A new consumer group: Kafka would start at the beginning; the stored positions win.
    h.startPartners(
        a ->
            new herald.api.partners.PartnerModule(
                a.vertx(),
                a.pool(),
                a.config().kafka().bootstrapServers(),
                a.config().kafka().contentTopic(),
                a.config().content(),
                a.partners().withConsumerGroup("other-group-" + System.nanoTime()),
                a.keys(),
                a.tokenSecret(),
                a.registry()));
    h.awaitLogged();
    assertTrue(h.count("select count(*) from sync_log") > before);
    assertEquals(h.count("select count(*) from outbox"), h.count("select count(*) from sync_log"));
    assertEquals(
        0,
        h.count(
            "select count(*) from (select kafka_partition, kafka_offset from sync_log"
                + " group by 1, 2 having count(*) > 1) d"));
  }

  @Test
  @DisplayName("a record that is not a content event is skipped and the log goes on past it")
  void poisonRecord() throws Exception {
    java.util.Properties pp = new java.util.Properties();
    pp.put(
        org.apache.kafka.clients.producer.ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
        herald.embedded.TestInfrastructure.shared().kafkaBootstrapServers());
    try (var p =
        new org.apache.kafka.clients.producer.KafkaProducer<String, byte[]>(
            pp,
            new org.apache.kafka.common.serialization.StringSerializer(),
            new org.apache.kafka.common.serialization.ByteArraySerializer())) {
      p.send(
              new org.apache.kafka.clients.producer.ProducerRecord<>(
                  h.topic, "not-an-entry", "{garbage".getBytes(StandardCharsets.UTF_8)))
          .get();
    }
    String id = create("note", "After the poison");
    publish(id);
    h.awaitLogged();
    assertEquals(1, h.count("select count(*) from sync_log where entry_id = '" + id + "'"));
    // Every record read, the poison one included, moved a position on.
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                h.count("select coalesce(sum(next_offset), 0) from sync_positions")
                    == h.count("select count(*) from outbox") + 1);
  }
}
