package herald.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Admin-defined field patterns are matched in linear time (RE2/J), whatever their shape. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FieldPatternIT {
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

  @Test
  @DisplayName("a nested-quantifier pattern checks a crafted title at once and refuses it")
  void nestedQuantifiers() {
    HttpResponse<String> type =
        h.admin(
            "POST",
            "/v1/manage/types",
            "{\"id\":\"code\",\"name\":\"Code\",\"fields\":[{\"id\":\"title\",\"type\":\"text\","
                + "\"pattern\":\"(a+)+$\"}]}");
    assertEquals(201, type.statusCode(), type.body());
    // A backtracking engine needs about 2^60 steps for this: the request would never come back
    // within the client's time-out (and would block an event loop meanwhile).
    String crafted = "a".repeat(60) + "!";
    HttpResponse<String> bad =
        h.admin(
            "POST",
            "/v1/manage/entries",
            "{\"type\":\"code\",\"fields\":{\"title\":\"" + crafted + "\"}}");
    assertEquals(422, bad.statusCode(), bad.body());
    assertTrue(bad.body().contains("must match the pattern (a+)+$"), bad.body());
    HttpResponse<String> good =
        h.admin(
            "POST", "/v1/manage/entries", "{\"type\":\"code\",\"fields\":{\"title\":\"aaaa\"}}");
    assertEquals(201, good.statusCode(), good.body());
    assertEquals(1, h.count("select count(*) from entries"));
  }

  @Test
  @DisplayName("a pattern RE2 cannot run in linear time (backreference, lookahead) is refused")
  void backtrackingOnlySyntax() {
    for (String pattern : new String[] {"(a)\\\\1", "(?=a)a"}) {
      HttpResponse<String> r =
          h.admin(
              "POST",
              "/v1/manage/types",
              "{\"id\":\"refused\",\"name\":\"R\",\"fields\":[{\"id\":\"t\",\"type\":\"text\","
                  + "\"pattern\":\""
                  + pattern
                  + "\"}]}");
      assertEquals(422, r.statusCode(), pattern + " → " + r.body());
      assertTrue(r.body().contains("RE2"), r.body());
    }
    assertEquals(0, h.count("select count(*) from content_types where id = 'refused'"));
  }
}
