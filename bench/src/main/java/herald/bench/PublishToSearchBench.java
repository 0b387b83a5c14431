package herald.bench;

import static herald.bench.BenchHttp.allInOneEnv;
import static herald.bench.BenchHttp.check;
import static herald.bench.BenchHttp.deleteTree;
import static herald.bench.BenchHttp.send;

import herald.deploy.AllInOne;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
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
 * BENCH_RATE (publishes per second) starts publishes at a fixed rate instead of one by one, after
 * BENCH_RATE_WARMUP_S seconds (default 60) of publishes at that rate that are not counted.
 */
public final class PublishToSearchBench {
  private static final long POLL_MS =
      Long.parseLong(System.getenv().getOrDefault("BENCH_POLL_MS", "1"));

  /** A word every benchmark entry has, for the poller of the fixed-rate run. */
  private static final String SHARED_WORD = "zqbenchmark";

  private PublishToSearchBench() {}

  public static void main(String[] args) throws Exception {
    int publishes = Integer.parseInt(System.getenv().getOrDefault("BENCH_PUBLISHES", "500"));
    int warmup = Integer.parseInt(System.getenv().getOrDefault("BENCH_WARMUP", "50"));
    Path dataDir = Files.createTempDirectory("herald-bench");
    Map<String, String> env = allInOneEnv(dataDir, "bench-admin-key");
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
        // The drafts are created first; the clock of the run starts with the first measured
        // publish. Before it, publishes run at the same rate for BENCH_RATE_WARMUP_S seconds
        // (default 60): the JIT compiler takes about that long to settle under this load, and a
        // server runs warm.
        int warm =
            (int)
                Math.round(
                    rate
                        * Double.parseDouble(
                            System.getenv().getOrDefault("BENCH_RATE_WARMUP_S", "60")));
        long[] all = new long[warm + publishes];
        started = openLoop(api, key, all.length, warm, rate, all);
        if (warm > 0) {
          long[] cold = Arrays.copyOf(all, warm);
          Arrays.sort(cold);
          System.out.printf(
              Locale.ROOT,
              "  (warm-up, %d publishes at the rate, not counted: p50 %.1f ms, p99 %.1f ms,"
                  + " max %.1f ms)%n",
              warm,
              pct(cold, 50),
              pct(cold, 99),
              cold[warm - 1] / 1000.0);
        }
        System.arraycopy(all, warm, micros, 0, publishes);
      } else {
        for (int i = 0; i < publishes; i++) {
          micros[i] = publishAndWait(api, key, "meas" + i);
          if ((i + 1) % 100 == 0) {
            System.out.printf("  %d/%d%n", i + 1, publishes);
          }
        }
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      if (System.getenv("BENCH_TRACE") != null) {
        // One line per publish in publish order: where in the run the slow ones fall.
        StringBuilder trace = new StringBuilder();
        for (int i = 0; i < micros.length; i++) {
          trace.append(i).append(' ').append(micros[i] / 1000.0).append('\n');
        }
        Files.writeString(Path.of(System.getenv("BENCH_TRACE")), trace);
      }
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
   * Starts publishes at a fixed rate whatever the latency (an open loop, as editors would). The
   * drafts are created first; the clock of each entry starts when its publish call returns. One
   * poller searches for the word every benchmark entry shares (newest first, only entries published
   * since the oldest one still waiting) every {@link #POLL_MS} ms and stops the clock of each
   * waiting entry it finds, so the measuring load does not grow with the number waiting. The first
   * {@code warm} publishes warm the stack up; returns when the first one after them was due.
   */
  private static long openLoop(String api, String key, int n, int warm, double rate, long[] micros)
      throws Exception {
    String[] ids = new String[n];
    String[] tokens = new String[n];
    System.out.printf("creating %d drafts …%n", n);
    for (int i = 0; i < n; i++) {
      tokens[i] = token("rate" + i);
      ids[i] = create(api, key, tokens[i]);
    }
    Map<String, Integer> byToken = new HashMap<>();
    for (int i = 0; i < n; i++) {
      byToken.put(tokens[i], i);
    }
    long[] returnedAt = new long[n];
    Instant[] calledAt = new Instant[n];
    java.util.concurrent.ConcurrentSkipListSet<Integer> waiting =
        new java.util.concurrent.ConcurrentSkipListSet<>();
    java.util.concurrent.atomic.AtomicInteger found =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicLong polls = new java.util.concurrent.atomic.AtomicLong();
    Thread poller =
        new Thread(
            () -> {
              try {
                while (found.get() < n) {
                  Integer oldest = waiting.isEmpty() ? null : waiting.first();
                  if (oldest != null) {
                    poll(api, calledAt[oldest], byToken, waiting, returnedAt, micros, found);
                    polls.incrementAndGet();
                  }
                  LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(POLL_MS));
                }
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            },
            "bench-poller");
    poller.setDaemon(true);
    poller.start();
    java.util.concurrent.ExecutorService workers =
        java.util.concurrent.Executors.newFixedThreadPool(16);
    java.util.List<java.util.concurrent.Future<?>> all = new java.util.ArrayList<>();
    long[] publishMicros = new long[n];
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
                calledAt[k] = Instant.now();
                long t = System.nanoTime();
                check(
                    send(api, key, "POST", "/v1/manage/entries/" + ids[k] + "/publish", null), 200);
                returnedAt[k] = System.nanoTime();
                publishMicros[k] = (returnedAt[k] - t) / 1000;
                waiting.add(k);
                return null;
              }));
      if ((i + 1) % 100 == 0) {
        System.out.printf("  %d/%d started, %d found%n", i + 1, n, found.get());
      }
    }
    for (java.util.concurrent.Future<?> f : all) {
      f.get();
    }
    workers.shutdown();
    poller.join(TimeUnit.SECONDS.toMillis(60));
    if (found.get() < n) {
      throw new IllegalStateException(found.get() + " of " + n + " found after 60 s");
    }
    long[] measuredCalls = Arrays.copyOfRange(publishMicros, warm, n);
    Arrays.sort(measuredCalls);
    System.out.printf(
        Locale.ROOT,
        "  (publishing took %.1f s: %.1f publishes/s)%n",
        (lastReturned(returnedAt) - start) / 1e9,
        n / ((lastReturned(returnedAt) - start) / 1e9));
    System.out.printf(
        Locale.ROOT,
        "  (the publish calls themselves: p50 %.1f ms, p99 %.1f ms; %d searches polled)%n",
        pct(measuredCalls, 50),
        pct(measuredCalls, 99),
        polls.get());
    return start + warm * interval;
  }

  private static long lastReturned(long[] returnedAt) {
    return Arrays.stream(returnedAt).max().orElseThrow();
  }

  /** One search for every waiting entry; stops the clock of those it finds. */
  private static void poll(
      String api,
      Instant since,
      Map<String, Integer> byToken,
      java.util.Set<Integer> waiting,
      long[] returnedAt,
      long[] micros,
      java.util.concurrent.atomic.AtomicInteger found)
      throws Exception {
    String query =
        "/v1/search?q="
            + SHARED_WORD
            + "&sort=date&limit=100&publishedFrom="
            + since.minusMillis(100).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    String cursor = null;
    do {
      HttpResponse<String> r =
          send(
              api,
              null,
              "GET",
              query
                  + (cursor == null
                      ? ""
                      : "&cursor=" + java.net.URLEncoder.encode(cursor, "UTF-8")),
              null);
      long now = System.nanoTime();
      check(r, 200);
      JsonObject page = new JsonObject(r.body());
      for (Object o : page.getJsonArray("hits")) {
        String title = ((JsonObject) o).getString("title");
        Integer k = byToken.get(title.substring(title.lastIndexOf(' ') + 1));
        if (k != null && waiting.remove(k)) {
          micros[k] = (now - returnedAt[k]) / 1000;
          found.incrementAndGet();
        }
      }
      cursor = page.getString("nextCursor");
    } while (cursor != null);
  }

  /** Creates and publishes an entry, then polls search; returns microseconds to searchable. */
  private static long publishAndWait(String api, String key, String label) throws Exception {
    String token = token(label);
    String id = create(api, key, token);
    check(send(api, key, "POST", "/v1/manage/entries/" + id + "/publish", null), 200);
    long t0 = System.nanoTime();
    long deadline = t0 + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r = send(api, null, "GET", "/v1/search?q=" + token, null);
      if (r.statusCode() == 200 && new JsonObject(r.body()).getInteger("total", 0) > 0) {
        return (System.nanoTime() - t0) / 1000;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(POLL_MS));
    }
    throw new IllegalStateException("entry " + id + " not searchable after 30 s");
  }

  /** A word found in one entry only. */
  private static String token(String label) {
    return "zq" + label + "x" + Long.toString(System.nanoTime(), 36);
  }

  /**
   * The channels benchmark entries choose: BENCH_CHANNELS, comma-separated (empty for none); unset,
   * the default (the website).
   */
  private static final String CHANNELS = System.getenv("BENCH_CHANNELS");

  /** Creates a draft whose title ends with the token; returns its id. */
  private static String create(String api, String key, String token) throws Exception {
    JsonObject entry = new JsonObject().put("type", "article");
    if (CHANNELS != null) {
      io.vertx.core.json.JsonArray channels = new io.vertx.core.json.JsonArray();
      java.util.Arrays.stream(CHANNELS.split(","))
          .map(String::strip)
          .filter(c -> !c.isEmpty())
          .forEach(channels::add);
      entry.put("channels", channels);
    }
    String body =
        entry
            .put(
                "fields",
                new JsonObject()
                    .put(
                        "title",
                        new JsonObject().put("en", "Benchmark " + SHARED_WORD + " " + token))
                    .put("body", new JsonObject().put("en", "Body text for " + token)))
            .encode();
    HttpResponse<String> created = send(api, key, "POST", "/v1/manage/entries", body);
    check(created, 201);
    return new JsonObject(created.body()).getString("id");
  }

  private static double pct(long[] sorted, int p) {
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1000.0;
  }
}
