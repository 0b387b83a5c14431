package herald.bench.delivery;

import static herald.bench.BenchHttp.allInOneEnv;
import static herald.bench.BenchHttp.check;
import static herald.bench.BenchHttp.deleteTree;
import static herald.bench.BenchHttp.send;

import herald.deploy.AllInOne;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Delivery API throughput and latency with wrk: one cached entry ({@code GET /v1/entries/{id}}) and
 * a list page of 20 ({@code GET /v1/entries?type=article&limit=20}) over 10,000 published entries,
 * at 16, 64 and 256 connections.
 *
 * <p>Run: {@code mvn -q install -DskipTests && mvn -q -pl bench exec:exec
 * -Dbench.main=herald.bench.delivery.DeliveryApiBench} (needs {@code wrk}: {@code apt-get install
 * wrk}); BENCH_ENTRIES (10000) and BENCH_SECONDS (10 per run) set the size, BENCH_NO_CACHE=true
 * turns the api's response cache off.
 */
public final class DeliveryApiBench {
  private DeliveryApiBench() {}

  public static void main(String[] args) throws Exception {
    int entries = Integer.parseInt(System.getenv().getOrDefault("BENCH_ENTRIES", "10000"));
    int seconds = Integer.parseInt(System.getenv().getOrDefault("BENCH_SECONDS", "10"));
    Path dataDir = Files.createTempDirectory("herald-delivery-bench");
    Map<String, String> env = allInOneEnv(dataDir, "bench-admin-key");
    // BENCH_NO_CACHE=true measures the database path: every request is computed afresh.
    boolean noCache = Boolean.parseBoolean(System.getenv().getOrDefault("BENCH_NO_CACHE", "false"));
    if (noCache) {
      env.put("HERALD_RESPONSE_CACHE_SIZE", "0");
    }
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
                  + "{\"id\":\"summary\",\"type\":\"text\",\"localized\":true},"
                  + "{\"id\":\"body\",\"type\":\"richtext\",\"localized\":true},"
                  + "{\"id\":\"date\",\"type\":\"date\"},{\"id\":\"tags\",\"type\":\"tags\"}]}"),
          201);
      System.out.printf("publishing %d entries …%n", entries);
      List<String> ids = publishAll(api, key, entries);
      System.out.println("waiting for the pipeline to settle …");
      waitForIdle(herald);

      String one = api + "/v1/entries/" + ids.get(ids.size() / 2) + "?locale=en";
      String list = api + "/v1/entries?type=article&locale=en&limit=20";
      List<String> rows = new ArrayList<>();
      for (String[] target : new String[][] {{"single entry", one}, {"list page of 20", list}}) {
        wrk(target[1], 2, 16, 3); // warm-up
        for (int c : new int[] {16, 64, 256}) {
          Result r = wrk(target[1], 2, c, seconds);
          String row =
              String.format(
                  Locale.ROOT,
                  "| %s | %d | %.0f | %s | %s | %s |",
                  target[0],
                  c,
                  r.rps,
                  r.p50,
                  r.p99,
                  r.errors);
          rows.add(row);
          System.out.println(row);
        }
      }
      System.out.println();
      System.out.println("| request | connections | req/s | p50 | p99 | errors |");
      System.out.println("| --- | --- | --- | --- | --- | --- |");
      rows.forEach(System.out::println);
      System.out.printf(
          Locale.ROOT,
          "machine: %d cores, Java %s; wrk -t2, %d s per run; response cache %s%n",
          Runtime.getRuntime().availableProcessors(),
          System.getProperty("java.version"),
          seconds,
          noCache ? "off" : "on");
    } finally {
      deleteTree(dataDir);
    }
  }

  private static List<String> publishAll(String api, String key, int n) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    AtomicInteger done = new AtomicInteger();
    List<Future<String>> futures = new ArrayList<>();
    String[] tags = {"harm reduction", "policy", "webinar", "report", "statement"};
    for (int i = 0; i < n; i++) {
      int k = i;
      futures.add(
          pool.submit(
              () -> {
                String body =
                    new JsonObject()
                        .put("type", "article")
                        .put(
                            "fields",
                            new JsonObject()
                                .put("title", new JsonObject().put("en", "Article number " + k))
                                .put(
                                    "summary",
                                    new JsonObject().put("en", "A summary of article " + k + "."))
                                .put(
                                    "body",
                                    new JsonObject()
                                        .put(
                                            "en",
                                            "Civil society organisations in **South East Europe**"
                                                + " published analysis number "
                                                + k
                                                + ".\n\n- health\n- human rights"))
                                .put("date", "2026-01-" + String.format("%02d", 1 + k % 28))
                                .put("tags", new io.vertx.core.json.JsonArray().add(tags[k % 5])))
                        .encode();
                HttpResponse<String> c = send(api, key, "POST", "/v1/manage/entries", body);
                check(c, 201);
                String id = new JsonObject(c.body()).getString("id");
                check(send(api, key, "POST", "/v1/manage/entries/" + id + "/publish", null), 200);
                int d = done.incrementAndGet();
                if (d % 1000 == 0) {
                  System.out.printf("  %d/%d%n", d, n);
                }
                return id;
              }));
    }
    List<String> ids = new ArrayList<>();
    for (Future<String> f : futures) {
      ids.add(f.get());
    }
    pool.shutdown();
    return ids;
  }

  /** Waits until the search index has caught up, so consumers do not compete for the CPU. */
  private static void waitForIdle(AllInOne herald) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    int last = -1;
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r =
          send(herald.apiUrl(), null, "GET", "/v1/search?q=article&limit=1", null);
      int total = r.statusCode() == 200 ? new JsonObject(r.body()).getInteger("total", 0) : -1;
      if (total == last && total > 0) {
        return;
      }
      last = total;
      Thread.sleep(2000);
    }
  }

  record Result(double rps, String p50, String p99, String errors) {}

  private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
  private static final Pattern P50 = Pattern.compile("\\s+50%\\s+(\\S+)");
  private static final Pattern P99 = Pattern.compile("\\s+99%\\s+(\\S+)");
  private static final Pattern ERR =
      Pattern.compile("(Socket errors:.*|Non-2xx or 3xx responses: \\d+)");

  private static Result wrk(String url, int threads, int connections, int seconds)
      throws Exception {
    Process p =
        new ProcessBuilder(
                "wrk",
                "-t" + threads,
                "-c" + connections,
                "-d" + seconds + "s",
                "--latency",
                "--timeout",
                "5s",
                url)
            .redirectErrorStream(true)
            .start();
    StringBuilder out = new StringBuilder();
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        out.append(line).append('\n');
      }
    }
    p.waitFor();
    String s = out.toString();
    Matcher rps = RPS.matcher(s);
    Matcher p50 = P50.matcher(s);
    Matcher p99 = P99.matcher(s);
    Matcher err = ERR.matcher(s);
    List<String> errs = new ArrayList<>();
    while (err.find()) {
      errs.add(err.group(1));
    }
    if (!rps.find() || !p50.find() || !p99.find()) {
      throw new IllegalStateException("cannot read wrk output:\n" + s);
    }
    return new Result(
        Double.parseDouble(rps.group(1)),
        p50.group(1),
        p99.group(1),
        errs.isEmpty() ? "none" : String.join("; ", errs));
  }
}
