package herald.bench;

import static herald.bench.BenchHttp.check;
import static herald.bench.BenchHttp.deleteTree;
import static herald.bench.BenchHttp.send;

import herald.deploy.AllInOne;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Publish → searchable latency through the all-in-one stack: for each entry, the time from the
 * moment the HTTP publish call returns until {@code GET /v1/search} on the api finds it.
 *
 * <p>Run: {@code mvn -q install -DskipTests && mvn -q -pl bench exec:exec}; the environment
 * variables BENCH_PUBLISHES (default 500) and BENCH_WARMUP (default 50) set the counts, and
 * BENCH_RATE (publishes per second) starts publishes at a fixed rate instead of one by one.
 */
public final class PublishToSearchBench {
  private static final long POLL_MS =
      Long.parseLong(
          System.getenv()
              .getOrDefault("BENCH_POLL_MS", System.getenv("BENCH_RATE") == null ? "1" : "5"));

  private PublishToSearchBench() {}

  public static void main(String[] args) throws Exception {
    int publishes = Integer.parseInt(System.getenv().getOrDefault("BENCH_PUBLISHES", "500"));
    int warmup = Integer.parseInt(System.getenv().getOrDefault("BENCH_WARMUP", "50"));
    Path dataDir = Files.createTempDirectory("herald-bench");
    Map<String, String> env = new HashMap<>();
    env.put("HERALD_DATA_DIR", dataDir.toString());
    env.put("HERALD_API_PORT", "0");
    env.put("HERALD_INDEXER_PORT", "0");
    env.put("HERALD_PUBLISHER_PORT", "0");
    env.put("HERALD_SEED", "false");
    env.put("HERALD_ADMIN_KEY", "bench-admin-key");
    System.out.printf("starting the all-in-one stack in %s …%n", dataDir);
    try (AllInOne herald = AllInOne.start(env)) {
      String api = herald.apiUrl();
      String key = herald.adminKey();
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
        publishAndWait(api, key, "warm" + i);
      }
      double rate = Double.parseDouble(System.getenv().getOrDefault("BENCH_RATE", "0"));
      System.out.printf(
          "measuring %d publishes %s …%n",
          publishes, rate > 0 ? "at " + rate + " publishes/s" : "one after another");
      long[] micros = new long[publishes];
      long started = System.nanoTime();
      if (rate > 0) {
        openLoop(api, key, publishes, rate, micros);
      } else {
        for (int i = 0; i < publishes; i++) {
          micros[i] = publishAndWait(api, key, "meas" + i);
          if ((i + 1) % 100 == 0) {
            System.out.printf("  %d/%d%n", i + 1, publishes);
          }
        }
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      Arrays.sort(micros);
      System.out.println();
      System.out.printf(
          Locale.ROOT,
          "publish → searchable over %d publishes (%.1f publishes/s, %s)%n",
          publishes,
          publishes / seconds,
          rate > 0 ? "started at a fixed rate" : "sequential");
      System.out.printf(
          Locale.ROOT,
          "  p50 %.1f ms   p95 %.1f ms   p99 %.1f ms   max %.1f ms%n",
          pct(micros, 50),
          pct(micros, 95),
          pct(micros, 99),
          micros[micros.length - 1] / 1000.0);
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
   * Starts publishes at a fixed rate whatever the latency (an open loop, as editors would), each
   * measured on its own thread.
   */
  private static void openLoop(String api, String key, int n, double rate, long[] micros)
      throws Exception {
    java.util.concurrent.ExecutorService workers =
        java.util.concurrent.Executors.newFixedThreadPool(32);
    java.util.List<java.util.concurrent.Future<?>> all = new java.util.ArrayList<>();
    long interval = (long) (1e9 / rate);
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      long due = start + i * interval;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      int k = i;
      all.add(
          workers.submit(
              () -> {
                micros[k] = publishAndWait(api, key, "rate" + k);
                return null;
              }));
      if ((i + 1) % 100 == 0) {
        System.out.printf("  %d/%d started%n", i + 1, n);
      }
    }
    for (java.util.concurrent.Future<?> f : all) {
      f.get();
    }
    workers.shutdown();
  }

  /** Creates and publishes an entry, then polls search; returns microseconds to searchable. */
  private static long publishAndWait(String api, String key, String label) throws Exception {
    String token = "zq" + label + "x" + Long.toString(System.nanoTime(), 36);
    String body =
        new JsonObject()
            .put("type", "article")
            .put(
                "fields",
                new JsonObject()
                    .put("title", new JsonObject().put("en", "Benchmark " + token))
                    .put("body", new JsonObject().put("en", "Body text for " + token)))
            .encode();
    HttpResponse<String> created = send(api, key, "POST", "/v1/manage/entries", body);
    check(created, 201);
    String id = new JsonObject(created.body()).getString("id");
    check(send(api, key, "POST", "/v1/manage/entries/" + id + "/publish", null), 200);
    long t0 = System.nanoTime();
    long deadline = t0 + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r = send(api, null, "GET", "/v1/search?q=" + token, null);
      if (r.statusCode() == 200 && new JsonObject(r.body()).getInteger("total", 0) > 0) {
        return (System.nanoTime() - t0) / 1000;
      }
      // NOTE: each waiting publish polls; at a fixed rate many wait at once, so they poll every
      // 5 ms rather than 1 ms to keep the measuring load small (at most 5 ms of added error).
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(POLL_MS));
    }
    throw new IllegalStateException("entry " + id + " not searchable after 30 s");
  }

  private static double pct(long[] sorted, int p) {
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1000.0;
  }
}
