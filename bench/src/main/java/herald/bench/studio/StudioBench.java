package herald.bench.studio;

import static herald.bench.BenchHttp.allInOneEnv;
import static herald.bench.BenchHttp.check;
import static herald.bench.BenchHttp.deleteTree;
import static herald.bench.BenchHttp.send;

import herald.deploy.AllInOne;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Herald Studio's page render time over 10,000 entries: a signed-in editor's dashboard, the first
 * and a later page of the entry list, a filtered list, the generated editor of an entry and its
 * history, each requested one after another (the time one person waits), after a warm-up.
 * Server-rendered in the api, each page calling the REST API over loopback as the user.
 *
 * <p>Run: {@code ./herald mvn -q install -DskipTests && ./herald mvn -q -pl bench exec:exec
 * -Dbench.main=herald.bench.studio.StudioBench}; BENCH_ENTRIES (10000), BENCH_REQUESTS (500 per
 * page) and BENCH_WARMUP (200 per page) set the size.
 */
public final class StudioBench {
  private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");
  private static final Pattern NEXT =
      Pattern.compile("href=\"(/studio/content/article\\?cursor=[^\"]+)\"");
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(5))
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();

  private StudioBench() {}

  public static void main(String[] args) throws Exception {
    int entries = Integer.parseInt(System.getenv().getOrDefault("BENCH_ENTRIES", "10000"));
    int requests = Integer.parseInt(System.getenv().getOrDefault("BENCH_REQUESTS", "500"));
    int warmup = Integer.parseInt(System.getenv().getOrDefault("BENCH_WARMUP", "200"));
    Path dataDir = Files.createTempDirectory("herald-studio-bench");
    try (AllInOne herald = AllInOne.start(allInOneEnv(dataDir, "bench-admin-key"))) {
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
      System.out.printf("writing %d drafts …%n", entries);
      String some = createAll(api, key, entries);
      String session = firstAdmin(api, herald.studioSetupPath().orElseThrow());

      String first = page(api, session, "/studio/content/article").body();
      Matcher m = NEXT.matcher(first);
      if (!m.find()) {
        throw new IllegalStateException("the list has no next page");
      }
      String later = m.group(1).replace("&amp;", "&");
      String[][] pages = {
        {"dashboard", "/studio/"},
        {"entry list, first page of 25", "/studio/content/article"},
        {"entry list, next page (cursor)", later},
        {"entry list, tag filter", "/studio/content/article?tag=t7"},
        {"editor of one entry", "/studio/entries/" + some},
        {"history of one entry", "/studio/entries/" + some + "/versions"},
        {"publish page of one entry", "/studio/entries/" + some + "/publish"},
        {"dashboard's newsletter card", "/studio/dashboard/newsletter"},
        {"newsletter (issues, queue)", "/studio/newsletter"},
        {"subscribers, first page", "/studio/newsletter/subscribers"},
        {"admin: content model", "/studio/admin/types/article"},
        {"admin: audit log, first page", "/studio/admin/audit"},
      };
      System.out.printf(
          Locale.ROOT,
          "%n%-34s %8s %8s %8s %8s%n",
          "page (" + entries + " entries)",
          "p50 ms",
          "p95 ms",
          "p99 ms",
          "max ms");
      for (String[] p : pages) {
        for (int i = 0; i < warmup; i++) {
          page(api, session, p[1]);
        }
        double[] ms = new double[requests];
        for (int i = 0; i < requests; i++) {
          long t0 = System.nanoTime();
          HttpResponse<String> r = page(api, session, p[1]);
          ms[i] = (System.nanoTime() - t0) / 1e6;
          if (r.statusCode() != 200) {
            throw new IllegalStateException(p[1] + " answered " + r.statusCode());
          }
        }
        Arrays.sort(ms);
        System.out.printf(
            Locale.ROOT,
            "%-34s %8.1f %8.1f %8.1f %8.1f%n",
            p[0],
            ms[requests / 2],
            ms[(int) Math.ceil(requests * 0.95) - 1],
            ms[(int) Math.ceil(requests * 0.99) - 1],
            ms[requests - 1]);
      }
    } finally {
      deleteTree(dataDir);
    }
  }

  /** Writes the drafts with 8 clients at once; returns the id of one in the middle. */
  private static String createAll(String api, String key, int n) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<String>> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int k = i;
      ids.add(
          pool.submit(
              () -> {
                JsonObject body =
                    new JsonObject()
                        .put("type", "article")
                        .put(
                            "fields",
                            new JsonObject()
                                .put(
                                    "title",
                                    new JsonObject()
                                        .put("en", "Harm reduction note " + k)
                                        .put("sr-Cyrl", "Белешка о смањењу штете " + k))
                                .put("summary", new JsonObject().put("en", "Summary of note " + k))
                                .put(
                                    "body",
                                    new JsonObject().put("en", "Some **text** for note " + k + "."))
                                .put("date", "2026-01-" + String.format("%02d", 1 + k % 28))
                                .put(
                                    "tags", new io.vertx.core.json.JsonArray().add("t" + (k % 10))))
                        .put("channels", new io.vertx.core.json.JsonArray().add("website"));
                return new JsonObject(
                        check(send(api, key, "POST", "/v1/manage/entries", body.encode()), 201)
                            .body())
                    .getString("id");
              }));
    }
    String middle = ids.get(n / 2).get();
    for (Future<String> f : ids) {
      f.get();
    }
    pool.shutdown();
    return middle;
  }

  /** Creates the first admin through the one-time link; returns the session cookie's value. */
  private static String firstAdmin(String api, String setupPath) throws Exception {
    HttpResponse<String> form =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(api + setupPath)).build(),
            HttpResponse.BodyHandlers.ofString());
    String pre = cookie(form, "herald_csrf");
    Matcher m = CSRF.matcher(form.body());
    if (!m.find()) {
      throw new IllegalStateException("no CSRF field on the set-up page");
    }
    String token = setupPath.substring(setupPath.indexOf("token=") + 6);
    String body =
        "_csrf="
            + enc(m.group(1))
            + "&token="
            + enc(token)
            + "&email=bench%40herald.test&name=Bench+Admin&password="
            + enc("a long bench password");
    HttpResponse<String> done =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(api + "/studio/setup"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Cookie", "herald_csrf=" + pre)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (done.statusCode() != 303) {
      throw new IllegalStateException("set-up answered " + done.statusCode() + ": " + done.body());
    }
    return cookie(done, "herald_session");
  }

  private static HttpResponse<String> page(String api, String session, String path)
      throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(api + path))
            .header("Cookie", "herald_session=" + session)
            .timeout(Duration.ofSeconds(30))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String cookie(HttpResponse<?> r, String name) {
    for (String c : r.headers().allValues("Set-Cookie")) {
      if (c.startsWith(name + "=")) {
        return c.substring(name.length() + 1, c.indexOf(';'));
      }
    }
    throw new IllegalStateException("no cookie " + name);
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
