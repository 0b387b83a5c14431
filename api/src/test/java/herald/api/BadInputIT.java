package herald.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Bad input gets a 4xx problem that says what was wrong, never a 500, and nothing is stored. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputIT {
  ApiHarness h;

  @BeforeAll
  void start() {
    h = new ApiHarness();
    h.deploy();
  }

  @AfterAll
  void stop() {
    h.close();
  }

  void problem(HttpResponse<String> r, int status, String detailContains) {
    assertEquals(status, r.statusCode(), r.body());
    assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElse(""));
    JsonObject p = h.json(r);
    assertEquals(status, p.getInteger("status"), r.body());
    if (detailContains != null) {
      assertTrue(
          String.valueOf(p.getString("detail")).contains(detailContains)
              || String.valueOf(p.getValue("errors")).contains(detailContains),
          r.body());
    }
  }

  @Test
  @DisplayName("malformed percent-encoding, invalid UTF-8 or NUL in a query or a path is a 400")
  void malformedPercentEncoding() throws Exception {
    for (String target :
        List.of(
            "/v1/entries?type=%zz",
            "/v1/entries?%zz=1",
            "/v1/entries?type=%",
            "/v1/search?q=%E0%A4%A",
            "/v1/entries/%zz",
            "/v1/types/%zz/entries/x",
            "/v1/entries/%zz.ics",
            "/feeds/%zz.rss",
            "/v1/manage/entries/%zz")) {
      Raw r = raw("GET", target, ApiHarness.ADMIN_KEY);
      assertEquals(400, r.status(), target + " → " + r.body());
      assertTrue(r.body().contains("percent-encoding"), target + " → " + r.body());
    }
    for (String target : List.of("/v1/search?q=%C3%28", "/v1/entries?type=%FF")) {
      Raw r = raw("GET", target, null);
      assertEquals(400, r.status(), target + " → " + r.body());
      assertTrue(r.body().contains("not UTF-8"), target + " → " + r.body());
    }
    Raw nul = raw("GET", "/v1/search?q=a%00b", null);
    assertEquals(400, nul.status(), nul.body());
    assertTrue(nul.body().contains("NUL"), nul.body());
  }

  @Test
  @DisplayName("the preview list without a type lists the drafts of every type")
  void previewWithoutType() {
    HttpResponse<String> type =
        h.admin(
            "POST",
            "/v1/manage/types",
            "{\"id\":\"note\",\"name\":\"Note\",\"fields\":[{\"id\":\"title\",\"type\":\"text\"}]}");
    assertEquals(201, type.statusCode(), type.body());
    HttpResponse<String> draft =
        h.admin(
            "POST",
            "/v1/manage/entries",
            "{\"type\":\"note\",\"fields\":{\"title\":\"A draft of Ohrid\"}}");
    assertEquals(201, draft.statusCode(), draft.body());
    HttpResponse<String> key =
        h.admin(
            "POST", "/v1/manage/keys", new JsonObject().put("name", "p").put("role", "preview"));
    assertEquals(201, key.statusCode(), key.body());
    String secret = h.json(key).getString("secret");
    HttpResponse<String> list = h.send("GET", "/v1/preview/entries?sort=-createdAt", secret, null);
    assertEquals(200, list.statusCode(), list.body());
    assertEquals(
        h.json(draft).getString("id"),
        h.json(list).getJsonArray("items").getJsonObject(0).getString("id"),
        list.body());
  }

  @Test
  @DisplayName("NUL, lone surrogates or keys given twice are a 400 and store nothing")
  void badJsonText() {
    long keys = h.count("select count(*) from api_keys");
    problem(
        h.admin(
            "POST",
            "/v1/manage/keys",
            new JsonObject().put("name", "a\u0000b").put("role", "author")),
        400,
        "NUL");
    problem(
        h.admin("POST", "/v1/manage/keys", "{\"name\":\"lone \\ud800 one\",\"role\":\"author\"}"),
        400,
        "surrogate");
    problem(
        h.admin("POST", "/v1/manage/keys", "{\"name\":\"a\",\"name\":\"b\",\"role\":\"author\"}"),
        400,
        "twice");
    assertEquals(keys, h.count("select count(*) from api_keys"));
    long types = h.count("select count(*) from content_types");
    problem(
        h.admin(
            "POST",
            "/v1/manage/types",
            "{\"id\":\"nul\",\"name\":\"N\\u0000\",\"fields\":[{\"id\":\"t\",\"type\":\"text\"}]}"),
        400,
        "NUL");
    problem(
        h.admin(
            "POST",
            "/v1/manage/types",
            "{\"id\":\"n\\u0000l\",\"name\":\"N\",\"fields\":[{\"id\":\"t\",\"type\":\"text\"}]}"),
        400,
        null);
    assertEquals(types, h.count("select count(*) from content_types"));
    HttpResponse<String> partner =
        h.admin(
            "POST", "/v1/manage/keys", new JsonObject().put("name", "p").put("role", "partner"));
    String keyId = h.json(partner).getString("id");
    problem(
        h.admin(
            "PUT",
            "/v1/manage/partners/" + keyId + "/scope",
            "{\"types\":[\"a\\u0000\"],\"locales\":null}"),
        400,
        "NUL");
    assertEquals(0, h.count("select count(*) from partner_scopes"));
  }

  @Test
  @DisplayName("a body that is not declared JSON is a 415 problem, and stores nothing")
  void wrongContentType() throws Exception {
    String type = "{\"id\":\"ct\",\"name\":\"CT\",\"fields\":[{\"id\":\"t\",\"type\":\"text\"}]}";
    for (String contentType :
        List.of("text/plain", "application/x-www-form-urlencoded", "json", "")) {
      Raw r = raw("POST", "/v1/manage/types", ApiHarness.ADMIN_KEY, contentType, type);
      assertEquals(415, r.status(), contentType + " → " + r.body());
      assertTrue(r.body().contains("application/json"), r.body());
    }
    assertEquals(0, h.count("select count(*) from content_types where id = 'ct'"));
  }

  @Test
  @DisplayName("an unknown top-level property is a 400 naming it; what GET shows may be sent back")
  void unknownProperties() {
    HttpResponse<String> r =
        h.admin(
            "POST", "/v1/manage/keys", "{\"name\":\"k\",\"role\":\"author\",\"rol\":\"admin\"}");
    problem(r, 400, "rol");
    HttpResponse<String> t =
        h.admin(
            "POST",
            "/v1/manage/types",
            "{\"id\":\"u\",\"name\":\"U\",\"fields\":[{\"id\":\"title\",\"type\":\"text\"}],"
                + "\"colour\":\"red\"}");
    problem(t, 400, "colour");
    assertEquals(0, h.count("select count(*) from content_types where id = 'u'"));
  }

  @Test
  @DisplayName("a key cannot be created already expired")
  void expiredKey() {
    long keys = h.count("select count(*) from api_keys");
    HttpResponse<String> r =
        h.admin(
            "POST",
            "/v1/manage/keys",
            new JsonObject()
                .put("name", "late")
                .put("role", "author")
                .put("expiresAt", "2020-01-01T00:00:00Z"));
    problem(r, 422, "future");
    assertEquals(keys, h.count("select count(*) from api_keys"));
  }

  @Test
  @DisplayName("PUT with If-Match: * is refused with 428, and the entry stays as it was")
  void ifMatchStar() {
    h.admin(
        "POST",
        "/v1/manage/types",
        "{\"id\":\"star\",\"name\":\"S\",\"fields\":[{\"id\":\"title\",\"type\":\"text\"}]}");
    HttpResponse<String> created =
        h.admin("POST", "/v1/manage/entries", "{\"type\":\"star\",\"fields\":{\"title\":\"One\"}}");
    assertEquals(201, created.statusCode(), created.body());
    String id = h.json(created).getString("id");
    HttpResponse<String> put =
        h.send(
            "PUT",
            "/v1/manage/entries/" + id,
            ApiHarness.ADMIN_KEY,
            "{\"type\":\"star\",\"fields\":{\"title\":\"Two\"}}",
            "If-Match",
            "*");
    problem(put, 428, "If-Match: *");
    assertEquals(
        "One",
        h.json(h.admin("GET", "/v1/manage/entries/" + id, null))
            .getJsonObject("fields")
            .getString("title"));
  }

  record Raw(int status, String body) {}

  /** A request sent as bytes, for targets that java.net.URI refuses to build. */
  Raw raw(String method, String target, String key) throws Exception {
    return raw(method, target, key, null, null);
  }

  Raw raw(String method, String target, String key, String contentType, String body)
      throws Exception {
    try (Socket s = new Socket("127.0.0.1", h.uri("/").getPort())) {
      s.setSoTimeout(15_000);
      byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
      String request =
          method
              + " "
              + target
              + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
              + (key == null ? "" : "Authorization: Bearer " + key + "\r\n")
              + (contentType == null || contentType.isEmpty()
                  ? ""
                  : "Content-Type: " + contentType + "\r\n")
              + (body == null ? "" : "Content-Length: " + bytes.length + "\r\n")
              + "\r\n";
      s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().write(bytes);
      String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int status = Integer.parseInt(response.substring(9, 12));
      return new Raw(status, response.substring(response.indexOf("\r\n\r\n") + 4));
    }
  }
}
