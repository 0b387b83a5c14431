package herald.api;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import herald.events.ContentEventCodec;
import herald.events.ContentPublished;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Content modelling and the editorial life-cycle, through HTTP against real PostgreSQL/Kafka. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ModelAndLifecycleIT {
  static final JsonObject PERSON =
      new JsonObject(
          """
          {"id":"person","name":"Person","fields":[
            {"id":"name","type":"text","required":true,"maxLength":200},
            {"id":"role","type":"text","localized":true},
            {"id":"email","type":"email"}]}
          """);
  static final JsonObject EVENT =
      new JsonObject(
          """
          {"id":"event","name":"Event","fields":[
            {"id":"title","type":"text","required":true,"localized":true,"minLength":3},
            {"id":"body","type":"richtext","localized":true},
            {"id":"startsAt","type":"datetime","required":true},
            {"id":"timeZone","type":"text","pattern":"[A-Za-z]+/[A-Za-z_]+"},
            {"id":"format","type":"enum","values":["webinar","conference","meeting"]},
            {"id":"participants","type":"number","min":0,"max":100000},
            {"id":"online","type":"boolean"},
            {"id":"languages","type":"tags","maxLength":5},
            {"id":"registrationUrl","type":"url"},
            {"id":"image","type":"media"},
            {"id":"venue","type":"location"},
            {"id":"organiser","type":"reference","referenceTypes":["person"]},
            {"id":"programme","type":"group","fields":[
              {"id":"start","type":"datetime","required":true},
              {"id":"title","type":"text","required":true},
              {"id":"speakers","type":"references","referenceTypes":["person"]}]}]}
          """);

  ApiHarness h;
  String editorKey;
  String authorKey;

  @BeforeAll
  void start() {
    h = new ApiHarness();
    h.deploy();
    assertEquals(201, h.admin("POST", "/v1/manage/types", PERSON).statusCode());
    HttpResponse<String> ev = h.admin("POST", "/v1/manage/types", EVENT);
    assertEquals(201, ev.statusCode(), ev.body());
    editorKey = key("editor");
    authorKey = key("author");
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

  String person(String name) {
    HttpResponse<String> r =
        h.admin(
            "POST",
            "/v1/manage/entries",
            new JsonObject()
                .put("type", "person")
                .put("fields", new JsonObject().put("name", name)));
    assertEquals(201, r.statusCode(), r.body());
    return h.json(r).getString("id");
  }

  JsonObject webinar(String speaker) {
    return new JsonObject()
        .put("type", "event")
        .put(
            "fields",
            new JsonObject()
                .put(
                    "title",
                    new JsonObject()
                        .put("en", "Webinar on decriminalisation")
                        .put("ru", "Вебинар о декриминализации"))
                .put("body", new JsonObject().put("en", "**BOOST** policy brief").put("ru", "Бриф"))
                .put("startsAt", "2025-12-04T14:30:00+01:00")
                .put("timeZone", "Europe/Belgrade")
                .put("format", "webinar")
                .put("participants", 32)
                .put("online", true)
                .put("languages", new JsonArray().add("English").add("Russian"))
                .put("registrationUrl", "https://us02web.zoom.us/j/89055986872")
                .put(
                    "venue",
                    new JsonObject().put("lat", 44.81).put("lon", 20.46).put("name", "Belgrade"))
                .put("organiser", speaker)
                .put(
                    "programme",
                    new JsonArray()
                        .add(
                            new JsonObject()
                                .put("start", "2025-12-04T14:30:00+01:00")
                                .put("title", "Opening")
                                .put("speakers", new JsonArray().add(speaker)))));
  }

  @Test
  @DisplayName("every field type is stored, and each validation names the field that breaks it")
  void fieldTypesAndValidations() {
    String speaker = person("Milutin Milošević");
    HttpResponse<String> ok = h.admin("POST", "/v1/manage/entries", webinar(speaker));
    assertEquals(201, ok.statusCode(), ok.body());
    assertTrue(h.json(ok).getString("slug").startsWith("webinar-on-decriminalisation"));

    JsonObject bad = webinar(speaker);
    JsonObject f = bad.getJsonObject("fields");
    f.put("title", new JsonObject().put("en", "ab"));
    f.put("timeZone", "not a zone");
    f.put("format", "party");
    f.put("participants", -1);
    f.put("languages", new JsonArray().add("a").add("b").add("c").add("d").add("e").add("f"));
    f.put("venue", new JsonObject().put("lat", 91).put("lon", 0));
    f.put("organiser", "00000000-0000-0000-0000-000000000000");
    f.put("programme", new JsonArray().add(new JsonObject().put("title", "No start")));
    long before = h.count("select count(*) from entries");
    HttpResponse<String> r = h.admin("POST", "/v1/manage/entries", bad);
    assertEquals(422, r.statusCode(), r.body());
    String errors = h.json(r).getJsonArray("errors").encode();
    for (String field :
        List.of(
            "fields.title.en",
            "fields.timeZone",
            "fields.format",
            "fields.participants",
            "fields.languages",
            "fields.venue",
            "fields.programme[0].start")) {
      assertTrue(errors.contains("\"" + field + "\""), field + " in " + errors);
    }
    assertEquals(before, h.count("select count(*) from entries"));

    // A reference to an entry of a type that is not allowed.
    JsonObject wrongType = webinar(speaker);
    String anEvent = h.json(ok).getString("id");
    wrongType.getJsonObject("fields").put("organiser", anEvent);
    HttpResponse<String> w = h.admin("POST", "/v1/manage/entries", wrongType);
    assertEquals(422, w.statusCode());
    assertTrue(w.body().contains("allowed: [person]"), w.body());
  }

  @Test
  @DisplayName("changing a type: additive at once, removing a used field refused unless forced")
  void typeChanges() {
    JsonObject note =
        new JsonObject(
            "{\"id\":\"note\",\"name\":\"Note\",\"fields\":[{\"id\":\"title\",\"type\":\"text\"},"
                + "{\"id\":\"mood\",\"type\":\"text\"}]}");
    assertEquals(201, h.admin("POST", "/v1/manage/types", note).statusCode());
    h.admin(
        "POST",
        "/v1/manage/entries",
        new JsonObject()
            .put("type", "note")
            .put("fields", new JsonObject().put("title", "t").put("mood", "calm")));
    JsonObject added = note.copy();
    added.getJsonArray("fields").add(new JsonObject().put("id", "extra").put("type", "number"));
    HttpResponse<String> a = h.admin("PUT", "/v1/manage/types/note", added);
    assertEquals(200, a.statusCode(), a.body());
    assertEquals(2, h.json(a).getInteger("version"));

    JsonObject removed =
        new JsonObject(
            "{\"id\":\"note\",\"name\":\"Note\",\"fields\":[{\"id\":\"title\",\"type\":\"text\"}]}");
    HttpResponse<String> refused = h.admin("PUT", "/v1/manage/types/note", removed);
    assertEquals(409, refused.statusCode());
    assertTrue(refused.body().contains("fields.mood"), refused.body());
    JsonObject retyped = added.copy();
    retyped.getJsonArray("fields").getJsonObject(1).put("type", "number");
    assertEquals(409, h.admin("PUT", "/v1/manage/types/note", retyped).statusCode());
    assertEquals(
        1, h.count("select count(*) from entries where type_id = 'note' and fields ? 'mood'"));

    HttpResponse<String> forced = h.admin("PUT", "/v1/manage/types/note?force=true", removed);
    assertEquals(200, forced.statusCode(), forced.body());
    assertEquals(
        0, h.count("select count(*) from entries where type_id = 'note' and fields ? 'mood'"));
  }

  @Test
  @DisplayName("every save is a version; versions can be listed, read, compared and restored")
  void versions() {
    HttpResponse<String> c = h.admin("POST", "/v1/manage/entries", webinar(person("Ana")));
    String id = h.json(c).getString("id");
    String etag = c.headers().firstValue("ETag").orElseThrow();
    JsonObject edited = webinar(person("Ana")).put("slug", "renamed-webinar");
    edited.getJsonObject("fields").put("participants", 40);
    HttpResponse<String> u =
        h.send(
            "PUT",
            "/v1/manage/entries/" + id,
            ApiHarness.ADMIN_KEY,
            edited.encode(),
            "If-Match",
            etag);
    assertEquals(200, u.statusCode(), u.body());
    JsonArray list =
        h.json(h.admin("GET", "/v1/manage/entries/" + id + "/versions", null))
            .getJsonArray("items");
    assertEquals(2, list.size());
    assertEquals("update", list.getJsonObject(0).getString("action"));
    JsonObject v1 = h.json(h.admin("GET", "/v1/manage/entries/" + id + "/versions/1", null));
    assertEquals(32, v1.getJsonObject("fields").getInteger("participants"));

    JsonArray changes =
        h.json(h.admin("GET", "/v1/manage/entries/" + id + "/diff?from=1&to=2", null))
            .getJsonArray("changes");
    assertTrue(changes.encode().contains("\"path\":\"fields.participants\""), changes.encode());
    assertTrue(changes.encode().contains("\"path\":\"slug\""), changes.encode());

    String etag2 = u.headers().firstValue("ETag").orElseThrow();
    HttpResponse<String> restored =
        h.send(
            "POST",
            "/v1/manage/entries/" + id + "/versions/1/restore",
            ApiHarness.ADMIN_KEY,
            null,
            "If-Match",
            etag2);
    assertEquals(200, restored.statusCode(), restored.body());
    assertEquals(3L, h.json(restored).getLong("version"));
    assertEquals(32, h.json(restored).getJsonObject("fields").getInteger("participants"));
    assertEquals(v1.getString("slug"), h.json(restored).getString("slug"), "the slug is restored");
    assertEquals(
        412,
        h.send(
                "POST",
                "/v1/manage/entries/" + id + "/versions/1/restore",
                ApiHarness.ADMIN_KEY,
                null,
                "If-Match",
                etag2)
            .statusCode());
    assertEquals(
        404, h.admin("GET", "/v1/manage/entries/" + id + "/versions/99", null).statusCode());
  }

  @Test
  @DisplayName("a locale can be published and withdrawn on its own")
  void perLocalePublishing() {
    try (KafkaConsumer<String, byte[]> consumer = h.consumer()) {
      String id =
          h.json(h.admin("POST", "/v1/manage/entries", webinar(person("Igor")))).getString("id");
      HttpResponse<String> en =
          h.send(
              "POST", "/v1/manage/entries/" + id + "/publish", editorKey, "{\"locales\":[\"en\"]}");
      assertEquals(200, en.statusCode(), en.body());
      assertEquals(List.of("en"), h.json(en).getJsonArray("publishedLocales").getList());
      JsonObject ru = h.json(h.send("GET", "/v1/entries/" + id + "?locale=ru", null, null));
      assertEquals(List.of("en"), ru.getJsonArray("locales").getList());
      assertEquals(
          "Webinar on decriminalisation",
          ru.getJsonObject("fields").getString("title"),
          "the unpublished Russian falls back to the default locale");
      HttpResponse<String> both =
          h.send(
              "POST", "/v1/manage/entries/" + id + "/publish", editorKey, "{\"locales\":[\"ru\"]}");
      assertEquals(List.of("en", "ru"), h.json(both).getJsonArray("publishedLocales").getList());
      HttpResponse<String> withdrawn =
          h.send(
              "POST",
              "/v1/manage/entries/" + id + "/unpublish",
              editorKey,
              "{\"locales\":[\"en\"]}");
      assertEquals(200, withdrawn.statusCode(), withdrawn.body());
      assertEquals("published", h.json(withdrawn).getString("status"));
      assertEquals(List.of("ru"), h.json(withdrawn).getJsonArray("publishedLocales").getList());

      List<ConsumerRecord<String, byte[]>> events = ApiHarness.poll(consumer, 3);
      List<ContentPublished> published =
          events.stream()
              .filter(r -> r.key().equals(id))
              .map(r -> (ContentPublished) ContentEventCodec.fromRecord(r))
              .toList();
      assertEquals(
          List.of(List.of("en"), List.of("en", "ru"), List.of("ru")),
          published.stream().map(ContentPublished::locales).toList());
      assertTrue(
          published.get(2).text("title", "en").isEmpty(), "the withdrawn locale's values are gone");
      assertEquals(
          422,
          h.send(
                  "POST",
                  "/v1/manage/entries/" + id + "/publish",
                  editorKey,
                  "{\"locales\":[\"xx\"]}")
              .statusCode());
      assertEquals(
          422,
          h.send(
                  "POST",
                  "/v1/manage/entries/" + id + "/publish",
                  editorKey,
                  "{\"locales\":[\"de\"]}")
              .statusCode());
    }
  }

  @Test
  @DisplayName("roles: an author may save but not publish; the audit log records who did what")
  void rolesAndAudit() {
    HttpResponse<String> c =
        h.send("POST", "/v1/manage/entries", authorKey, webinar(person("Maria")).encode());
    assertEquals(201, c.statusCode(), c.body());
    String id = h.json(c).getString("id");
    assertEquals(
        403, h.send("POST", "/v1/manage/entries/" + id + "/publish", authorKey, null).statusCode());
    assertEquals(
        403,
        h.send("POST", "/v1/manage/entries/" + id + "/schedule", authorKey, "{}").statusCode());
    assertEquals(403, h.send("GET", "/v1/manage/audit", editorKey, null).statusCode());
    assertEquals(
        200, h.send("POST", "/v1/manage/entries/" + id + "/publish", editorKey, null).statusCode());
    JsonArray log =
        h.json(h.admin("GET", "/v1/manage/audit?entity=" + id, null)).getJsonArray("items");
    assertEquals(
        List.of("entry.publish", "entry.create"),
        log.stream().map(o -> ((JsonObject) o).getString("action")).toList());
    JsonObject publish = log.getJsonObject(0);
    assertEquals("editor", publish.getJsonObject("actor").getString("name"));
    assertEquals(1L, publish.getLong("beforeVersion"));
    assertEquals(2L, publish.getLong("afterVersion"));
    assertEquals("author", log.getJsonObject(1).getJsonObject("actor").getString("name"));
  }

  @Test
  @DisplayName("a scheduled publish fires after a restart of the api, once, and can be cancelled")
  void schedules() {
    String id =
        h.json(h.admin("POST", "/v1/manage/entries", webinar(person("Joana")))).getString("id");
    String other =
        h.json(h.admin("POST", "/v1/manage/entries", webinar(person("Sanja")))).getString("id");
    String at = Instant.now().plusSeconds(3).toString();
    HttpResponse<String> s =
        h.send(
            "POST",
            "/v1/manage/entries/" + id + "/schedule",
            editorKey,
            new JsonObject().put("action", "publish").put("at", at).encode());
    assertEquals(201, s.statusCode(), s.body());
    HttpResponse<String> s2 =
        h.send(
            "POST",
            "/v1/manage/entries/" + other + "/schedule",
            editorKey,
            new JsonObject().put("action", "publish").put("at", at).encode());
    assertEquals(
        204,
        h.send("DELETE", "/v1/manage/schedules/" + h.json(s2).getString("id"), editorKey, null)
            .statusCode());
    assertEquals(
        409,
        h.send("DELETE", "/v1/manage/schedules/" + h.json(s2).getString("id"), editorKey, null)
            .statusCode());
    JsonArray pending =
        h.json(h.send("GET", "/v1/manage/schedules?status=pending&entry=" + id, editorKey, null))
            .getJsonArray("items");
    assertEquals(1, pending.size());

    // Restart: the schedule lives in PostgreSQL, not in the stopped instance; two instances run.
    h.undeploy(h.verticles.get(0));
    h.deploy();
    h.deploy();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> h.send("GET", "/v1/entries/" + id, null, null).statusCode() == 200);
    assertEquals(
        1,
        h.count(
            "select count(*) from audit_log where entity_id = '"
                + id
                + "' and action = 'entry.publish'"),
        "ran once");
    assertEquals(
        "done",
        h.json(h.send("GET", "/v1/manage/schedules?entry=" + id, editorKey, null))
            .getJsonArray("items")
            .getJsonObject(0)
            .getString("status"));
    assertEquals(
        404,
        h.send("GET", "/v1/entries/" + other, null, null).statusCode(),
        "the cancelled one did not run");
    assertEquals(
        422,
        h.send(
                "POST",
                "/v1/manage/entries/" + id + "/schedule",
                editorKey,
                "{\"action\":\"explode\",\"at\":\"soon\"}")
            .statusCode());
  }

  @Test
  @DisplayName("keys can expire")
  void expiringKeys() {
    // A key can't be made already expired (422): this one expires in a moment.
    HttpResponse<String> k =
        h.admin(
            "POST",
            "/v1/manage/keys",
            new JsonObject()
                .put("name", "temp")
                .put("role", "editor")
                .put("expiresAt", Instant.now().plusSeconds(2).toString()));
    assertEquals(201, k.statusCode(), k.body());
    String secret = h.json(k).getString("secret");
    assertFalse(secret.isEmpty());
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(30))
        .until(() -> h.send("GET", "/v1/manage/types", secret, null).statusCode() == 401);
  }

  @Test
  @DisplayName(
      "the management list pages through drafts and published entries by type, status and tag"
          + " without repeating or skipping one")
  void managementList() {
    JsonObject memo =
        new JsonObject(
            "{\"id\":\"memo\",\"name\":\"Memo\",\"fields\":[{\"id\":\"title\",\"type\":\"text\"},"
                + "{\"id\":\"tags\",\"type\":\"tags\"}]}");
    assertEquals(201, h.admin("POST", "/v1/manage/types", memo).statusCode());
    java.util.Set<String> all = new java.util.HashSet<>();
    java.util.Set<String> published = new java.util.HashSet<>();
    for (int i = 0; i < 23; i++) {
      JsonObject body =
          new JsonObject()
              .put("type", "memo")
              .put(
                  "fields",
                  new JsonObject()
                      .put("title", "Memo " + i)
                      .put("tags", new JsonArray().add(i % 2 == 0 ? "even" : "odd")));
      String id =
          h.json(h.send("POST", "/v1/manage/entries", authorKey, body.encode())).getString("id");
      all.add(id);
      if (i % 5 == 0) {
        assertEquals(
            200,
            h.send("POST", "/v1/manage/entries/" + id + "/publish", editorKey, null).statusCode());
        published.add(id);
      }
    }
    java.util.List<String> seen = new java.util.ArrayList<>();
    String cursor = null;
    int pages = 0;
    String previousUpdated = null;
    do {
      HttpResponse<String> r =
          h.send(
              "GET",
              "/v1/manage/entries?type=memo&limit=10" + (cursor == null ? "" : "&cursor=" + cursor),
              authorKey,
              null);
      assertEquals(200, r.statusCode(), r.body());
      JsonObject page = h.json(r);
      assertTrue(page.getJsonArray("items").size() <= 10);
      for (Object o : page.getJsonArray("items")) {
        JsonObject e = (JsonObject) o;
        assertEquals("memo", e.getString("type"));
        if (previousUpdated != null) {
          assertTrue(e.getString("updatedAt").compareTo(previousUpdated) <= 0, "newest first");
        }
        previousUpdated = e.getString("updatedAt");
        seen.add(e.getString("id"));
      }
      cursor = page.getString("nextCursor");
      pages++;
    } while (cursor != null);
    assertEquals(3, pages);
    assertEquals(23, seen.size());
    assertEquals(all, new java.util.HashSet<>(seen));

    JsonObject pub =
        h.json(
            h.send(
                "GET", "/v1/manage/entries?type=memo&status=published&limit=100", authorKey, null));
    java.util.Set<String> pubIds = new java.util.HashSet<>();
    pub.getJsonArray("items").forEach(o -> pubIds.add(((JsonObject) o).getString("id")));
    assertEquals(published, pubIds);
    JsonObject drafts =
        h.json(
            h.send("GET", "/v1/manage/entries?type=memo&status=draft&limit=100", authorKey, null));
    assertEquals(23 - published.size(), drafts.getJsonArray("items").size());
    JsonObject even =
        h.json(h.send("GET", "/v1/manage/entries?type=memo&tag=even&limit=100", authorKey, null));
    assertEquals(12, even.getJsonArray("items").size());

    // A cursor only continues its own list; unknown parameters and bad values are refused.
    String first =
        h.json(h.send("GET", "/v1/manage/entries?type=memo&limit=5", authorKey, null))
            .getString("nextCursor");
    HttpResponse<String> other =
        h.send(
            "GET",
            "/v1/manage/entries?type=memo&status=draft&limit=5&cursor=" + first,
            authorKey,
            null);
    assertEquals(400, other.statusCode());
    assertTrue(other.body().contains("another list"), other.body());
    assertEquals(400, h.send("GET", "/v1/manage/entries?title=x", authorKey, null).statusCode());
    assertEquals(
        400, h.send("GET", "/v1/manage/entries?status=gone", authorKey, null).statusCode());
    assertEquals(400, h.send("GET", "/v1/manage/entries?limit=101", authorKey, null).statusCode());
    assertEquals(401, h.send("GET", "/v1/manage/entries", null, null).statusCode());
  }
}
