package herald.bench.delivery;

import static herald.bench.BenchHttp.allInOneEnv;
import static herald.bench.BenchHttp.check;
import static herald.bench.BenchHttp.deleteTree;
import static herald.bench.BenchHttp.send;

import herald.deploy.AllInOne;
import herald.embedded.PgSettings;
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
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Publish → delivered on the website channel through the all-in-one stack, at a steady rate: for
 * each entry, the time from the moment {@code POST /v1/manage/entries/{id}/publish} returns until
 * its page is on disk (the website channel writes it atomically, so "exists" means "complete"). The
 * path: outbox commit → relay → Kafka → publisher consumer records the delivery → delivery worker
 * renders the page, the index, tag pages and sitemap → delivery recorded sent.
 *
 * <p>Run: {@code mvn -q install -DskipTests && mvn -q -pl bench exec:exec
 * -Dbench.main=herald.bench.delivery.PublishToDeliveredBench}; BENCH_PUBLISHES (default 600),
 * BENCH_RATE (publishes per second, default 20) and BENCH_WARMUP (default 40) set the load.
 */
public final class PublishToDeliveredBench {
  private PublishToDeliveredBench() {}

  /** An entry being measured. */
  private record Pending(String id, Path page, long publishedNanos) {}

  public static void main(String[] args) throws Exception {
    int publishes = Integer.parseInt(System.getenv().getOrDefault("BENCH_PUBLISHES", "600"));
    int rate = Integer.parseInt(System.getenv().getOrDefault("BENCH_RATE", "20"));
    int warmup = Integer.parseInt(System.getenv().getOrDefault("BENCH_WARMUP", "40"));
    Path dataDir = Files.createTempDirectory("herald-bench-delivery");
    Map<String, String> env = allInOneEnv(dataDir, "bench-admin-key");
    System.out.printf("starting the all-in-one stack in %s …%n", dataDir);
    try (AllInOne herald = AllInOne.start(env)) {
      String api = herald.apiUrl();
      String key = herald.adminKey();
      Path site = herald.siteDir();
      check(
          send(
              api,
              key,
              "POST",
              "/v1/manage/types",
              "{\"id\":\"article\",\"name\":\"Article\",\"fields\":["
                  + "{\"id\":\"title\",\"type\":\"text\",\"required\":true,\"localized\":true},"
                  + "{\"id\":\"body\",\"type\":\"richtext\",\"localized\":true}]}"),
          201);

      System.out.printf("warming up with %d publishes …%n", warmup);
      for (int i = 0; i < warmup; i++) {
        Pending p = publish(api, key, site, create(api, key, "warm" + i));
        while (!Files.exists(p.page())) {
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
      }

      System.out.printf("creating %d drafts …%n", publishes);
      List<String[]> drafts = new ArrayList<>();
      for (int i = 0; i < publishes; i++) {
        drafts.add(create(api, key, "meas" + i));
      }

      System.out.printf("publishing %d entries at %d/s …%n", publishes, rate);
      ConcurrentLinkedQueue<Pending> pending = new ConcurrentLinkedQueue<>();
      long[] micros = new long[publishes];
      AtomicInteger measured = new AtomicInteger();
      CountDownLatch done = new CountDownLatch(publishes);
      Thread watcher =
          new Thread(
              () -> {
                List<Pending> open = new ArrayList<>();
                while (done.getCount() > 0) {
                  for (Pending p; (p = pending.poll()) != null; ) {
                    open.add(p);
                  }
                  long now = System.nanoTime();
                  open.removeIf(
                      p -> {
                        if (Files.exists(p.page())) {
                          micros[measured.getAndIncrement()] = (now - p.publishedNanos()) / 1000;
                          done.countDown();
                          return true;
                        }
                        return false;
                      });
                  LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                }
              },
              "bench-watcher");
      watcher.setDaemon(true);
      watcher.start();
      // Several senders, so that a slow publish call does not delay the next one's start.
      ScheduledExecutorService senders = Executors.newScheduledThreadPool(4);
      long started = System.nanoTime();
      long periodNanos = TimeUnit.SECONDS.toNanos(1) / rate;
      List<String> measuredIds = new ArrayList<>();
      for (int i = 0; i < publishes; i++) {
        String[] draft = drafts.get(i);
        measuredIds.add(draft[0]);
        senders.schedule(
            () -> {
              try {
                pending.add(publish(api, key, site, draft));
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            },
            i * periodNanos,
            TimeUnit.NANOSECONDS);
      }
      if (!done.await(5, TimeUnit.MINUTES)) {
        throw new IllegalStateException(
            "only " + measured.get() + " of " + publishes + " pages appeared within 5 minutes");
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      senders.shutdown();
      Arrays.sort(micros);
      System.out.println();
      System.out.printf(
          Locale.ROOT,
          "publish → page on disk (website channel) over %d publishes at %d/s (%.1f s)%n",
          publishes,
          rate,
          seconds);
      System.out.printf(
          Locale.ROOT,
          "  p50 %.1f ms   p95 %.1f ms   p99 %.1f ms   max %.1f ms%n",
          pct(micros, 50),
          pct(micros, 95),
          pct(micros, 99),
          micros[micros.length - 1] / 1000.0);
      printRecorded(herald.infrastructure().pg(), measuredIds);
      System.out.printf(
          Locale.ROOT,
          "  machine: %d cores, Java %s%n",
          Runtime.getRuntime().availableProcessors(),
          System.getProperty("java.version"));
    } finally {
      deleteTree(dataDir);
    }
  }

  /**
   * The publisher's own record of the same deliveries: from the api's publish time (the event's
   * time) to the delivery recorded sent, as PostgreSQL's clock saw them.
   */
  private static void printRecorded(PgSettings pg, List<String> ids) throws Exception {
    try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
        PreparedStatement s =
            c.prepareStatement(
                "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms),"
                    + " percentile_cont(0.99) WITHIN GROUP (ORDER BY ms), max(ms),"
                    + " count(*), sum(attempts)"
                    + " FROM (SELECT extract(epoch FROM sent_at - published_at) * 1000 AS ms,"
                    + " attempts FROM publisher.delivery"
                    + " WHERE channel = 'website' AND status = 'sent'"
                    + " AND entry_id = ANY(?)) d")) {
      Array array = c.createArrayOf("uuid", ids.stream().map(UUID::fromString).toArray());
      s.setArray(1, array);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        System.out.printf(
            Locale.ROOT,
            "  recorded by the publisher (publish event → delivery sent): p50 %.1f ms   p99 %.1f ms"
                + "   max %.1f ms   (%d deliveries, %d attempts)%n",
            rs.getDouble(1),
            rs.getDouble(2),
            rs.getDouble(3),
            rs.getLong(4),
            rs.getLong(5));
      }
    }
  }

  /** Creates a draft for the website; returns its id and slug. */
  private static String[] create(String api, String key, String label) throws Exception {
    String token = "zq" + label + "x" + Long.toString(System.nanoTime(), 36);
    String body =
        new JsonObject()
            .put("type", "article")
            .put(
                "fields",
                new JsonObject()
                    .put("title", new JsonObject().put("en", "Benchmark " + token))
                    .put("body", new JsonObject().put("en", "Body **text** for " + token)))
            .put("channels", new io.vertx.core.json.JsonArray().add("website"))
            .encode();
    HttpResponse<String> created = send(api, key, "POST", "/v1/manage/entries", body);
    check(created, 201);
    JsonObject json = new JsonObject(created.body());
    return new String[] {json.getString("id"), json.getString("slug")};
  }

  /** Publishes a draft; the clock starts when the call returns. */
  private static Pending publish(String api, String key, Path site, String[] draft)
      throws Exception {
    check(send(api, key, "POST", "/v1/manage/entries/" + draft[0] + "/publish", null), 200);
    long t0 = System.nanoTime();
    return new Pending(draft[0], site.resolve("en/article/" + draft[1] + "/index.html"), t0);
  }

  private static double pct(long[] sorted, int p) {
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1000.0;
  }
}
