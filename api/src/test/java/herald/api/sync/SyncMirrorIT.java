package herald.api.sync;

import static herald.api.sync.PartnerHarness.ADMIN_KEY;
import static herald.api.sync.PartnerHarness.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The acceptance test of the sync API: a partner that uses only {@code /v1/sync} keeps a copy
 * through random creates, updates, publishes, unpublishes and deletes from concurrent writers,
 * syncing all the while, and ends identical to the published set.
 */
class SyncMirrorIT {
  /** Operations to run; {@code -Dherald.mirror.ops=…} to change. */
  static final int OPS = Integer.getInteger("herald.mirror.ops", 2000);

  static final int WRITERS = 8;

  @Test
  @DisplayName("a partner mirror kept with the sync API alone ends identical to the published set")
  void mirror() throws Exception {
    try (PartnerHarness h =
        new PartnerHarness(
                Map.of("HERALD_PARTNER_RATE", "100000", "HERALD_PARTNER_BURST", "100000"))
            .start(PartnerHarness::defaultModule)) {
      assertEquals(201, h.api("POST", "/v1/manage/types", ADMIN_KEY, SyncApiIT.NEWS).statusCode());
      String key = h.key("partner").getString("secret");
      List<String> ids = new CopyOnWriteArrayList<>();
      AtomicInteger done = new AtomicInteger();
      Map<String, Integer> outcomes = new ConcurrentHashMap<>();
      ExecutorService pool = Executors.newFixedThreadPool(WRITERS + 1);
      AtomicBoolean writing = new AtomicBoolean(true);
      Map<String, JsonObject> mirror = new HashMap<>();
      AtomicInteger syncCalls = new AtomicInteger();

      // The partner: starts once some content exists, then pulls deltas while the writers work.
      Future<String> partner =
          pool.submit(
              () -> {
                org.awaitility.Awaitility.await()
                    .atMost(java.time.Duration.ofMinutes(2))
                    .until(() -> done.get() >= OPS / 10);
                String token = drain(h, key, "initial=true&limit=37", mirror, syncCalls);
                while (writing.get()) {
                  token = drain(h, key, "token=" + enc(token), mirror, syncCalls);
                  // A partner's polling interval (pacing, not waiting for a condition).
                  java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L);
                }
                return token;
              });
      List<Future<?>> writers = new java.util.ArrayList<>();
      for (int w = 0; w < WRITERS; w++) {
        writers.add(
            pool.submit(
                () -> {
                  while (done.getAndIncrement() < OPS) {
                    String outcome = randomOp(h, ids);
                    outcomes.merge(outcome, 1, Integer::sum);
                  }
                  return null;
                }));
      }
      for (Future<?> w : writers) {
        w.get(10, TimeUnit.MINUTES);
      }
      writing.set(false);
      String token = partner.get(2, TimeUnit.MINUTES);
      assertTrue(
          outcomes.keySet().stream().noneMatch(o -> o.split(" ")[1].startsWith("5")),
          outcomes::toString);
      assertTrue(outcomes.getOrDefault("delete 204", 0) > 0, "some entries were deleted");

      // Once every change has reached the log, one more delta makes the mirror exact.
      h.awaitLogged();
      drain(h, key, "token=" + enc(token), mirror, syncCalls);

      Map<String, Long> published = new HashMap<>();
      try (Connection c =
              DriverManager.getConnection(h.pg.jdbcUrl(), h.pg.user(), h.pg.password());
          Statement s = c.createStatement();
          ResultSet rs =
              s.executeQuery(
                  "select id, published_version from entries where published is not null")) {
        while (rs.next()) {
          published.put(rs.getString(1), rs.getLong(2));
        }
      }
      Map<String, Long> mirrored = new HashMap<>();
      mirror.forEach((id, e) -> mirrored.put(id, e.getLong("version")));
      assertEquals(published, mirrored);
      Map<String, JsonObject> fresh = new HashMap<>();
      drain(h, key, "initial=true&limit=500", fresh, syncCalls);
      assertEquals(fresh, mirror, "the mirror equals a fresh initial sync, field by field");
      System.out.printf(
          "mirror: %d ops %s, %d entries, %d published, %d sync calls%n",
          OPS, outcomes, ids.size(), published.size(), syncCalls.get());
    }
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** Follows pages from the query, applying them to the mirror; returns the sync token. */
  static String drain(
      PartnerHarness h,
      String key,
      String query,
      Map<String, JsonObject> mirror,
      AtomicInteger calls) {
    String q = query;
    while (true) {
      HttpResponse<String> r = h.partner("GET", "/v1/sync?" + q, key, null);
      calls.incrementAndGet();
      assertEquals(200, r.statusCode(), r.body());
      JsonObject page = json(r);
      for (Object o : page.getJsonArray("entries")) {
        JsonObject e = (JsonObject) o;
        mirror.put(e.getString("id"), e);
      }
      for (Object o : page.getJsonArray("deleted")) {
        mirror.remove(((JsonObject) o).getString("id"));
      }
      if (page.getString("nextPageToken") == null) {
        return page.getString("nextSyncToken");
      }
      q = "token=" + enc(page.getString("nextPageToken"));
    }
  }

  /** One random change; returns the status it got (412 and 409 are expected under contention). */
  static String randomOp(PartnerHarness h, List<String> ids) {
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    int dice = rnd.nextInt(100);
    if (ids.size() < 5 || dice < 20) {
      JsonObject fields =
          new JsonObject()
              .put("title", new JsonObject().put("en", "Entry " + rnd.nextInt(1_000_000)))
              .put("tags", new JsonArray().add("t" + rnd.nextInt(5)));
      HttpResponse<String> r =
          h.api(
              "POST",
              "/v1/manage/entries",
              ADMIN_KEY,
              new JsonObject().put("type", "news").put("fields", fields));
      if (r.statusCode() == 201) {
        ids.add(json(r).getString("id"));
      }
      return "create " + r.statusCode();
    }
    String id;
    try {
      id = ids.get(rnd.nextInt(ids.size()));
    } catch (IndexOutOfBoundsException e) {
      return "skip 0"; // another writer deleted an entry meanwhile
    }
    if (dice < 45) {
      HttpResponse<String> g = h.api("GET", "/v1/manage/entries/" + id, ADMIN_KEY, null);
      if (g.statusCode() != 200) {
        return "update " + g.statusCode(); // deleted meanwhile
      }
      JsonObject cur = json(g);
      JsonObject fields =
          cur.getJsonObject("fields")
              .copy()
              .put(
                  "title",
                  new JsonObject()
                      .put("en", "Updated " + rnd.nextInt(1_000_000))
                      .put("sr-Latn", "Izmenjeno " + rnd.nextInt(1000)))
              .put("body", new JsonObject().put("en", "Text *" + rnd.nextInt(1000) + "*"));
      HttpResponse<String> r =
          h.send(
              h.apiUri("/v1/manage/entries/" + id),
              "PUT",
              ADMIN_KEY,
              new JsonObject().put("fields", fields).encode(),
              "If-Match",
              g.headers().firstValue("ETag").orElse("\"x\""));
      return "update " + r.statusCode();
    }
    if (dice < 80) {
      return "publish "
          + h.api("POST", "/v1/manage/entries/" + id + "/publish", ADMIN_KEY, null).statusCode();
    }
    if (dice < 95) {
      return "unpublish "
          + h.api("POST", "/v1/manage/entries/" + id + "/unpublish", ADMIN_KEY, null).statusCode();
    }
    // A deleted entry that was published reaches the partner as a tombstone.
    HttpResponse<String> d = h.api("DELETE", "/v1/manage/entries/" + id, ADMIN_KEY, null);
    if (d.statusCode() == 204) {
      ids.remove(id);
    }
    return "delete " + d.statusCode();
  }
}
