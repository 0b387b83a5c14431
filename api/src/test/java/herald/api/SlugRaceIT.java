package herald.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Entries created at the same moment with the same title get the base slug and then -2, -3, … */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SlugRaceIT {
  static final int PARALLEL = 24;
  ApiHarness h;

  @BeforeAll
  void start() {
    h = new ApiHarness();
    h.deploy();
    HttpResponse<String> type =
        h.admin(
            "POST",
            "/v1/manage/types",
            "{\"id\":\"news\",\"name\":\"News\",\"fields\":[{\"id\":\"title\",\"type\":\"text\","
                + "\"localized\":true}]}");
    assertEquals(201, type.statusCode(), type.body());
  }

  @AfterAll
  void stop() {
    h.close();
  }

  @Test
  @DisplayName(
      "parallel creates with the same title and no slug all succeed with -2, -3, … suffixes")
  void parallelCreates() {
    String body = "{\"type\":\"news\",\"fields\":{\"title\":{\"en\":\"Harm reduction in Niš\"}}}";
    // All requests are sent before any answer is awaited: they meet in the database.
    List<CompletableFuture<HttpResponse<String>>> pending = new ArrayList<>();
    for (int i = 0; i < PARALLEL; i++) {
      pending.add(
          h.http.sendAsync(
              HttpRequest.newBuilder(h.uri("/v1/manage/entries"))
                  .timeout(Duration.ofSeconds(60))
                  .header("Authorization", "Bearer " + ApiHarness.ADMIN_KEY)
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString()));
    }
    Set<String> slugs = new TreeSet<>();
    for (CompletableFuture<HttpResponse<String>> f : pending) {
      HttpResponse<String> r = f.join();
      assertEquals(201, r.statusCode(), r.body());
      slugs.add(new JsonObject(r.body()).getString("slug"));
    }
    Set<String> expected =
        IntStream.rangeClosed(1, PARALLEL)
            .mapToObj(n -> n == 1 ? "harm-reduction-in-nis" : "harm-reduction-in-nis-" + n)
            .collect(Collectors.toCollection(TreeSet::new));
    assertEquals(expected, slugs);
    assertEquals(PARALLEL, h.count("select count(distinct slug) from entries"));
  }
}
