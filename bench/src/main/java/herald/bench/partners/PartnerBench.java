package herald.bench.partners;

import static herald.bench.BenchHttp.allInOneEnv;
import static herald.bench.BenchHttp.check;
import static herald.bench.BenchHttp.deleteTree;
import static herald.bench.BenchHttp.send;

import herald.deploy.AllInOne;
import herald.embedded.PgSettings;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Partner features through the all-in-one stack: an initial sync of BENCH_ENTRIES (10,000)
 * published entries (time and pages at two page sizes), a delta after 100 changes (the request's
 * latency, and publish → visible in a delta), and webhook fan-out of BENCH_WEBHOOK_EVENTS events to
 * BENCH_ENDPOINTS (50) local endpoints (deliveries per second).
 *
 * <p>Run: {@code mvn -q install -DskipTests && mvn -q -pl bench exec:exec
 * -Dbench.main=herald.bench.partners.PartnerBench}.
 */
public final class PartnerBench {
  private PartnerBench() {}

  public static void main(String[] args) throws Exception {
    int entries = Integer.parseInt(System.getenv().getOrDefault("BENCH_ENTRIES", "10000"));
    int endpoints = Integer.parseInt(System.getenv().getOrDefault("BENCH_ENDPOINTS", "50"));
    int events = Integer.parseInt(System.getenv().getOrDefault("BENCH_WEBHOOK_EVENTS", "200"));
    Path dataDir = Files.createTempDirectory("herald-bench-partners");
    Map<String, String> env = allInOneEnv(dataDir, "bench-admin-key");
    env.put("HERALD_PARTNER_RATE", "100000");
    env.put("HERALD_PARTNER_BURST", "100000");
    env.put("HERALD_WEBHOOK_ALLOW", "127.0.0.1/32");
    env.put("HERALD_WEBHOOK_PORTS", "1024-65535");
    env.put("HERALD_WEBHOOK_POLL_MS", "200");
    System.out.printf("starting the all-in-one stack in %s …%n", dataDir);
    Vertx vertx = Vertx.vertx();
    try (AllInOne herald = AllInOne.start(env)) {
      String api = herald.apiUrl();
      run(herald, api, herald.adminKey(), entries, endpoints, events, vertx);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      deleteTree(dataDir);
    }
  }

  private static void run(
      AllInOne herald,
      String api,
      String key,
      int entries,
      int endpointCount,
      int events,
      Vertx vertx)
      throws Exception {
    check(
        send(
            api,
            key,
            "POST",
            "/v1/manage/types",
            "{\"id\":\"article\",\"name\":\"Article\",\"fields\":["
                + "{\"id\":\"title\",\"type\":\"text\",\"required\":true,\"localized\":true},"
                + "{\"id\":\"body\",\"type\":\"richtext\",\"localized\":true},"
                + "{\"id\":\"tags\",\"type\":\"tags\"}]}"),
        201);
    String partnerKey =
        new JsonObject(
                check(
                        send(
                            api,
                            key,
                            "POST",
                            "/v1/manage/keys",
                            "{\"name\":\"bench\",\"role\":\"partner\"}"),
                        201)
                    .body())
            .getString("secret");

    // 1. Initial sync of N published entries.
    long t0 = System.nanoTime();
    List<String> ids = createAndPublish(api, key, entries, 32);
    double createSeconds = (System.nanoTime() - t0) / 1e9;
    System.out.printf(
        "created and published %d entries in %.1f s (%.0f entries/s)%n",
        entries, createSeconds, entries / createSeconds);
    awaitLogged(herald);
    for (int limit : List.of(100, 500)) {
      long s = System.nanoTime();
      int[] pages = {0};
      Set<String> seen = new HashSet<>();
      String token = drain(api, partnerKey, "initial=true&limit=" + limit, seen, pages);
      double ms = (System.nanoTime() - s) / 1e6;
      System.out.printf(
          "initial sync, limit %d: %d entries in %d pages, %.0f ms (%.0f entries/s)%n",
          limit, seen.size(), pages[0], ms, seen.size() / (ms / 1000));
      if (seen.size() < entries) {
        throw new IllegalStateException("initial sync saw " + seen.size());
      }
      if (limit == 500) {
        delta(herald, api, key, partnerKey, ids, token);
      }
    }

    // 3. Webhook fan-out.
    fanOut(herald, api, key, vertx, endpointCount, events);
  }

  private static void delta(
      AllInOne herald, String api, String key, String partnerKey, List<String> ids, String token)
      throws Exception {
    List<String> changed = new ArrayList<>(ids.subList(0, 100));
    ExecutorService pool = Executors.newFixedThreadPool(16);
    List<java.util.concurrent.Future<Long>> done = new ArrayList<>();
    for (String id : changed) {
      done.add(
          pool.submit(
              () -> {
                if (id.hashCode() % 4 == 0) {
                  check(
                      send(api, key, "POST", "/v1/manage/entries/" + id + "/unpublish", null), 200);
                } else {
                  check(send(api, key, "POST", "/v1/manage/entries/" + id + "/publish", null), 200);
                }
                return System.nanoTime();
              }));
    }
    long lastCommit = 0;
    for (java.util.concurrent.Future<Long> f : done) {
      lastCommit = Math.max(lastCommit, f.get());
    }
    pool.shutdown();
    // Publish → visible: poll deltas from the token until all 100 changes are in.
    Set<String> seen = new HashSet<>();
    String t = token;
    int[] pages = {0};
    while (!seen.containsAll(changed)) {
      t = drain(api, partnerKey, "token=" + enc(t), seen, pages);
      if (!seen.containsAll(changed)) {
        Thread.sleep(5);
      }
    }
    double visibleMs = (System.nanoTime() - lastCommit) / 1e6;
    awaitLogged(herald);
    List<Double> times = new ArrayList<>();
    int size = 0;
    for (int i = 0; i < 30; i++) {
      Set<String> s = new HashSet<>();
      long st = System.nanoTime();
      drain(api, partnerKey, "token=" + enc(token) + "&limit=500", s, new int[1]);
      times.add((System.nanoTime() - st) / 1e6);
      size = s.size();
    }
    Collections.sort(times);
    System.out.printf(
        "delta after 100 changes (%d entries and tombstones): request p50 %.1f ms, p95 %.1f ms;"
            + " last change → seen in a delta %.0f ms%n",
        size, times.get(15), times.get(28), visibleMs);
  }

  private static void fanOut(
      AllInOne herald, String api, String key, Vertx vertx, int endpoints, int events)
      throws Exception {
    AtomicInteger received = new AtomicInteger();
    AtomicLong lastAt = new AtomicLong();
    List<HttpServer> servers = new ArrayList<>();
    for (int i = 0; i < endpoints; i++) {
      HttpServer s =
          vertx
              .createHttpServer()
              .requestHandler(
                  req ->
                      req.body()
                          .onSuccess(
                              b -> {
                                received.incrementAndGet();
                                lastAt.set(System.nanoTime());
                                req.response().setStatusCode(204).end();
                              }))
              .listen(0, "127.0.0.1")
              .toCompletionStage()
              .toCompletableFuture()
              .get(10, TimeUnit.SECONDS);
      servers.add(s);
      check(
          send(
              api,
              key,
              "POST",
              "/v1/manage/webhooks",
              new JsonObject()
                  .put("url", "http://127.0.0.1:" + s.actualPort() + "/hook")
                  .put("events", new io.vertx.core.json.JsonArray().add("entry.published"))
                  .encode()),
          201);
    }
    // Drafts first, untimed; then publish them all at once and time until the last delivery.
    List<String> drafts = create(api, key, events, 16);
    long t0 = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(16);
    List<java.util.concurrent.Future<?>> fs = new ArrayList<>();
    for (String id : drafts) {
      fs.add(
          pool.submit(
              () ->
                  check(
                      send(api, key, "POST", "/v1/manage/entries/" + id + "/publish", null), 200)));
    }
    for (java.util.concurrent.Future<?> f : fs) {
      f.get();
    }
    pool.shutdown();
    double publishSeconds = (System.nanoTime() - t0) / 1e9;
    int expected = endpoints * events;
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (received.get() < expected && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    double s = (lastAt.get() - t0) / 1e9;
    System.out.printf(
        "webhook fan-out: %d events × %d endpoints = %d deliveries received in %.1f s from the first"
            + " publish (%.0f deliveries/s; the %d publishes took %.1f s)%n",
        events, endpoints, received.get(), s, received.get() / s, events, publishSeconds);
    for (HttpServer server : servers) {
      server.close();
    }
  }

  /** Creates and publishes entries with the given concurrency; returns their ids. */
  private static List<String> createAndPublish(String api, String key, int n, int threads)
      throws Exception {
    return createOrPublish(api, key, n, threads, true);
  }

  /** Creates drafts with the given concurrency; returns their ids. */
  private static List<String> create(String api, String key, int n, int threads) throws Exception {
    return createOrPublish(api, key, n, threads, false);
  }

  private static List<String> createOrPublish(
      String api, String key, int n, int threads, boolean publish) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<java.util.concurrent.Future<String>> fs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int k = i;
      fs.add(
          pool.submit(
              () -> {
                HttpResponse<String> r =
                    check(
                        send(
                            api,
                            key,
                            "POST",
                            "/v1/manage/entries",
                            new JsonObject()
                                .put("type", "article")
                                .put(
                                    "fields",
                                    new JsonObject()
                                        .put(
                                            "title",
                                            new JsonObject()
                                                .put("en", "Entry " + k + " " + System.nanoTime()))
                                        .put("body", new JsonObject().put("en", "Some *text* " + k))
                                        .put(
                                            "tags",
                                            new io.vertx.core.json.JsonArray().add("t" + k % 7)))
                                .encode()),
                        201);
                String id = new JsonObject(r.body()).getString("id");
                if (publish) {
                  check(send(api, key, "POST", "/v1/manage/entries/" + id + "/publish", null), 200);
                }
                return id;
              }));
    }
    List<String> ids = new ArrayList<>();
    for (java.util.concurrent.Future<String> f : fs) {
      ids.add(f.get());
    }
    pool.shutdown();
    return ids;
  }

  private static String drain(String base, String key, String query, Set<String> seen, int[] pages)
      throws IOException, InterruptedException {
    String q = query;
    while (true) {
      HttpResponse<String> r = check(send(base, key, "GET", "/v1/sync?" + q, null), 200);
      pages[0]++;
      JsonObject page = new JsonObject(r.body());
      page.getJsonArray("entries").forEach(o -> seen.add(((JsonObject) o).getString("id")));
      page.getJsonArray("deleted").forEach(o -> seen.add(((JsonObject) o).getString("id")));
      if (page.getString("nextPageToken") == null) {
        return page.getString("nextSyncToken");
      }
      q = "token=" + enc(page.getString("nextPageToken"));
    }
  }

  private static void awaitLogged(AllInOne herald) throws Exception {
    PgSettings pg = herald.infrastructure().pg();
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (System.nanoTime() < deadline) {
      try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
          Statement s = c.createStatement();
          ResultSet rs =
              s.executeQuery(
                  "select (select count(*) from outbox), (select count(*) from sync_log),"
                      + " (select count(*) from outbox where sent_at is null)")) {
        rs.next();
        if (rs.getLong(1) == rs.getLong(2) && rs.getLong(3) == 0) {
          return;
        }
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("the sync log did not catch up");
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
