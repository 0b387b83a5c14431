package herald.bench.soak;

import static herald.bench.BenchHttp.deleteTree;

import com.sun.tools.attach.VirtualMachine;
import herald.faults.Drain;
import herald.faults.EditorLoad;
import herald.faults.Invariants;
import herald.faults.Oracle;
import herald.faults.ServiceProcess;
import herald.faults.Stack;
import io.vertx.core.json.JsonObject;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * The soak: Herald as production runs it (the fault matrix's {@link Stack}: PostgreSQL, the Kafka
 * broker, the api, indexer and publisher each in a process of its own; Mastodon, Bluesky and a
 * Standard Webhooks receiver as local servers that speak their protocols; the newsletter through
 * the local SMTP server to three subscribers confirmed by the real double opt-in) under a steady 20
 * publishes/s, each to every channel, plus 500 reads/s of the delivery api (an entry by id, by
 * slug, a list page, a search), for 30 minutes; a newsletter issue goes out every minute.
 *
 * <p>It reports per window (five minutes): publishes acknowledged, the publish call's and the
 * reads' p50/p99, errors by kind, publish → delivered p50/p99 per channel and target, heap after a
 * collection and GC time of each service process (through its JMX agent: a full collection asked
 * for at the window's end, then the heap used), consumer lag and the queues in PostgreSQL at the
 * window's end; a CPU calibration figure before and after (a fixed SHA-256 workload on one thread,
 * so that a run on a busier or slower machine can be told apart); then, once the backlogs drained,
 * the fault matrix's invariants against PostgreSQL as the oracle (nothing acknowledged lost, every
 * channel exactly once), and a verdict per criterion with its threshold.
 *
 * <p>Run: {@code ./herald mvn -q -pl bench -am install -DskipTests && ./herald mvn -q -pl bench
 * exec:exec -Dbench.main=herald.bench.soak.SoakBench}; BENCH_MINUTES (30), BENCH_WINDOW_MINUTES
 * (5), BENCH_RATE (20 publishes/s), BENCH_READS (500/s). A smoke run: BENCH_MINUTES=3
 * BENCH_WINDOW_MINUTES=1. The services' logs are kept in BENCH_LOGS (bench/target/soak-logs).
 */
public final class SoakBench {
  private static final List<String> ALL_CHANNELS = List.of("website", "social", "newsletter");
  private static final List<String> SUBSCRIBERS =
      List.of("ana@example.org", "marko@example.org", "jelena@example.org");
  private static final List<String> WORDS =
      List.of(EditorLoad.TOKEN, "Sarajevo", "Skopje", "Podgorica", "Tuzla", "bilten");
  private static final Duration ISSUE_EVERY = Duration.ofMinutes(1);
  private static final Duration DRAIN_CEILING = Duration.ofMinutes(20);

  /**
   * Reads in flight at most, as a site's or CDN's bounded connection pool would have: a read whose
   * time came waits for a connection, and its latency counts from its time (not from when it got
   * one), so that a server that falls behind shows in the figures instead of in ever more
   * connections.
   */
  private static final int READ_CONNECTIONS = 64;

  /** Heap flat: the last window's heap after GC at most this much above the first's … */
  private static final double HEAP_GROWTH = 0.20;

  /** … or this many MB, whichever is more (a small heap's noise). */
  private static final long HEAP_SLACK_MB = 16;

  /** p99 stable: the last window's p99 at most this factor of the first's … */
  private static final double P99_FACTOR = 1.5;

  /** … plus this many ms (a fast call's noise). */
  private static final double P99_SLACK_MS = 10;

  private SoakBench() {}

  /** Latencies, errors by kind and count of one kind of call in one window. */
  private static final class Window {
    private long[] nanos = new long[1024];
    private int count;
    final Map<String, AtomicLong> errors = new ConcurrentHashMap<>();

    synchronized void add(long n) {
      if (count == nanos.length) {
        nanos = Arrays.copyOf(nanos, count * 2);
      }
      nanos[count++] = n;
    }

    synchronized int count() {
      return count;
    }

    void error(String kind) {
      errors.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
    }

    long errorCount() {
      return errors.values().stream().mapToLong(AtomicLong::get).sum();
    }

    synchronized long[] sorted() {
      long[] all = Arrays.copyOf(nanos, count);
      Arrays.sort(all);
      return all;
    }
  }

  /** One service process's JVM, reached through its local JMX agent. */
  private static final class Jvm implements AutoCloseable {
    final String name;
    private final VirtualMachine vm;
    private final JMXConnector connector;
    private final MemoryMXBean memory;
    private final List<GarbageCollectorMXBean> collectors;

    Jvm(ServiceProcess service) throws Exception {
      name = service.name();
      vm = VirtualMachine.attach(Long.toString(service.pid()));
      connector = JMXConnectorFactory.connect(new JMXServiceURL(vm.startLocalManagementAgent()));
      memory =
          ManagementFactory.newPlatformMXBeanProxy(
              connector.getMBeanServerConnection(),
              ManagementFactory.MEMORY_MXBEAN_NAME,
              MemoryMXBean.class);
      collectors =
          ManagementFactory.getPlatformMXBeans(
              connector.getMBeanServerConnection(), GarbageCollectorMXBean.class);
    }

    /** MB of heap in use right after a full collection. */
    long heapAfterGcMb() {
      memory.gc();
      return memory.getHeapMemoryUsage().getUsed() >> 20;
    }

    /** Milliseconds spent collecting so far (the forced collections included). */
    long gcMillis() {
      return collectors.stream().mapToLong(c -> Math.max(0, c.getCollectionTime())).sum();
    }

    @Override
    public void close() throws Exception {
      connector.close();
      vm.detach();
    }
  }

  /** What one window saw of one service. */
  private record ServiceSample(long heapAfterGcMb, long gcMillis, long lag) {}

  /** What one window saw. */
  private static final class WindowStats {
    final Window creates = new Window();
    final Window publishes = new Window();
    final Window reads = new Window();
    final Map<String, Window> readKinds = new ConcurrentHashMap<>();
    final Window issues = new Window();
    final Map<String, ServiceSample> services = new LinkedHashMap<>();
    final Map<String, Long> queues = new LinkedHashMap<>();
    long startMs;
    long endMs;
    double load;
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> env = System.getenv();
    int minutes = Integer.parseInt(env.getOrDefault("BENCH_MINUTES", "30"));
    int windowMinutes = Integer.parseInt(env.getOrDefault("BENCH_WINDOW_MINUTES", "5"));
    int rate = Integer.parseInt(env.getOrDefault("BENCH_RATE", "20"));
    int readRate = Integer.parseInt(env.getOrDefault("BENCH_READS", "500"));
    int windows = Math.max(1, minutes / windowMinutes);
    long windowNanos = Duration.ofMinutes(windowMinutes).toNanos();

    System.out.printf(
        Locale.ROOT,
        "Soak: %d publishes/s (each to website, social: Mastodon + Bluesky + webhook, newsletter)"
            + " + %d reads/s over at most %d connections, %d windows of %d min; an issue every %d"
            + " s%n",
        rate,
        readRate,
        READ_CONNECTIONS,
        windows,
        windowMinutes,
        ISSUE_EVERY.toSeconds());
    System.out.printf(
        Locale.ROOT,
        "thresholds: heap flat = last window's heap after GC <= first's x %.2f (or + %d MB);"
            + " p99 stable = last window's p99 <= first's x %.1f + %.0f ms; no errors = no call"
            + " failed, nothing dead, every invariant holds%n",
        1 + HEAP_GROWTH,
        HEAP_SLACK_MB,
        P99_FACTOR,
        P99_SLACK_MS);
    double calibrationBefore = calibrate();
    System.out.printf(
        Locale.ROOT,
        "CPU calibration: SHA-256 of 256 MiB on one thread: %.0f ms (best of 3); load average"
            + " %.2f%n",
        calibrationBefore,
        loadAverage());

    Path dir = Files.createTempDirectory("herald-soak");
    List<WindowStats> stats = new ArrayList<>();
    for (int w = 0; w < windows; w++) {
      stats.add(new WindowStats());
    }
    // Production-like JVMs for the services: C2, the default collector, a fixed heap.
    Stack.Options options =
        new Stack.Options(
            List.of("-Xms512m", "-Xmx512m"),
            Map.of("HERALD_API_EVENT_LOOPS", "2", "HERALD_API_PG_POOL_SIZE", "8"),
            false);
    try (Stack stack = new Stack(dir.resolve("stack"), options)) {
      stack.services().forEach(ServiceProcess::start);
      awaitReady(stack, Duration.ofMinutes(5));
      HttpResponse<String> type =
          stack.call("POST", "/v1/manage/types", EditorLoad.TYPE_JSON, Duration.ofSeconds(60));
      if (type == null || type.statusCode() != 201) {
        throw new IllegalStateException("creating the type answered " + type);
      }
      stack.subscribe(SUBSCRIBERS, Duration.ofMinutes(3));
      EditorLoad load = new EditorLoad(stack, 14L, Duration.ofSeconds(1));
      Published published = new Published();
      // Something to read from the first second on.
      for (int i = 0; i < 20; i++) {
        EditorLoad.Entry e = load.publishNew(ALL_CHANNELS);
        if (e != null && e.publishAcknowledged()) {
          published.add(e.id());
        }
      }
      Map<String, Jvm> jvms = new LinkedHashMap<>();
      for (ServiceProcess s : stack.services()) {
        jvms.put(s.name(), new Jvm(s));
      }
      Map<String, Long> gcBefore = new LinkedHashMap<>();
      jvms.forEach((name, jvm) -> gcBefore.put(name, jvm.gcMillis()));

      long start = System.nanoTime();
      long end = start + windows * windowNanos;
      load.observe(
          (what, status, nanos) -> {
            int w = window(System.nanoTime() - nanos, start, windowNanos, windows);
            if (w < 0) {
              return;
            }
            Window win =
                switch (what) {
                  case "create" -> stats.get(w).creates;
                  case "publish" -> stats.get(w).publishes;
                  default -> null;
                };
            if (win == null) {
              return;
            }
            int wanted = what.equals("create") ? 201 : 200;
            if (status == wanted) {
              win.add(nanos);
            } else {
              win.error(what + (status < 0 ? " no answer" : " HTTP " + status));
            }
          });
      HttpClient http =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .connectTimeout(Duration.ofSeconds(5))
              .build();
      ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();
      Semaphore connections = new Semaphore(READ_CONNECTIONS);
      Thread publisher =
          Thread.ofPlatform()
              .name("soak-publishes")
              .start(
                  () ->
                      atRate(
                          rate,
                          start,
                          end,
                          () ->
                              calls.submit(
                                  () -> {
                                    EditorLoad.Entry e = load.publishNew(ALL_CHANNELS);
                                    if (e != null && e.publishAcknowledged()) {
                                      published.add(e.id());
                                    }
                                  })));
      Thread reader =
          Thread.ofPlatform()
              .name("soak-reads")
              .start(
                  () ->
                      atRate(
                          readRate,
                          start,
                          end,
                          () ->
                              calls.submit(
                                  () ->
                                      read(
                                          http,
                                          connections,
                                          stack.api.url(),
                                          published,
                                          stats,
                                          start,
                                          end,
                                          windowNanos,
                                          windows))));
      Thread issues =
          Thread.ofPlatform()
              .name("soak-issues")
              .start(() -> issues(stack, stats, start, end, windowNanos, windows));

      for (int w = 0; w < windows; w++) {
        WindowStats s = stats.get(w);
        s.startMs = System.currentTimeMillis();
        long windowEnd = start + (w + 1) * windowNanos;
        while (System.nanoTime() < windowEnd) {
          LockSupport.parkNanos(Math.min(windowEnd - System.nanoTime(), 1_000_000_000L));
        }
        s.endMs = System.currentTimeMillis();
        s.load = loadAverage();
        for (ServiceProcess service : stack.services()) {
          Jvm jvm = jvms.get(service.name());
          long heap = jvm.heapAfterGcMb();
          long gc = jvm.gcMillis();
          s.services.put(
              service.name(),
              new ServiceSample(heap, gc - gcBefore.get(service.name()), lag(stack, service)));
          gcBefore.put(service.name(), gc);
        }
        for (Map.Entry<String, String> q : Drain.QUEUES.entrySet()) {
          s.queues.put(q.getKey(), Oracle.count(stack, q.getValue()));
        }
        printProgress(w, windowMinutes, s);
      }
      publisher.join();
      reader.join();
      issues.join();
      calls.shutdown();
      if (!calls.awaitTermination(2, TimeUnit.MINUTES)) {
        System.out.println("calls still waiting 2 min after the load stopped: cancelled");
        calls.shutdownNow();
      }
      System.out.println("load stopped; waiting for the backlogs to drain …");
      long drainStart = System.nanoTime();
      Optional<String> notDrained = Drain.await(stack, DRAIN_CEILING);
      double drainSeconds = (System.nanoTime() - drainStart) / 1e9;
      Optional<String> lastIssue = Drain.sendIssue(stack, "Soak: the rest");
      Map<String, List<String>> invariants = new Invariants(stack, load).check();
      double calibrationAfter = calibrate();
      for (Jvm jvm : jvms.values()) {
        jvm.close();
      }
      report(
          stack,
          stats,
          windowMinutes,
          calibrationBefore,
          calibrationAfter,
          notDrained,
          drainSeconds,
          lastIssue,
          invariants,
          load);
    } finally {
      // The services' logs outlive the run (its data does not).
      Path logs = Path.of(env.getOrDefault("BENCH_LOGS", "target/soak-logs")).toAbsolutePath();
      if (Files.exists(logs)) {
        deleteTree(logs);
      }
      Files.createDirectories(logs);
      try (var files = Files.list(dir.resolve("stack/logs"))) {
        for (Path f : files.toList()) {
          Files.copy(f, logs.resolve(f.getFileName()));
        }
      } catch (java.io.IOException e) {
        System.out.println("could not keep the services' logs: " + e);
      }
      System.out.println("services' logs: " + logs);
      deleteTree(dir);
    }
  }

  /** The ids of the entries whose publish was acknowledged, to read at random. */
  private static final class Published {
    private final AtomicReferenceArray<String> ids = new AtomicReferenceArray<>(1 << 17);
    private final AtomicInteger size = new AtomicInteger();
    private final AtomicReferenceArray<String> slugs = new AtomicReferenceArray<>(1024);
    private final AtomicInteger slugCount = new AtomicInteger();

    void add(String id) {
      int i = size.getAndIncrement();
      if (i < ids.length()) {
        ids.set(i, id);
      } else {
        size.decrementAndGet();
        ids.set(ThreadLocalRandom.current().nextInt(ids.length()), id);
      }
    }

    String anyId() {
      int n = Math.min(size.get(), ids.length());
      String id = null;
      while (id == null) {
        id = ids.get(ThreadLocalRandom.current().nextInt(n));
      }
      return id;
    }

    /** Keeps a slug seen in a list page (the newest of a ring). */
    void slugSeen(String slug) {
      slugs.set(slugCount.getAndIncrement() & (slugs.length() - 1), slug);
    }

    String anySlug() {
      int n = Math.min(slugCount.get(), slugs.length());
      return n == 0 ? null : slugs.get(ThreadLocalRandom.current().nextInt(n));
    }
  }

  /** One read: an entry by id (40 %), by slug (20 %), the list's first page (25 %), a search. */
  private static void read(
      HttpClient http,
      Semaphore connections,
      String api,
      Published published,
      List<WindowStats> stats,
      long start,
      long end,
      long windowNanos,
      int windows) {
    long t0 = System.nanoTime();
    WindowStats ws = stats.get(Math.max(0, window(t0, start, windowNanos, windows)));
    Window win = ws.reads;
    ThreadLocalRandom r = ThreadLocalRandom.current();
    int dice = r.nextInt(100);
    String slug = published.anySlug();
    String path;
    String kind;
    if (dice < 40 || (dice < 60 && slug == null)) {
      kind = "by id";
      path = "/v1/entries/" + published.anyId() + "?locale=en";
    } else if (dice < 60) {
      kind = "by slug";
      path = "/v1/entries?type=" + EditorLoad.TYPE + "&locale=en&slug=" + slug;
    } else if (dice < 85) {
      kind = "list";
      path = "/v1/entries?type=" + EditorLoad.TYPE + "&locale=en&limit=20";
    } else {
      kind = "search";
      path =
          "/v1/search?q="
              + URLEncoder.encode(WORDS.get(r.nextInt(WORDS.size())), StandardCharsets.UTF_8)
              + "&limit=10";
    }
    try {
      connections.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    if (System.nanoTime() > end) {
      // Its time came during the run; no connection was free before the run ended.
      connections.release();
      win.error("read never sent: no connection free before the end");
      return;
    }
    try {
      HttpResponse<String> res =
          http.send(
              HttpRequest.newBuilder(URI.create(api + path))
                  .timeout(Duration.ofSeconds(30))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      long took = System.nanoTime() - t0;
      if (res.statusCode() != 200) {
        String title = "";
        try {
          title = " " + new JsonObject(res.body()).getString("title", "");
        } catch (RuntimeException notProblem) {
          // the status alone
        }
        win.error("read " + kind + " HTTP " + res.statusCode() + title);
        return;
      }
      win.add(took);
      ws.readKinds.computeIfAbsent(kind, k -> new Window()).add(took);
      if (kind.equals("list")) {
        for (Object o : new JsonObject(res.body()).getJsonArray("items")) {
          published.slugSeen(((JsonObject) o).getString("slug"));
        }
      }
    } catch (java.net.http.HttpTimeoutException e) {
      win.error("read " + kind + " time-out");
    } catch (java.io.IOException e) {
      win.error("read " + kind + " " + e.getClass().getSimpleName());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      win.error("read " + kind + " answer unreadable: " + e.getClass().getSimpleName());
    } finally {
      connections.release();
    }
  }

  /** An issue of the newsletter's pool every minute, each waited for until it went out. */
  private static void issues(
      Stack stack, List<WindowStats> stats, long start, long end, long windowNanos, int windows) {
    int n = 0;
    while (true) {
      long next = start + (n + 1) * ISSUE_EVERY.toNanos();
      if (next >= end) {
        return;
      }
      LockSupport.parkNanos(next - System.nanoTime());
      long t0 = System.nanoTime();
      Window win = stats.get(window(t0, start, windowNanos, windows)).issues;
      try {
        Optional<String> wrong = Drain.sendIssue(stack, "Soak issue " + ++n);
        if (wrong.isPresent()) {
          win.error("issue: " + wrong.get());
        } else {
          win.add(System.nanoTime() - t0);
        }
      } catch (Exception e) {
        win.error("issue: " + e);
      }
    }
  }

  /** Runs {@code task} {@code perSecond} times a second, each on schedule, until {@code end}. */
  private static void atRate(int perSecond, long start, long end, Runnable task) {
    long interval = 1_000_000_000L / perSecond;
    for (long i = 0; ; i++) {
      long at = start + i * interval;
      if (at >= end) {
        return;
      }
      long wait = at - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      task.run();
    }
  }

  /** The window of an instant, -1 before the run. */
  private static int window(long t, long start, long windowNanos, int windows) {
    if (t < start) {
      return -1;
    }
    return (int) Math.min(windows - 1, (t - start) / windowNanos);
  }

  private static void awaitReady(Stack stack, Duration ceiling) throws InterruptedException {
    long deadline = System.nanoTime() + ceiling.toNanos();
    for (ServiceProcess s : stack.services()) {
      while (true) {
        Optional<HttpResponse<String>> r = stack.get(s.url() + "/health/ready");
        if (r.isPresent() && r.get().statusCode() == 200) {
          break;
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(s.name() + " not ready within " + ceiling);
        }
        Thread.sleep(200);
      }
    }
  }

  /** The service's consumer lag, summed over its consumers (its {@code /metrics}); -1: unknown. */
  private static long lag(Stack stack, ServiceProcess service) {
    Optional<HttpResponse<String>> r = stack.get(service.url() + "/metrics");
    if (r.isEmpty() || r.get().statusCode() != 200) {
      return -1;
    }
    long lag = 0;
    for (String line : r.get().body().split("\n")) {
      if (line.startsWith("herald_consumer_lag{")) {
        lag += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return lag;
  }

  private static void printProgress(int w, int windowMinutes, WindowStats s) {
    long[] p = s.publishes.sorted();
    long[] r = s.reads.sorted();
    StringBuilder services = new StringBuilder();
    s.services.forEach(
        (name, x) ->
            services.append(
                String.format(
                    Locale.ROOT,
                    " %s heap %d MB gc %.1f s lag %d;",
                    name,
                    x.heapAfterGcMb(),
                    x.gcMillis() / 1000.0,
                    x.lag())));
    System.out.printf(
        Locale.ROOT,
        "[%s] window %d (%d-%d min): %d publishes acked, publish p99 %.0f ms, %d reads p99 %.0f"
            + " ms, errors %s;%s queues %s; load %.2f%n",
        java.time.LocalTime.now().withNano(0),
        w + 1,
        w * windowMinutes,
        (w + 1) * windowMinutes,
        p.length,
        pct(p, 0.99),
        r.length,
        pct(r, 0.99),
        errors(s),
        services,
        s.queues,
        s.load);
  }

  private static Map<String, Long> errors(WindowStats s) {
    Map<String, Long> out = new TreeMap<>();
    for (Window w : List.of(s.creates, s.publishes, s.reads, s.issues)) {
      w.errors.forEach((k, v) -> out.merge(k, v.get(), Long::sum));
    }
    return out;
  }

  private static void report(
      Stack stack,
      List<WindowStats> stats,
      int windowMinutes,
      double calibrationBefore,
      double calibrationAfter,
      Optional<String> notDrained,
      double drainSeconds,
      Optional<String> lastIssue,
      Map<String, List<String>> invariants,
      EditorLoad load)
      throws Exception {
    List<String> targets = new ArrayList<>();
    List<Map<String, double[]>> delivered = new ArrayList<>();
    for (WindowStats s : stats) {
      Map<String, double[]> d = delivered(stack, s.startMs, s.endMs);
      d.keySet().stream().filter(k -> !targets.contains(k)).forEach(targets::add);
      delivered.add(d);
    }
    targets.sort(null);
    System.out.println();
    System.out.println(
        "| window | publishes acked | publish call p50 / p99 | reads | read p50 / p99 | errors |"
            + " heap after GC api / indexer / publisher | GC time | consumer lag | queues at end"
            + " | load |");
    System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for (int w = 0; w < stats.size(); w++) {
      WindowStats s = stats.get(w);
      long[] p = s.publishes.sorted();
      long[] r = s.reads.sorted();
      System.out.printf(
          Locale.ROOT,
          "| %d–%d min | %d | %.0f / %.0f ms | %d | %.1f / %.1f ms | %s | %s | %s | %s | %s |"
              + " %.2f |%n",
          w * windowMinutes,
          (w + 1) * windowMinutes,
          p.length,
          pct(p, 0.5),
          pct(p, 0.99),
          r.length,
          pct(r, 0.5),
          pct(r, 0.99),
          errors(s).isEmpty() ? "0" : errors(s).toString(),
          join(s, x -> x.heapAfterGcMb() + " MB"),
          join(s, x -> String.format(Locale.ROOT, "%.1f s", x.gcMillis() / 1000.0)),
          join(s, x -> Long.toString(x.lag())),
          queues(s.queues),
          s.load);
    }
    System.out.println();
    System.out.println(
        "reads by kind, p50 / p99 from the read's time (waiting for a connection included):");
    List<String> kinds = List.of("by id", "by slug", "list", "search");
    System.out.println("| window | " + String.join(" | ", kinds) + " |");
    System.out.println("| --- |" + " --- |".repeat(kinds.size()));
    for (int w = 0; w < stats.size(); w++) {
      StringBuilder row =
          new StringBuilder(
              String.format(
                  Locale.ROOT, "| %d–%d min |", w * windowMinutes, (w + 1) * windowMinutes));
      for (String k : kinds) {
        Window kw = stats.get(w).readKinds.get(k);
        long[] v = kw == null ? new long[0] : kw.sorted();
        row.append(
            String.format(
                Locale.ROOT, " %.1f / %.1f ms (%d) |", pct(v, 0.5), pct(v, 0.99), v.length));
      }
      System.out.println(row);
    }
    System.out.println();
    System.out.println(
        "publish → delivered (sent) per channel/target, p50 / p99, by publish window:");
    StringBuilder head = new StringBuilder("| window |");
    StringBuilder rule = new StringBuilder("| --- |");
    for (String t : targets) {
      head.append(' ').append(t).append(" |");
      rule.append(" --- |");
    }
    System.out.println(head);
    System.out.println(rule);
    for (int w = 0; w < stats.size(); w++) {
      StringBuilder row =
          new StringBuilder(
              String.format(
                  Locale.ROOT, "| %d–%d min |", w * windowMinutes, (w + 1) * windowMinutes));
      for (String t : targets) {
        double[] v = delivered.get(w).get(t);
        row.append(
            v == null
                ? " – |"
                : String.format(Locale.ROOT, " %.0f / %.0f ms (%d) |", v[0], v[1], (long) v[2]));
      }
      System.out.println(row);
    }
    System.out.println();
    stages(stack);
    System.out.printf(
        Locale.ROOT,
        "%nCPU calibration (SHA-256 of 256 MiB, one thread): %.0f ms before, %.0f ms after%n",
        calibrationBefore,
        calibrationAfter);
    System.out.printf(
        Locale.ROOT,
        "load acknowledged %d calls, %d unanswered; drained %s in %.0f s; last issue %s%n",
        load.acknowledged(),
        load.unanswered(),
        notDrained.map(d -> "NOT (" + d + ")").orElse("fully"),
        drainSeconds,
        lastIssue.orElse("sent"));
    System.out.println("invariants against PostgreSQL (the fault matrix's):");
    invariants.forEach(
        (name, wrong) ->
            System.out.printf(
                Locale.ROOT, "  %-10s %s%n", name, wrong.isEmpty() ? "holds" : "FAILS " + wrong));

    // Verdicts.
    System.out.println();
    WindowStats first = stats.get(0);
    WindowStats last = stats.get(stats.size() - 1);
    List<String> heapWhy = new ArrayList<>();
    boolean heapFlat = true;
    for (String name : first.services.keySet()) {
      long a = first.services.get(name).heapAfterGcMb();
      long b = last.services.get(name).heapAfterGcMb();
      long limit = Math.max(Math.round(a * (1 + HEAP_GROWTH)), a + HEAP_SLACK_MB);
      heapFlat &= b <= limit;
      heapWhy.add(String.format(Locale.ROOT, "%s %d → %d MB (limit %d)", name, a, b, limit));
    }
    verdict("heap flat", heapFlat, String.join(", ", heapWhy));

    long errorCount = 0;
    for (WindowStats s : stats) {
      errorCount += errors(s).values().stream().mapToLong(Long::longValue).sum();
    }
    long dead =
        Oracle.count(stack, "select count(*) from publisher.delivery where status = 'dead'");
    List<String> failing =
        invariants.entrySet().stream()
            .filter(e -> !e.getValue().isEmpty())
            .map(e -> e.getKey())
            .toList();
    verdict(
        "no errors",
        errorCount == 0
            && dead == 0
            && failing.isEmpty()
            && notDrained.isEmpty()
            && lastIssue.isEmpty(),
        String.format(
            Locale.ROOT,
            "%d failed calls, %d dead deliveries, invariants failing: %s, drained: %s",
            errorCount,
            dead,
            failing.isEmpty() ? "none" : failing,
            notDrained.isEmpty() ? "yes" : "no"));

    List<String> p99Why = new ArrayList<>();
    boolean stable = true;
    Map<String, double[]> p99s = new LinkedHashMap<>();
    p99s.put(
        "publish call",
        new double[] {pct(first.publishes.sorted(), 0.99), pct(last.publishes.sorted(), 0.99)});
    p99s.put(
        "read", new double[] {pct(first.reads.sorted(), 0.99), pct(last.reads.sorted(), 0.99)});
    for (String t : targets) {
      double[] a = delivered.get(0).get(t);
      double[] b = delivered.get(stats.size() - 1).get(t);
      p99s.put(
          "delivered " + t,
          new double[] {a == null ? Double.NaN : a[1], b == null ? Double.NaN : b[1]});
    }
    for (Map.Entry<String, double[]> e : p99s.entrySet()) {
      double a = e.getValue()[0];
      double b = e.getValue()[1];
      double limit = a * P99_FACTOR + P99_SLACK_MS;
      boolean ok = !Double.isNaN(a) && !Double.isNaN(b) && b <= limit;
      stable &= ok;
      p99Why.add(
          String.format(
              Locale.ROOT,
              "%s %.0f → %.0f ms (limit %.0f)%s",
              e.getKey(),
              a,
              b,
              limit,
              ok ? "" : " ✗"));
    }
    verdict("p99 stable", stable, String.join(", ", p99Why));
  }

  private static void verdict(String criterion, boolean holds, String why) {
    System.out.printf(
        Locale.ROOT, "VERDICT %-11s %s — %s%n", criterion + ":", holds ? "PASS" : "FAIL", why);
  }

  private static String join(WindowStats s, java.util.function.Function<ServiceSample, String> f) {
    List<String> out = new ArrayList<>();
    s.services.values().forEach(x -> out.add(f.apply(x)));
    return String.join(" / ", out);
  }

  private static String queues(Map<String, Long> queues) {
    List<String> out = new ArrayList<>();
    queues.forEach(
        (k, v) -> {
          if (v != 0) {
            out.add(k + " " + v);
          }
        });
    return out.isEmpty() ? "0" : String.join(", ", out);
  }

  /**
   * Per channel/target, of the deliveries whose entry was published in the window: p50, p99 of
   * publish → sent, and how many were sent.
   */
  private static Map<String, double[]> delivered(Stack stack, long fromMs, long toMs)
      throws Exception {
    Map<String, double[]> out = new TreeMap<>();
    String sql =
        "select channel || case when channel = 'social' then '/' || target else '' end,"
            + " percentile_cont(0.5) within group (order by ms),"
            + " percentile_cont(0.99) within group (order by ms), count(*)"
            + " from (select channel, target, extract(epoch from sent_at - published_at) * 1000 as ms"
            + " from publisher.delivery where status = 'sent' and published_at >= to_timestamp(?)"
            + " and published_at < to_timestamp(?)) d group by 1";
    try (Connection c = stack.oracle();
        PreparedStatement s = c.prepareStatement(sql)) {
      s.setDouble(1, fromMs / 1000.0);
      s.setDouble(2, toMs / 1000.0);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          out.put(rs.getString(1), new double[] {rs.getDouble(2), rs.getDouble(3), rs.getLong(4)});
        }
      }
    }
    return out;
  }

  /**
   * Where publish → delivered goes, over the whole run: publish → the delivery row exists (the
   * api's outbox, the relay, Kafka, the publisher's consumer), → its first attempt starts (waiting
   * for a worker), → sent (the attempt).
   */
  private static void stages(Stack stack) throws Exception {
    String sql =
        "select channel || case when channel = 'social' then '/' || target else '' end, count(*),"
            + " percentile_cont(0.5) within group (order by rec),"
            + " percentile_cont(0.99) within group (order by rec),"
            + " percentile_cont(0.5) within group (order by wait),"
            + " percentile_cont(0.99) within group (order by wait),"
            + " percentile_cont(0.5) within group (order by work),"
            + " percentile_cont(0.99) within group (order by work)"
            + " from (select d.channel, d.target,"
            + "  extract(epoch from d.created_at - d.published_at) * 1000 as rec,"
            + "  extract(epoch from a.started_at - d.created_at) * 1000 as wait,"
            + "  extract(epoch from d.sent_at - a.started_at) * 1000 as work"
            + "  from publisher.delivery d join publisher.delivery_attempt a"
            + "  on a.delivery_id = d.id and a.number = 1"
            + "  where d.status = 'sent') d group by 1 order by 1";
    try (Connection c = stack.oracle();
        PreparedStatement s = c.prepareStatement(sql);
        ResultSet rs = s.executeQuery()) {
      System.out.println(
          "stages over the whole run, p50 / p99 ms: publish → recorded by the publisher, → first"
              + " attempt starts, → sent");
      System.out.println("| channel | sent | recorded | waiting for a worker | attempt |");
      System.out.println("| --- | --- | --- | --- | --- |");
      while (rs.next()) {
        System.out.printf(
            Locale.ROOT,
            "| %s | %d | %.0f / %.0f | %.0f / %.0f | %.0f / %.0f |%n",
            rs.getString(1),
            rs.getLong(2),
            rs.getDouble(3),
            rs.getDouble(4),
            rs.getDouble(5),
            rs.getDouble(6),
            rs.getDouble(7),
            rs.getDouble(8));
      }
    }
  }

  private static double pct(long[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    return sorted[(int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] / 1e6;
  }

  private static double loadAverage() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }

  /** Milliseconds for SHA-256 of 256 MiB on one thread, best of three. */
  static double calibrate() throws Exception {
    byte[] block = new byte[1 << 20];
    ThreadLocalRandom.current().nextBytes(block);
    double best = Double.MAX_VALUE;
    for (int round = 0; round < 3; round++) {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      long t0 = System.nanoTime();
      for (int i = 0; i < 256; i++) {
        sha.update(block);
      }
      sha.digest();
      best = Math.min(best, (System.nanoTime() - t0) / 1e6);
    }
    return best;
  }
}
