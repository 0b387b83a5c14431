package herald.bench.delivery;

import static herald.bench.BenchHttp.allInOneEnv;
import static herald.bench.BenchHttp.check;
import static herald.bench.BenchHttp.deleteTree;
import static herald.bench.BenchHttp.send;

import herald.deploy.AllInOne;
import herald.embedded.PgSettings;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Publish → delivered on all three channels (website, social through a local server that speaks
 * Mastodon's {@code POST /api/v1/statuses}, newsletter) at a steady rate, as the publisher records
 * it: from the api's publish time to each delivery marked sent.
 *
 * <p>Run: {@code mvn -q install -DskipTests && mvn -q -pl bench exec:exec
 * -Dbench.main=herald.bench.delivery.AllChannelsBench}; BENCH_RATE (20/s), BENCH_PUBLISHES (400)
 * and BENCH_WARMUP (40 publishes at the same rate first, not counted).
 */
public final class AllChannelsBench {
  private static final String KEY = "bench-admin-key";

  private AllChannelsBench() {}

  public static void main(String[] args) throws Exception {
    int rate = Integer.parseInt(System.getenv().getOrDefault("BENCH_RATE", "20"));
    int n = Integer.parseInt(System.getenv().getOrDefault("BENCH_PUBLISHES", "400"));
    int warmup = Integer.parseInt(System.getenv().getOrDefault("BENCH_WARMUP", "40"));
    Vertx mastodonVertx = Vertx.vertx();
    AtomicLong statuses = new AtomicLong();
    int mastodonPort =
        mastodonVertx
            .createHttpServer()
            .requestHandler(
                req ->
                    req.body()
                        .onSuccess(
                            b -> {
                              long id = statuses.incrementAndGet();
                              req.response()
                                  .putHeader("Content-Type", "application/json")
                                  .end(
                                      new JsonObject()
                                          .put("id", Long.toString(id))
                                          .put("url", "http://127.0.0.1/@herald/" + id)
                                          .encode());
                            }))
            .listen(0, "127.0.0.1")
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS)
            .actualPort();
    Path dataDir = Files.createTempDirectory("herald-channels-bench");
    Map<String, String> env = allInOneEnv(dataDir, KEY);
    env.put("HERALD_SMTP_PORT", "0");
    // Settings under study pass through from the environment.
    for (String k : List.of("HERALD_DELIVERY_WORKERS", "HERALD_DELIVERY_POLL_MS")) {
      if (System.getenv(k) != null) {
        env.put(k, System.getenv(k));
      }
    }
    env.put(
        "HERALD_SOCIAL_ACCOUNTS",
        new JsonArray()
            .add(
                new JsonObject()
                    .put("id", "bench")
                    .put("network", "mastodon")
                    .put("url", "http://127.0.0.1:" + mastodonPort)
                    .put("token", "bench-token"))
            .encode());
    try (AllInOne herald = AllInOne.start(env)) {
      String api = herald.apiUrl();
      check(
          send(
              api,
              KEY,
              "POST",
              "/v1/manage/types",
              "{\"id\":\"article\",\"name\":\"Article\",\"fields\":["
                  + "{\"id\":\"title\",\"type\":\"text\",\"required\":true,\"localized\":true},"
                  + "{\"id\":\"summary\",\"type\":\"text\",\"localized\":true},"
                  + "{\"id\":\"tags\",\"type\":\"tags\"}]}"),
          201);
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < n + warmup; i++) {
        JsonObject entry =
            new JsonObject()
                .put("type", "article")
                .put(
                    "fields",
                    new JsonObject()
                        .put("title", new JsonObject().put("en", "Harm reduction update " + i))
                        .put("summary", new JsonObject().put("en", "What changed, number " + i))
                        .put("tags", new JsonArray().add("harm reduction")))
                .put("channels", new JsonArray().add("website").add("social").add("newsletter"));
        HttpResponse<String> c = send(api, KEY, "POST", "/v1/manage/entries", entry.encode());
        check(c, 201);
        ids.add(new JsonObject(c.body()).getString("id"));
      }
      PgSettings pg = herald.infrastructure().pg();
      List<String> warm = ids.subList(n, n + warmup);
      System.out.printf("warming up with %d publishes at %d/s …%n", warmup, rate);
      publishAtRate(api, warm, rate);
      awaitSent(pg, warm);
      ids = ids.subList(0, n);
      System.out.printf(
          "publishing %d entries at %d/s to website, social and newsletter …%n", n, rate);
      publishAtRate(api, ids, rate);
      awaitSent(pg, ids);
      System.out.println();
      report(pg, ids, n, rate);
      stages(pg, ids);
      System.out.printf("  local Mastodon server received %d statuses%n", statuses.get());
    } finally {
      mastodonVertx.close();
      deleteTree(dataDir);
    }
  }

  /**
   * Publishes the entries on a fixed schedule, each call started at its time by one of 4 sender
   * threads, so that a slow call does not hold back the next ones (arrivals as editors make them).
   */
  private static void publishAtRate(String api, List<String> ids, int rate) throws Exception {
    java.util.concurrent.ExecutorService senders =
        java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      List<java.util.concurrent.Future<?>> calls = new ArrayList<>();
      long interval = 1_000_000_000L / rate;
      long start = System.nanoTime();
      for (int i = 0; i < ids.size(); i++) {
        long wait = start + i * interval - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
        String id = ids.get(i);
        calls.add(
            senders.submit(
                () -> {
                  check(send(api, KEY, "POST", "/v1/manage/entries/" + id + "/publish", null), 200);
                  return null;
                }));
      }
      for (java.util.concurrent.Future<?> c : calls) {
        c.get();
      }
    } finally {
      senders.shutdown();
    }
  }

  private static void awaitSent(PgSettings pg, List<String> ids) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (sent(pg, ids) < 3L * ids.size() && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
  }

  private static long sent(PgSettings pg, List<String> ids) throws Exception {
    try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
        PreparedStatement s =
            c.prepareStatement(
                "SELECT count(*) FROM publisher.delivery WHERE status = 'sent' AND entry_id = ANY(?)")) {
      s.setArray(1, uuids(c, ids));
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /** Per channel, and for the slowest channel of each entry: publish → delivery sent. */
  private static void report(PgSettings pg, List<String> ids, int n, int rate) throws Exception {
    String perDelivery =
        "SELECT entry_id, channel, extract(epoch FROM sent_at - published_at) * 1000 AS ms"
            + " FROM publisher.delivery WHERE status = 'sent' AND entry_id = ANY(?)";
    String sql =
        "SELECT channel, count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY ms),"
            + " percentile_cont(0.99) WITHIN GROUP (ORDER BY ms), max(ms) FROM ("
            + perDelivery
            + ") d GROUP BY channel UNION ALL SELECT 'all three', count(*),"
            + " percentile_cont(0.5) WITHIN GROUP (ORDER BY ms),"
            + " percentile_cont(0.99) WITHIN GROUP (ORDER BY ms), max(ms) FROM ("
            + "SELECT entry_id, max(ms) AS ms FROM ("
            + perDelivery
            + ") d GROUP BY entry_id HAVING count(*) = 3) e";
    try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
        PreparedStatement s = c.prepareStatement(sql)) {
      Array a = uuids(c, ids);
      s.setArray(1, a);
      s.setArray(2, a);
      System.out.printf(
          Locale.ROOT,
          "publish → delivered, %d publishes at %d/s (recorded by the publisher)%n",
          n,
          rate);
      System.out.println("| channel | delivered | p50 | p99 | max |");
      System.out.println("| --- | --- | --- | --- | --- |");
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          System.out.printf(
              Locale.ROOT,
              "| %s | %d | %.1f ms | %.1f ms | %.1f ms |%n",
              rs.getString(1),
              rs.getLong(2),
              rs.getDouble(3),
              rs.getDouble(4),
              rs.getDouble(5));
        }
      }
    }
  }

  /**
   * Where the time goes, per channel, from the publisher's own timestamps: the api's publish → the
   * delivery recorded (consumer), recorded → first attempt started (waiting for a worker), attempt
   * started → marked sent (the channel's work and the bookkeeping).
   */
  private static void stages(PgSettings pg, List<String> ids) throws Exception {
    String sql =
        "SELECT d.channel,"
            + " percentile_cont(0.5) WITHIN GROUP (ORDER BY rec), percentile_cont(0.99) WITHIN"
            + " GROUP (ORDER BY rec), percentile_cont(0.5) WITHIN GROUP (ORDER BY wait),"
            + " percentile_cont(0.99) WITHIN GROUP (ORDER BY wait), percentile_cont(0.5) WITHIN"
            + " GROUP (ORDER BY work), percentile_cont(0.99) WITHIN GROUP (ORDER BY work)"
            + " FROM (SELECT d.channel,"
            + "  extract(epoch FROM d.created_at - d.published_at) * 1000 AS rec,"
            + "  extract(epoch FROM a.started_at - d.created_at) * 1000 AS wait,"
            + "  extract(epoch FROM d.sent_at - a.started_at) * 1000 AS work"
            + "  FROM publisher.delivery d JOIN publisher.delivery_attempt a"
            + "  ON a.delivery_id = d.id AND a.number = 1"
            + "  WHERE d.status = 'sent' AND d.entry_id = ANY(?)) d GROUP BY d.channel"
            + " ORDER BY d.channel";
    try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
        PreparedStatement s = c.prepareStatement(sql)) {
      s.setArray(1, uuids(c, ids));
      System.out.println(
          "| channel | recorded p50 / p99 | waiting for a worker p50 / p99 | attempt p50 / p99 |");
      System.out.println("| --- | --- | --- | --- |");
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          System.out.printf(
              Locale.ROOT,
              "| %s | %.1f / %.1f ms | %.1f / %.1f ms | %.1f / %.1f ms |%n",
              rs.getString(1),
              rs.getDouble(2),
              rs.getDouble(3),
              rs.getDouble(4),
              rs.getDouble(5),
              rs.getDouble(6),
              rs.getDouble(7));
        }
      }
    }
  }

  private static Array uuids(Connection c, List<String> ids) throws Exception {
    return c.createArrayOf("uuid", ids.stream().map(UUID::fromString).toArray());
  }
}
