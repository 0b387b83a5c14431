package herald.bench.newsletter;

import herald.embedded.EmbeddedPostgresServer;
import herald.embedded.PgSettings;
import herald.events.ContentEvent;
import herald.events.ContentEventCodec;
import herald.events.ContentPublished;
import herald.publisher.channel.newsletter.LocalSmtpSink;
import herald.publisher.channel.newsletter.NewsletterConfig;
import herald.publisher.channel.newsletter.NewsletterModule;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.flywaydb.core.Flyway;

/**
 * A newsletter issue (the seed newsletter's nine items) to BENCH_SUBSCRIBERS confirmed subscribers
 * (default 10,000) through a local SMTP server: messages per second from the send request until the
 * issue is marked sent, and the JVM's heap (peak, and after GC before and after).
 *
 * <p>Real parts: embedded PostgreSQL 17, the newsletter module with its routes over HTTP, the
 * vertx-mail-client, and {@link LocalSmtpSink} (a real SMTP server, counting only).
 *
 * <p>Run: {@code mvn -q install -DskipTests && mvn -q -pl bench exec:exec
 * -Dbench.main=herald.bench.newsletter.NewsletterBench}; BENCH_RATE (default 0 = unlimited) and
 * BENCH_CONCURRENCY (default 8) set HERALD_NEWSLETTER_RATE and HERALD_NEWSLETTER_CONCURRENCY.
 */
public final class NewsletterBench {

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private NewsletterBench() {}

  public static void main(String[] args) throws Exception {
    int subscribers = Integer.parseInt(System.getenv().getOrDefault("BENCH_SUBSCRIBERS", "10000"));
    String rate = System.getenv().getOrDefault("BENCH_RATE", "0");
    String concurrency = System.getenv().getOrDefault("BENCH_CONCURRENCY", "8");
    Path dir = Files.createTempDirectory("herald-newsletter-bench");
    System.out.printf("starting PostgreSQL in %s …%n", dir);
    try (EmbeddedPostgresServer postgres = EmbeddedPostgresServer.start(dir.resolve("pg"), 0);
        LocalSmtpSink sink = LocalSmtpSink.start(0, null)) {
      PgSettings pg = postgres.settings();
      Flyway.configure()
          .dataSource(pg.jdbcUrl(), pg.user(), pg.password())
          .schemas("publisher")
          .locations("classpath:db/publisher")
          .load()
          .migrate();
      Vertx vertx = Vertx.vertx();
      Pool pool =
          PgBuilder.pool()
              .with(new PoolOptions().setMaxSize(Integer.parseInt(concurrency) + 4))
              .connectingTo(
                  new PgConnectOptions()
                      .setHost(pg.host())
                      .setPort(pg.port())
                      .setDatabase(pg.database())
                      .setUser(pg.user())
                      .setPassword(pg.password()))
              .using(vertx)
              .build();
      Map<String, String> env = new HashMap<>();
      env.put("HERALD_DATA_DIR", dir.toString());
      env.put("HERALD_SMTP_PORT", Integer.toString(sink.port()));
      env.put("HERALD_NEWSLETTER_RATE", rate);
      env.put("HERALD_NEWSLETTER_CONCURRENCY", concurrency);
      env.put("HERALD_NEWSLETTER_PUBLIC_URL", "https://news.example.org");
      env.put("HERALD_SITE_URL", "https://dpnsee.example.org");
      NewsletterModule newsletter =
          new NewsletterModule(vertx, pool, NewsletterConfig.fromEnv(env));
      Router router = Router.router(vertx);
      newsletter.mount(router);
      HttpServer server =
          vertx
              .createHttpServer()
              .requestHandler(router)
              .listen(0, "127.0.0.1")
              .await(10, TimeUnit.SECONDS);
      String base = "http://127.0.0.1:" + server.actualPort() + "/v1/manage/newsletter";

      List<ContentPublished> items = seedItems();
      for (ContentPublished item : items) {
        newsletter.channel().publish(item);
      }
      pool.query(
              "INSERT INTO publisher.newsletter_subscriber (id, email, locale, topics, status, confirmed_at)"
                  + " SELECT gen_random_uuid(), 'reader' || n || '@example.org',"
                  + " CASE WHEN n % 10 = 0 THEN 'sr-Latn' ELSE 'en' END,"
                  + " CASE WHEN n % 4 = 0 THEN ARRAY['webinar'] ELSE '{}'::text[] END,"
                  + " 'confirmed', now() FROM generate_series(1, "
                  + subscribers
                  + ") AS n")
          .execute()
          .await(60, TimeUnit.SECONDS);
      String issue =
          new JsonObject(
                  call(
                      "POST",
                      base + "/issues",
                      new JsonObject().put("subject", "DPNSEE Newsletter – January 2026")))
              .getString("id");
      System.out.printf(
          "issue %s: %d items to %d subscribers, rate %s/s, concurrency %s%n",
          issue, items.size(), subscribers, rate.equals("0") ? "unlimited" : rate, concurrency);

      MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
      System.gc();
      long heapBefore = memory.getHeapMemoryUsage().getUsed();
      AtomicLong peak = new AtomicLong(heapBefore);
      List<long[]> samples = new ArrayList<>();
      Thread sampler =
          new Thread(
              () -> {
                long start = System.nanoTime();
                while (!Thread.currentThread().isInterrupted()) {
                  long used = memory.getHeapMemoryUsage().getUsed();
                  peak.accumulateAndGet(used, Math::max);
                  synchronized (samples) {
                    samples.add(
                        new long[] {
                          (System.nanoTime() - start) / 1_000_000, used, sink.received()
                        });
                  }
                  try {
                    Thread.sleep(50);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "heap-sampler");
      sampler.setDaemon(true);
      sampler.start();

      long t0 = System.nanoTime();
      call("POST", base + "/issues/" + issue + "/send", new JsonObject());
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
      JsonObject state;
      do {
        Thread.sleep(100);
        state = new JsonObject(call("GET", base + "/issues/" + issue, null));
      } while (!"sent".equals(state.getString("status")) && System.nanoTime() < deadline);
      double seconds = (System.nanoTime() - t0) / 1e9;
      sampler.interrupt();
      sampler.join();
      System.gc();
      long heapAfter = memory.getHeapMemoryUsage().getUsed();

      JsonObject counts = state.getJsonObject("recipients");
      long sent = counts.getLong("sent");
      System.out.printf(
          "recipients: %s; the SMTP sink received %d messages%n", counts.encode(), sink.received());
      System.out.printf(
          Locale.ROOT, "sent %d messages in %.1f s: %.0f msg/s%n", sent, seconds, sent / seconds);
      System.out.printf(
          Locale.ROOT,
          "heap: %.0f MiB after GC before, peak %.0f MiB, %.0f MiB after GC after (max %.0f MiB)%n",
          mib(heapBefore),
          mib(peak.get()),
          mib(heapAfter),
          mib(memory.getHeapMemoryUsage().getMax()));
      synchronized (samples) {
        // The heap over time, in tenths of the run, to see it stay flat.
        StringBuilder line = new StringBuilder("heap over the run (MiB):");
        for (int i = 1; i <= 10 && !samples.isEmpty(); i++) {
          long[] s = samples.get(Math.min(samples.size() - 1, samples.size() * i / 10 - 1));
          line.append(String.format(Locale.ROOT, " %.0f", mib(s[1])));
        }
        System.out.println(line);
      }
      newsletter.close().await(30, TimeUnit.SECONDS);
      server.close().await(10, TimeUnit.SECONDS);
      pool.close().await(10, TimeUnit.SECONDS);
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static double mib(long bytes) {
    return bytes / (1024.0 * 1024.0);
  }

  private static String call(String method, String url, JsonObject body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(30))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body.encode()));
    if (body != null) {
      b.header("content-type", "application/json");
    }
    HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() >= 300) {
      throw new IllegalStateException(method + " " + url + " → " + r.statusCode() + " " + r.body());
    }
    return r.body();
  }

  /** The seed newsletter's items, as the launcher's demo content has them, as published events. */
  private static List<ContentPublished> seedItems() throws IOException {
    JsonArray model = new JsonArray(resource("seed/model.json"));
    JsonArray entries = new JsonArray(resource("seed/entries.json"));
    List<ContentPublished> out = new ArrayList<>();
    int i = 0;
    for (Object o : entries) {
      JsonObject e = (JsonObject) o;
      if (!e.getJsonArray("channels", new JsonArray()).contains("newsletter")) {
        continue;
      }
      JsonArray schema = new JsonArray();
      for (Object t : model) {
        if (((JsonObject) t).getString("id").equals(e.getString("type"))) {
          for (Object f : ((JsonObject) t).getJsonArray("fields")) {
            JsonObject field = ((JsonObject) f).copy();
            field.put("localized", field.getBoolean("localized", false));
            schema.add(field);
          }
        }
      }
      JsonObject fields = e.getJsonObject("fields");
      JsonArray locales = new JsonArray();
      fields.getJsonObject("title").fieldNames().forEach(locales::add);
      JsonObject data =
          new JsonObject()
              .put("entryId", UUID.randomUUID().toString())
              .put("version", 1)
              .put("type", e.getString("type"))
              .put("slug", "item-" + i)
              .put("locales", locales)
              .put("channels", e.getJsonArray("channels"))
              .put("schema", schema)
              .put("fields", fields)
              .put(
                  "publishedAt",
                  Instant.parse("2026-01-27T09:00:00Z").plusSeconds(60L * i++).toString());
      out.add(
          (ContentPublished)
              ContentEventCodec.fromData(
                  ContentEvent.PUBLISHED, Buffer.buffer(data.encode()).getBytes()));
    }
    return out;
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = NewsletterBench.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
