package herald.api;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Every api instance runs the scheduler: with many actions due at the same instant and three
 * instances polling often, each action must still run exactly once, which the audit log shows.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("Scheduled actions across instances")
class ScheduleOnceIT {
  static final int ENTRIES = 40;
  static final JsonObject NOTE =
      new JsonObject(
          """
          {"id":"note","name":"Note","fields":[
            {"id":"title","type":"text","required":true,"localized":true}]}
          """);

  ApiHarness h;

  @BeforeAll
  void start() {
    h = new ApiHarness();
    // Three instances that all look for due actions five times a second.
    h.extraEnv.put("HERALD_SCHEDULER_POLL_MS", "200");
    for (int i = 0; i < 3; i++) {
      h.deploy();
    }
    assertEquals(201, h.admin("POST", "/v1/manage/types", NOTE).statusCode());
  }

  @AfterAll
  void stop() {
    h.close();
  }

  @Test
  @DisplayName("many schedules due at the same instant on three instances each run exactly once")
  void eachRunsOnce() {
    List<String> published = new ArrayList<>();
    List<String> unpublished = new ArrayList<>();
    for (int i = 0; i < ENTRIES; i++) {
      HttpResponse<String> r =
          h.admin(
              "POST",
              "/v1/manage/entries",
              new JsonObject()
                  .put("type", "note")
                  .put(
                      "fields",
                      new JsonObject().put("title", new JsonObject().put("en", "Note " + i))));
      assertEquals(201, r.statusCode(), r.body());
      String id = h.json(r).getString("id");
      if (i % 4 == 0) {
        // Published now, withdrawn by the schedule.
        assertEquals(
            200, h.admin("POST", "/v1/manage/entries/" + id + "/publish", null).statusCode());
        unpublished.add(id);
      } else {
        published.add(id);
      }
    }
    // All due at one instant, a little ahead so that every schedule is in before it comes.
    String at = Instant.now().plusSeconds(5).toString();
    for (String id : published) {
      schedule(id, "publish", at);
    }
    for (String id : unpublished) {
      schedule(id, "unpublish", at);
    }

    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> h.count("select count(*) from scheduled_actions where status = 'pending'") == 0);
    assertEquals(ENTRIES, h.count("select count(*) from scheduled_actions where status = 'done'"));
    for (String id : published) {
      assertEquals(1, audited(id, "entry.publish"), "published once: " + id);
      assertEquals(200, h.send("GET", "/v1/entries/" + id, null, null).statusCode());
    }
    for (String id : unpublished) {
      assertEquals(1, audited(id, "entry.unpublish"), "withdrawn once: " + id);
      assertEquals(404, h.send("GET", "/v1/entries/" + id, null, null).statusCode());
    }
    // Nothing ran twice in all: one audit row of the scheduler per schedule.
    assertEquals(
        ENTRIES,
        h.count(
            "select count(*) from audit_log where actor_name like 'scheduler for %'"
                + " and action in ('entry.publish', 'entry.unpublish')"));
  }

  private void schedule(String id, String action, String at) {
    HttpResponse<String> r =
        h.admin(
            "POST",
            "/v1/manage/entries/" + id + "/schedule",
            new JsonObject().put("action", action).put("at", at));
    assertEquals(201, r.statusCode(), r.body());
  }

  private long audited(String id, String action) {
    return h.count(
        "select count(*) from audit_log where entity_id = '"
            + id
            + "' and action = '"
            + action
            + "' and actor_name like 'scheduler for %'");
  }
}
