package herald.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Generated from the OpenAPI document the api serves: random and malformed values for every path
 * parameter, query parameter and body of every operation, with and without keys. No answer may be a
 * 5xx (except a 503 from a route forwarded to a service that is not running here), and a request
 * that changes state is always made wrong in one way, so it must be refused and store nothing.
 */
class OpenApiFuzzIT {
  static ApiHarness h;
  static List<Operation> operations;
  static Map<String, List<String>> known;
  static String before;

  /** Routes the api forwards to the indexer or publisher, which do not run in this test. */
  static final Pattern FORWARDED =
      Pattern.compile(
          "/v1/search|/v1/admin/.*|/v1/newsletter/.*|/v1/manage/newsletter/.*|/v1/social/.*");

  record Operation(
      String method, String path, List<JsonObject> parameters, JsonObject bodySchema) {}

  record Request(String method, String target, String key, String contentType, byte[] body) {
    @Override
    public String toString() {
      String all = all();
      return all.length() > 600 ? all.substring(0, 600) + "…" : all;
    }

    String all() {
      return method
          + " "
          + target
          + " key="
          + key
          + " type="
          + contentType
          + " body="
          + (body == null ? null : new String(body, StandardCharsets.UTF_8));
    }
  }

  @BeforeContainer
  static void start() {
    h = new ApiHarness();
    h.deploy();
    JsonObject doc = h.json(h.send("GET", "/openapi.json", null, null));
    operations = operations(doc);
    String type = "fuzzed";
    HttpResponse<String> t =
        h.admin(
            "POST",
            "/v1/manage/types",
            new JsonObject()
                .put("id", type)
                .put("name", "Fuzzed")
                .put(
                    "fields",
                    new JsonArray()
                        .add(
                            new JsonObject()
                                .put("id", "title")
                                .put("type", "text")
                                .put("required", true)
                                .put("localized", true))
                        .add(new JsonObject().put("id", "tags").put("type", "tags"))));
    assertEquals(201, t.statusCode(), t.body());
    HttpResponse<String> e =
        h.admin(
            "POST",
            "/v1/manage/entries",
            "{\"type\":\"fuzzed\",\"fields\":{\"title\":{\"en\":\"Fuzzing in Tirana\"}}}");
    assertEquals(201, e.statusCode(), e.body());
    HttpResponse<String> k =
        h.admin(
            "POST", "/v1/manage/keys", new JsonObject().put("name", "p").put("role", "partner"));
    assertEquals(201, k.statusCode(), k.body());
    known =
        Map.of(
            "id",
            List.of(h.json(e).getString("id"), h.json(k).getString("id")),
            "type",
            List.of(type),
            "slug",
            List.of(h.json(e).getString("slug")),
            "keyId",
            List.of(h.json(k).getString("id")),
            "version",
            List.of("1"));
    before = snapshot();
  }

  @AfterContainer
  static void stop() {
    if (h != null) {
      h.close();
    }
  }

  @Property(tries = 800)
  void noRouteAnswersWithA5xxNorStoresWhatItRefused(@ForAll("requests") Request req)
      throws Exception {
    Raw r = send(req);
    String path = req.target().split("\\?", 2)[0];
    boolean forwarded = FORWARDED.matcher(path).matches();
    assertTrue(
        r.status() < 500 || forwarded && r.status() == 503,
        () -> req + "\n → " + r.status() + " " + r.body());
    if (r.status() >= 400) {
      assertTrue(r.contentType().startsWith("application/problem+json"), () -> req + " → " + r);
    }
    if (!req.method().equals("GET")) {
      assertTrue(r.status() >= 400, () -> "a wrong request was accepted: " + req + " → " + r);
      assertEquals(before, snapshot(), () -> "stored after " + req + " → " + r);
    }
  }

  @Provide
  Arbitrary<Request> requests() {
    return Arbitraries.randomValue(OpenApiFuzzIT::request);
  }

  /** One request for a random operation; one that changes state is always wrong somehow. */
  static Request request(Random random) {
    Operation op = operations.get(random.nextInt(operations.size()));
    boolean mutating = !op.method().equals("GET");
    // How it is wrong, when it changes state: its key, its path, or its body.
    int defect = mutating ? random.nextInt(op.bodySchema() == null ? 2 : 3) : -1;
    String key =
        switch (defect) {
          case 0 ->
              random.nextBoolean() ? null : pick(random, List.of("", "x", "hk_" + junk(random)));
          default -> pick(random, new String[] {null, ApiHarness.ADMIN_KEY, ApiHarness.ADMIN_KEY});
        };
    StringBuilder target = new StringBuilder();
    Matcher m = Pattern.compile("\\{([A-Za-z]+)}").matcher(op.path());
    int last = 0;
    while (m.find()) {
      target.append(op.path(), last, m.start());
      String value =
          defect == 1 || random.nextInt(3) == 0
              ? value(random)
              : pick(random, known.getOrDefault(m.group(1), List.of("x")));
      target.append(defect == 1 ? encodeSome(random, "%zz" + value) : encodeSome(random, value));
      last = m.end();
    }
    target.append(op.path().substring(last));
    List<String> query = new ArrayList<>();
    for (JsonObject p : op.parameters()) {
      if ("query".equals(p.getString("in")) && random.nextInt(3) > 0) {
        query.add(p.getString("name") + "=" + encodeSome(random, value(random)));
      }
    }
    if (random.nextInt(6) == 0) {
      query.add(encodeSome(random, value(random)) + "=" + encodeSome(random, value(random)));
    }
    if (!query.isEmpty()) {
      target.append('?').append(String.join("&", query));
    }
    byte[] body = null;
    String contentType = null;
    if (op.bodySchema() != null && (defect == 2 || random.nextBoolean())) {
      contentType = "application/json";
      body = wrongBody(random, op.bodySchema(), defect == 2 || mutating);
      if (random.nextInt(8) == 0) {
        contentType = pick(random, List.of("text/plain", "application/xml", "", "json"));
      }
    }
    return new Request(op.method(), target.toString(), key, contentType, body);
  }

  /** A body that must be refused (or, when {@code mustBeWrong} is false, any body). */
  static byte[] wrongBody(Random random, JsonObject schema, boolean mustBeWrong) {
    int kind = random.nextInt(mustBeWrong ? 8 : 9);
    JsonObject properties = schema.getJsonObject("properties", new JsonObject());
    return switch (kind) {
      case 0 ->
          pick(random, List.of("{", "{\"a\":", "[1,2", "nul", "{'a':1}", "{\"a\" 1}"))
              .getBytes(StandardCharsets.UTF_8);
      case 1 -> new byte[] {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'};
      case 2 ->
          pick(random, List.of("[]", "42", "\"text\"", "null", "true", "[{}]"))
              .getBytes(StandardCharsets.UTF_8);
      case 3 -> objectWith(random, properties, "\"a\\u0000b\"");
      case 4 -> objectWith(random, properties, "\"lone \\udc00 half\"");
      case 5 -> {
        String name =
            properties.isEmpty() ? "name" : pick(random, List.copyOf(properties.fieldNames()));
        yield ("{\"" + name + "\":\"a\",\"" + name + "\":\"b\"}").getBytes(StandardCharsets.UTF_8);
      }
      case 6 -> {
        // Every declared property of the wrong JSON type.
        JsonObject o = new JsonObject();
        for (String name : properties.fieldNames()) {
          Object type = properties.getJsonObject(name).getValue("type");
          o.put(name, "string".equals(type) ? (Object) random.nextInt() : (Object) "not-that");
        }
        if (o.isEmpty()) {
          o.put("zzUnknown", true);
        }
        yield o.encode().getBytes(StandardCharsets.UTF_8);
      }
      case 7 -> {
        // Known properties with random values, and one that no schema names.
        JsonObject o = new JsonObject();
        for (String name : properties.fieldNames()) {
          if (random.nextBoolean()) {
            o.put(name, value(random));
          }
        }
        o.put("zz" + random.nextInt(1000), value(random));
        yield o.encode().getBytes(StandardCharsets.UTF_8);
      }
      default -> {
        JsonObject o = new JsonObject();
        for (String name : properties.fieldNames()) {
          o.put(name, random.nextBoolean() ? value(random) : new JsonArray().add(value(random)));
        }
        yield o.encode().getBytes(StandardCharsets.UTF_8);
      }
    };
  }

  static byte[] objectWith(Random random, JsonObject properties, String badString) {
    String name =
        properties.isEmpty() ? "name" : pick(random, List.copyOf(properties.fieldNames()));
    String json =
        random.nextBoolean() ? "{\"" + name + "\":" + badString + "}" : "{" + badString + ":1}";
    return json.getBytes(StandardCharsets.UTF_8);
  }

  static final List<String> VALUES =
      List.of(
          "",
          " ",
          "0",
          "-1",
          "99999999999999999999",
          "1e309",
          "true",
          "null",
          "%zz",
          "%",
          "%00",
          "%C3%28",
          "..",
          "../../etc/passwd",
          "' or 1=1 --",
          "\"drug policy\" balkans",
          "\\",
          "<script>alert(1)</script>",
          "Милошевић",
          "Đurđevdan",
          "💉",
          "x".repeat(3000),
          "en",
          "sr-Cyrl",
          "xx-YY",
          "-publishedAt",
          "fields.title",
          "fields.title[gt]",
          "2025-13-45",
          "2025-12-04T13:30:00Z",
          "00000000-0000-0000-0000-000000000000",
          "a,b,c");

  static String value(Random random) {
    return random.nextInt(5) == 0 ? junk(random) : pick(random, VALUES);
  }

  /** A short random string of printable and other characters. */
  static String junk(Random random) {
    StringBuilder b = new StringBuilder();
    int n = random.nextInt(12);
    for (int i = 0; i < n; i++) {
      b.appendCodePoint(
          random.nextInt(4) == 0 ? 0x400 + random.nextInt(0x100) : 0x20 + random.nextInt(0x5f));
    }
    return b.toString();
  }

  /** The value percent-encoded, except that a value already holding {@code %} may stay raw. */
  static String encodeSome(Random random, String value) {
    if (value.contains("%") && random.nextBoolean()) {
      return value.replace(" ", "%20").replace("#", "%23").replace("?", "%3F").replace("/", "%2F");
    }
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  static <T> T pick(Random random, List<T> from) {
    return from.get(random.nextInt(from.size()));
  }

  static <T> T pick(Random random, T[] from) {
    return from[random.nextInt(from.length)];
  }

  static List<Operation> operations(JsonObject doc) {
    List<Operation> out = new ArrayList<>();
    JsonObject paths = doc.getJsonObject("paths");
    for (String path : paths.fieldNames()) {
      JsonObject item = paths.getJsonObject(path);
      for (String method : item.fieldNames()) {
        if (!Set.of("get", "post", "put", "delete").contains(method)) {
          continue;
        }
        JsonObject op = item.getJsonObject(method);
        List<JsonObject> params = new ArrayList<>();
        for (Object p : op.getJsonArray("parameters", new JsonArray())) {
          params.add(resolve(doc, (JsonObject) p));
        }
        JsonObject body = null;
        JsonObject rb = op.getJsonObject("requestBody");
        if (rb != null) {
          body =
              resolve(
                  doc,
                  rb.getJsonObject("content")
                      .getJsonObject("application/json", new JsonObject())
                      .getJsonObject("schema", new JsonObject()));
        }
        out.add(new Operation(method.toUpperCase(java.util.Locale.ROOT), path, params, body));
      }
    }
    assertTrue(out.size() > 50, "operations read from the document: " + out.size());
    return out;
  }

  static JsonObject resolve(JsonObject doc, JsonObject o) {
    String ref = o.getString("$ref");
    if (ref == null) {
      return o;
    }
    JsonObject at = doc;
    for (String part : ref.substring(2).split("/")) {
      at = at.getJsonObject(part);
    }
    return at;
  }

  /** Row counts and versions of every api table: what a refused request must leave as it was. */
  static String snapshot() {
    StringBuilder b = new StringBuilder();
    try (var c = h.jdbc();
        var s = c.createStatement();
        var tables =
            s.executeQuery(
                "select table_name from information_schema.tables where table_schema = 'public'"
                    + " and table_type = 'BASE TABLE' and table_name <> 'flyway_schema_history'"
                    + " order by 1")) {
      List<String> names = new ArrayList<>();
      while (tables.next()) {
        names.add(tables.getString(1));
      }
      List<String> counts = new ArrayList<>();
      for (String t : names) {
        counts.add("(select count(*) from " + t + ") as " + t);
      }
      counts.add("(select coalesce(sum(version), 0) from entries) as versions");
      counts.add("(select count(*) from api_keys where revoked_at is not null) as revoked");
      try (var rs = s.executeQuery("select " + String.join(", ", counts))) {
        rs.next();
        for (int i = 1; i <= counts.size(); i++) {
          b.append(rs.getMetaData().getColumnLabel(i))
              .append('=')
              .append(rs.getLong(i))
              .append(' ');
        }
      }
    } catch (java.sql.SQLException e) {
      throw new AssertionError(e);
    }
    return b.toString();
  }

  record Raw(int status, String contentType, String body) {}

  /** Sends the request as bytes: java.net.URI would refuse the malformed targets. */
  static Raw send(Request req) throws Exception {
    try (Socket s = new Socket("127.0.0.1", h.uri("/").getPort())) {
      s.setSoTimeout(30_000);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      StringBuilder head =
          new StringBuilder(req.method())
              .append(' ')
              .append(req.target())
              .append(" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
      if (req.key() != null) {
        head.append("Authorization: Bearer ").append(req.key()).append("\r\n");
      }
      if (req.contentType() != null) {
        head.append("Content-Type: ").append(req.contentType()).append("\r\n");
      }
      byte[] body = req.body() == null ? new byte[0] : req.body();
      head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
      out.writeBytes(head.toString().getBytes(StandardCharsets.UTF_8));
      out.writeBytes(body);
      s.getOutputStream().write(out.toByteArray());
      String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int status = Integer.parseInt(response.substring(9, 12));
      int end = response.indexOf("\r\n\r\n");
      String headers = response.substring(0, end).toLowerCase(java.util.Locale.ROOT);
      Matcher ct = Pattern.compile("\r\ncontent-type: *([^\r]*)").matcher(headers);
      return new Raw(status, ct.find() ? ct.group(1) : "", response.substring(end + 4));
    }
  }
}
