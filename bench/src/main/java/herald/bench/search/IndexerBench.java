package herald.bench.search;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import herald.embedded.EmbeddedKafkaBroker;
import herald.events.ContentEventCodec;
import herald.events.ContentPublished;
import herald.events.FieldSchema;
import herald.events.Topics;
import herald.indexer.IndexerConfig;
import herald.indexer.IndexerVerticle;
import herald.indexer.index.ContentIndex;
import herald.indexer.index.LiveIndex;
import herald.indexer.search.ContentSearcher;
import herald.indexer.search.SearchQuery;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The indexer on its own over a real Kafka broker: 100,000 generated multilingual entries (English
 * with Serbian Latin and Cyrillic, Russian, Croatian, Macedonian and Bulgarian versions; names with
 * diacritics; events with programmes and speakers) are published to the log, then it measures
 * indexing from the log (live consumer, refresh per batch), a rebuild through {@code POST
 * /v1/admin/index/rebuild}, and a fixed mix of searches from 32 concurrent HTTP clients.
 *
 * <p>Run: {@code mvn -B -o -q -pl indexer install -DskipTests && mvn -B -o -q -pl bench compile
 * exec:exec -Dbench.main=herald.bench.search.IndexerBench}; BENCH_ENTRIES (100000), BENCH_CLIENTS
 * (32) and BENCH_SECONDS (30) change the sizes. BENCH_KEEP_DIR keeps the log and the index; with
 * it, BENCH_SEARCH_ONLY measures only the searches again and BENCH_CPU_ONLY only their CPU.
 */
public final class IndexerBench {
  /** The indexer's admin routes want the internal token. */
  private static final String TOKEN = "bench-internal-token";

  private static final String[] LOCALES = {"sr-Latn", "sr-Cyrl", "ru", "hr", "mk", "bg"};
  private static final String[] TYPES = {"article", "event", "publication", "statement"};

  private IndexerBench() {}

  public static void main(String[] args) throws Exception {
    int entries = Integer.parseInt(System.getenv().getOrDefault("BENCH_ENTRIES", "100000"));
    int clients = Integer.parseInt(System.getenv().getOrDefault("BENCH_CLIENTS", "32"));
    int seconds = Integer.parseInt(System.getenv().getOrDefault("BENCH_SECONDS", "30"));
    String keep = System.getenv("BENCH_KEEP_DIR");
    boolean searchOnly = System.getenv("BENCH_SEARCH_ONLY") != null;
    if (searchOnly && keep == null) {
      throw new IllegalArgumentException("BENCH_SEARCH_ONLY needs the BENCH_KEEP_DIR of a run");
    }
    if (System.getenv("BENCH_CPU_ONLY") != null) {
      // Measures the CPU per search of the mix on an index a previous run kept.
      cpuPerSearch(Path.of(keep).resolve("index"), new Corpus(new Random(20261127)).queries());
      return;
    }
    Path dir =
        keep != null
            ? Files.createDirectories(Path.of(keep))
            : Files.createTempDirectory("herald-indexer-bench");
    System.out.printf("data in %s; starting a Kafka broker …%n", dir);
    try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.start(dir.resolve("kafka"), 0)) {
      String topic = Topics.CONTENT;
      Topics.ensure(kafka.bootstrapServers(), topic, Topics.CONTENT_PARTITIONS);
      Corpus corpus = new Corpus(new Random(20261127));
      long documents = 0;
      if (!searchOnly) {
        long t0 = System.nanoTime();
        documents = produce(kafka.bootstrapServers(), topic, corpus, entries);
        System.out.printf(
            Locale.ROOT,
            "published %d entries (%d documents) to Kafka in %.1f s%n",
            entries,
            documents,
            secondsSince(t0));
      }

      Vertx vertx = Vertx.vertx();
      try {
        IndexerConfig config =
            new IndexerConfig(
                    0,
                    kafka.bootstrapServers(),
                    topic,
                    "bench-" + UUID.randomUUID(),
                    dir,
                    dir.resolve("index"))
                .withInternalToken(TOKEN);
        long t1 = System.nanoTime();
        IndexerVerticle indexer = new IndexerVerticle(config);
        vertx.deployVerticle(indexer).await(120, TimeUnit.SECONDS);
        int port = indexer.actualPort();
        HttpClient http =
            vertx.createHttpClient(
                new HttpClientOptions().setKeepAlive(true), new PoolOptions().setHttp1MaxSize(64));
        long expected = documents;
        waitFor(
            http,
            port,
            s ->
                s.getJsonObject("index").getLong("documents") >= expected
                    && "serving".equals(s.getString("state")));
        if (!searchOnly) {
          indexAndRebuild(http, port, entries, documents, secondsSince(t1));
        }

        List<String> mix = corpus.queries();
        System.out.printf("query mix (%d searches, cycled):%n", mix.size());
        mix.forEach(q -> System.out.println("  /v1/search?" + q));
        queries(http, port, mix, clients, seconds, "result cache on (default)");

        // The same mix with every answer computed: a second indexer on the same index, no cache.
        vertx.undeploy(vertx.deploymentIDs().iterator().next()).await(60, TimeUnit.SECONDS);
        IndexerVerticle uncached = new IndexerVerticle(config.withSearchCacheSize(0));
        vertx.deployVerticle(uncached).await(120, TimeUnit.SECONDS);
        queries(http, uncached.actualPort(), mix, clients, seconds, "result cache off");
        vertx.undeploy(vertx.deploymentIDs().iterator().next()).await(60, TimeUnit.SECONDS);
        cpuPerSearch(config.indexDir(), mix);
      } finally {
        vertx.close().await(60, TimeUnit.SECONDS);
      }
    } finally {
      if (keep == null) {
        deleteTree(dir);
      }
    }
  }

  /** Prints the indexing on start, then asks for a rebuild and times it until the swap. */
  private static void indexAndRebuild(
      HttpClient http, int port, int entries, long documents, double indexSeconds)
      throws Exception {
    long size = status(http, port).getJsonObject("index").getLong("sizeBytes");
    System.out.printf(
        Locale.ROOT,
        "indexing from the log on start (no index): %d entries, %d documents in %.1f s"
            + " = %.0f entries/s, %.0f documents/s; index %.0f MB%n",
        entries,
        documents,
        indexSeconds,
        entries / indexSeconds,
        documents / indexSeconds,
        size / 1e6);

    long t2 = System.nanoTime();
    int code =
        http.request(HttpMethod.POST, port, "127.0.0.1", "/v1/admin/index/rebuild")
            .compose(
                r ->
                    r.putHeader("X-Herald-Internal-Token", TOKEN)
                        .send()
                        .map(resp -> resp.statusCode()))
            .await(10, TimeUnit.SECONDS);
    if (code != 202) {
      throw new IllegalStateException("rebuild answered " + code);
    }
    waitFor(
        http,
        port,
        s -> {
          JsonObject r = s.getJsonObject("rebuild");
          if (r != null && "failed".equals(r.getString("state"))) {
            throw new IllegalStateException("rebuild failed: " + r.encode());
          }
          return r != null && "done".equals(r.getString("state"));
        });
    double rebuildSeconds = secondsSince(t2);
    JsonObject after = status(http, port);
    System.out.printf(
        Locale.ROOT,
        "rebuild from the log (POST /v1/admin/index/rebuild → swapped): %.1f s for %d events,"
            + " %d documents (%.0f entries/s)%n",
        rebuildSeconds,
        after.getJsonObject("rebuild").getLong("eventsRead"),
        after.getJsonObject("index").getLong("documents"),
        entries / rebuildSeconds);
  }

  /**
   * CPU time of each search of the mix on one thread, in process, without cache: what a search
   * costs whatever else runs on the machine (the HTTP figures depend on the cores left free).
   */
  private static void cpuPerSearch(Path indexDir, List<String> mix) throws Exception {
    Path current = indexDir.resolve(Files.readString(indexDir.resolve("CURRENT")).strip());
    ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
    try (ContentIndex index = ContentIndex.open(current)) {
      ContentSearcher searcher = new ContentSearcher(new LiveIndex(index), 0);
      double sum = 0;
      System.out.println("CPU per search, one thread in process, no cache (mean of 50):");
      for (String q : mix) {
        MultiMap params = MultiMap.caseInsensitiveMultiMap();
        for (String kv : q.split("&")) {
          String[] pair = kv.split("=", 2);
          params.add(pair[0], URLDecoder.decode(pair[1], StandardCharsets.UTF_8));
        }
        SearchQuery query = SearchQuery.of(params);
        for (int i = 0; i < 20; i++) {
          searcher.search(query);
        }
        long start = cpu.getCurrentThreadCpuTime();
        long total = 0;
        for (int i = 0; i < 50; i++) {
          total += searcher.search(query).total();
        }
        double ms = (cpu.getCurrentThreadCpuTime() - start) / 1e6 / 50;
        sum += ms;
        System.out.printf(Locale.ROOT, "  %8.2f ms  (%d matches)  %s%n", ms, total / 50, q);
      }
      System.out.printf(
          Locale.ROOT,
          "  mean %.2f ms of CPU per search: at most %.0f searches/s per free core%n",
          sum / mix.size(),
          1000 / (sum / mix.size()));
    }
  }

  private static void queries(
      HttpClient http, int port, List<String> mix, int clients, int seconds, String label)
      throws Exception {
    warmUp(http, port, mix, clients);
    Result r = run(http, port, mix, clients, seconds, true);
    System.out.printf(
        Locale.ROOT,
        "searches over HTTP (%s), %d concurrent clients, %d s: %d searches = %.0f/s;"
            + " p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms; errors %d%n",
        label,
        clients,
        seconds,
        r.count(),
        r.count() / (double) seconds,
        r.percentile(50),
        r.percentile(90),
        r.percentile(99),
        r.percentile(100),
        r.errors());
    System.out.println("  p99 per query of the mix:");
    for (int i = 0; i < mix.size(); i++) {
      System.out.printf(Locale.ROOT, "  %8.2f ms  %s%n", r.percentile(i, 99), mix.get(i));
    }
  }

  /**
   * Runs the mix until the JIT compiler has settled: the measured figures are those of a warm
   * server. On this machine C2 compiles Lucene's search code for about 25 s of the first searches,
   * on one of the two cores, so a short fixed warm-up measured the compiler more than the search.
   * Five-second rounds until one compiles for less than 1 % of its time, at most 2 minutes.
   */
  private static void warmUp(HttpClient http, int port, List<String> mix, int clients)
      throws Exception {
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    long started = System.nanoTime();
    int seconds = 5;
    while (true) {
      long compiling = jit.getTotalCompilationTime();
      run(http, port, mix, clients, seconds, false);
      long ms = jit.getTotalCompilationTime() - compiling;
      double elapsed = secondsSince(started);
      if (ms < seconds * 1000 / 100 || elapsed >= 120) {
        System.out.printf(
            Locale.ROOT,
            "  warm-up: %.0f s, until the JIT compiled for %d ms in the last %d s%n",
            elapsed,
            ms,
            seconds);
        return;
      }
    }
  }

  private static long produce(String bootstrap, String topic, Corpus corpus, int entries)
      throws Exception {
    long documents = 0;
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                ByteArraySerializer.class,
                ProducerConfig.LINGER_MS_CONFIG,
                20,
                ProducerConfig.BATCH_SIZE_CONFIG,
                512 * 1024,
                ProducerConfig.COMPRESSION_TYPE_CONFIG,
                "lz4"))) {
      for (int i = 0; i < entries; i++) {
        ContentPublished e = corpus.entry(i);
        documents += e.locales().size();
        producer.send(ContentEventCodec.toRecord(topic, UUID.randomUUID().toString(), "/bench", e));
      }
      producer.flush();
    }
    return documents;
  }

  private record Result(long[][] perQuery, long[] all, long errors) {
    long count() {
      return all.length;
    }

    double percentile(double p) {
      return pct(all, p);
    }

    double percentile(int query, double p) {
      return pct(perQuery[query], p);
    }

    private static double pct(long[] sorted, double p) {
      if (sorted.length == 0) {
        return Double.NaN;
      }
      int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
      return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
    }
  }

  /** Closed loop: each client sends its next search when the previous answer is in. */
  private static Result run(
      HttpClient http, int port, List<String> mix, int clients, int seconds, boolean record)
      throws Exception {
    List<ConcurrentLinkedQueue<Long>> samples = new ArrayList<>();
    mix.forEach(q -> samples.add(new ConcurrentLinkedQueue<>()));
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger errors = new AtomicInteger();
    AtomicInteger next = new AtomicInteger();
    List<CompletableFuture<Void>> done = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      CompletableFuture<Void> f = new CompletableFuture<>();
      done.add(f);
      loop(http, port, mix, samples, stop, errors, next, f);
    }
    Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
    stop.set(true);
    CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    long[][] per = new long[mix.size()][];
    List<Long> all = new ArrayList<>();
    for (int i = 0; i < mix.size(); i++) {
      per[i] = samples.get(i).stream().mapToLong(Long::longValue).sorted().toArray();
      samples.get(i).forEach(all::add);
    }
    long[] a = all.stream().mapToLong(Long::longValue).sorted().toArray();
    return new Result(per, a, errors.get());
  }

  private static void loop(
      HttpClient http,
      int port,
      List<String> mix,
      List<ConcurrentLinkedQueue<Long>> samples,
      AtomicBoolean stop,
      AtomicInteger errors,
      AtomicInteger next,
      CompletableFuture<Void> done) {
    if (stop.get()) {
      done.complete(null);
      return;
    }
    int q = Math.floorMod(next.getAndIncrement(), mix.size());
    long start = System.nanoTime();
    http.request(HttpMethod.GET, port, "127.0.0.1", "/v1/search?" + mix.get(q))
        .compose(req -> req.send().compose(resp -> resp.body().map(b -> resp.statusCode())))
        .onComplete(
            ar -> {
              if (ar.succeeded() && ar.result() == 200) {
                samples.get(q).add(System.nanoTime() - start);
              } else {
                errors.incrementAndGet();
              }
              loop(http, port, mix, samples, stop, errors, next, done);
            });
  }

  private static JsonObject status(HttpClient http, int port) throws Exception {
    return http.request(HttpMethod.GET, port, "127.0.0.1", "/v1/admin/index")
        .compose(
            r -> r.putHeader("X-Herald-Internal-Token", TOKEN).send().compose(resp -> resp.body()))
        .map(Buffer::toJsonObject)
        .await(30, TimeUnit.SECONDS);
  }

  private static void waitFor(
      HttpClient http, int port, java.util.function.Predicate<JsonObject> condition)
      throws Exception {
    long last = 0;
    while (true) {
      JsonObject s = status(http, port);
      if (condition.test(s)) {
        return;
      }
      if (System.nanoTime() - last > TimeUnit.SECONDS.toNanos(5)) {
        System.out.println("  … " + s.encode());
        last = System.nanoTime();
      }
      Thread.sleep(100);
    }
  }

  private static double secondsSince(long nanos) {
    return (System.nanoTime() - nanos) / 1e9;
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (Exception e) {
      System.out.println("could not remove " + dir + ": " + e);
    }
  }

  /** Generated content: words drawn Zipf-like from real and synthetic vocabularies per language. */
  static final class Corpus {
    private static final String[] EN =
        ("drug policy harm reduction decriminalisation webinar report strategy civil society health"
                + " human rights europe region network partners project programme needle syringe"
                + " treatment prevention people who use drugs community conference analysis evidence"
                + " recommendations government ministry law reform justice prison hepatitis hiv"
                + " services funding advocacy youth women support access action plan public cannabis"
                + " opioid substitution overdose naloxone outreach research data monitoring european"
                + " commission balkans south east western members meeting statement joint remembrance"
                + " victims brief launch online registration speakers panel discussion questions")
            .split(" ");
    private static final String[] SR =
        ("politika droga smanjenje štete dekriminalizacija vebinar izveštaj strategija civilno"
                + " društvo zdravlje ljudska prava evropa region mreža partneri projekat program"
                + " igala šprica lečenje prevencija zajednica konferencija analiza preporuke vlada"
                + " ministarstvo zakon reforma pravda zatvor usluge finansiranje mladi žene podrška"
                + " pristup akcioni plan javno predoziranje istraživanje podaci praćenje sastanak"
                + " izjava žrtve sećanje učešće")
            .split(" ");
    private static final String[] RU =
        ("политика наркотики снижение вреда декриминализация вебинар доклад стратегия"
                + " гражданское общество здоровье права человека европа регион сеть партнеры проект"
                + " программа игл шприцев лечение профилактика сообщество конференция анализ"
                + " рекомендации правительство министерство закон реформа правосудие тюрьма услуги"
                + " финансирование молодежь женщины поддержка доступ план передозировка исследование"
                + " данные встреча заявление жертвы")
            .split(" ");
    private static final String[] NAMES =
        ("Milošević Đinđić Žižek Čolić Šešelj Karadžić Petrović Jovanović Nikolić Đukić Marković"
                + " Kovačević Babić Horvat Kranjčar Mladenović Stojanović Trajkovski Dimitrov Ivanova"
                + " Popescu Hoxha Krasniqi Begić Hadžić Mehmedović Vučić Tadić Plenković Čović")
            .split(" ");
    private static final String[] CITIES =
        ("Beograd Niš Novi Sad Zagreb Sarajevo Skopje Sofia Podgorica Ljubljana Tirana Priština"
                + " Banja Luka Mostar Ohrid Split Čačak Užice Kragujevac Subotica Bitola")
            .split(" ");
    private static final String[] TAGS =
        ("harm reduction,decriminalisation,BOOST,webinar,hepatitis,HIV,naloxone,prison,youth,women,"
                + "EU,Western Balkans,civil society,funding,research,cannabis,opioids,outreach,"
                + "treatment,human rights")
            .split(",");
    private static final String[] SYLLABLES =
        "ka ri no ve sa lo mi ta de po ru ni ja ko le bra stra vi zo ge du mo pe li na".split(" ");

    private final Random random;
    private final String[] synthetic = new String[50_000];
    private final String[] surnames = new String[3_000];
    private final List<String> speakers = new ArrayList<>();

    Corpus(Random random) {
      this.random = random;
      for (int i = 0; i < synthetic.length; i++) {
        StringBuilder w = new StringBuilder();
        int n = 2 + random.nextInt(3);
        for (int s = 0; s < n; s++) {
          w.append(SYLLABLES[random.nextInt(SYLLABLES.length)]);
        }
        synthetic[i] = w.toString();
      }
      for (int i = 0; i < 500; i++) {
        speakers.add(new UUID(0x5eed, i).toString());
      }
      String[] endings = {"ić", "ović", "ević", "ski", "ov", "ova", "aj", "escu"};
      for (int i = 0; i < surnames.length; i++) {
        String stem = synthetic[random.nextInt(synthetic.length)];
        surnames[i] =
            Character.toUpperCase(stem.charAt(0))
                + stem.substring(1)
                + endings[random.nextInt(endings.length)];
      }
    }

    ContentPublished entry(int i) {
      String type = TYPES[random.nextInt(TYPES.length)];
      List<String> locales = new ArrayList<>(List.of("en"));
      if (random.nextInt(2) == 0) {
        locales.add(LOCALES[random.nextInt(LOCALES.length)]);
        if (random.nextInt(6) == 0) {
          String third = LOCALES[random.nextInt(LOCALES.length)];
          if (!locales.contains(third)) {
            locales.add(third);
          }
        }
      }
      JsonNodeFactory f = JsonNodeFactory.instance;
      ObjectNode fields = f.objectNode();
      ObjectNode title = fields.putObject("title");
      ObjectNode summary = fields.putObject("summary");
      ObjectNode body = fields.putObject("body");
      for (String l : locales) {
        title.put(l, capitalise(words(l, 5 + random.nextInt(6))));
        summary.put(l, capitalise(words(l, 12 + random.nextInt(14))) + ".");
        StringBuilder md = new StringBuilder();
        int paragraphs = 2 + random.nextInt(4);
        for (int p = 0; p < paragraphs; p++) {
          md.append(capitalise(words(l, 25 + random.nextInt(30)))).append(".\n\n");
        }
        md.append("- **").append(words(l, 3)).append("**\n- ").append(words(l, 4)).append('\n');
        body.put(l, md.toString());
      }
      var tags = fields.putArray("tags");
      int nTags = 1 + random.nextInt(3);
      for (int t = 0; t < nTags; t++) {
        tags.add(TAGS[zipf(TAGS.length)]);
      }
      List<FieldSchema> schema = new ArrayList<>();
      schema.add(new FieldSchema("title", "text", true));
      schema.add(new FieldSchema("summary", "text", true));
      schema.add(new FieldSchema("body", "richtext", true));
      schema.add(new FieldSchema("tags", "tags", false));
      Instant published = Instant.parse("2022-01-01T00:00:00Z").plusSeconds(i * 900L);
      if (type.equals("event")) {
        schema.add(new FieldSchema("startsAt", "datetime", false));
        schema.add(
            new FieldSchema(
                "programme",
                "group",
                false,
                List.of(
                    new FieldSchema("title", "text", false),
                    new FieldSchema("speakers", "references", false, List.of(), List.of("person"))),
                List.of()));
        fields.put(
            "startsAt", published.plusSeconds(86_400L * (1 + random.nextInt(60))).toString());
        var programme = fields.putArray("programme");
        for (int p = 0; p < 3; p++) {
          ObjectNode item = programme.addObject();
          item.put("title", capitalise(words("en", 4)));
          item.putArray("speakers").add(speakers.get(zipf(speakers.size())));
        }
      }
      return new ContentPublished(
          new UUID(0xbe7c, i),
          1,
          type,
          "entry-" + i,
          locales,
          List.of("website", random.nextBoolean() ? "newsletter" : "social"),
          schema,
          fields,
          published);
    }

    private String words(String locale, int n) {
      StringBuilder out = new StringBuilder();
      for (int i = 0; i < n; i++) {
        if (i > 0) {
          out.append(' ');
        }
        out.append(word(locale));
      }
      return out.toString();
    }

    private String word(String locale) {
      int r = random.nextInt(100);
      if (r < 4) {
        String name = r < 1 ? NAMES[zipf(NAMES.length)] : surnames[zipf(surnames.length)];
        return locale.equals("sr-Cyrl") || locale.equals("mk") || locale.equals("bg")
            ? Cyrillic.of(name)
            : name;
      }
      if (r < 7) {
        return CITIES[zipf(CITIES.length)];
      }
      if (r < 70) {
        return synthetic[zipf(synthetic.length)];
      }
      return switch (locale) {
        case "ru" -> RU[zipf(RU.length)];
        case "sr-Cyrl", "mk", "bg" -> Cyrillic.of(SR[zipf(SR.length)]);
        case "sr-Latn", "hr" -> SR[zipf(SR.length)];
        default -> EN[zipf(EN.length)];
      };
    }

    /** An index in [0, n) with Zipf-like weights (rank r has weight 1/(r+1)). */
    private int zipf(int n) {
      double h = Math.log(n + 1.0);
      return Math.min(n - 1, (int) Math.floor(Math.exp(random.nextDouble() * h)) - 1);
    }

    private static String capitalise(String s) {
      return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    /** The fixed mix of searches: words, phrases, prefixes, typos, scripts, filters, browsing. */
    List<String> queries() {
      String speaker = speakers.get(0);
      return List.of(
          "q=" + enc("drug policy") + "&facets=true",
          "q=" + enc("\"harm reduction\""),
          "q=" + enc("milosevic"),
          "q=" + enc("Милошевић"),
          "q=" + enc("decriminalisation webinar") + "&locale=en",
          "q=" + enc("декриминализация") + "&locale=ru",
          "q=" + enc("strat"),
          "q=" + enc("civil soci"),
          "q=" + enc("conferance "),
          "q=" + enc("strategija zdravlje"),
          "q=" + enc("health") + "&type=article&sort=date",
          "q=" + enc("europe") + "&tag=" + enc("harm reduction") + "&facets=tags,year",
          "q=" + enc("network partners project"),
          "q=" + enc("beograd"),
          "type=event&sort=date&facets=true",
          "ref=" + speaker + "&type=event",
          "q=" + enc("naloxone") + "&startsFrom=2023-01-01&startsTo=2023-12-31",
          "q=" + enc("programme") + "&limit=20");
    }

    private static String enc(String s) {
      return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
  }

  /** Serbian Latin to Cyrillic, for generating the Cyrillic versions. */
  static final class Cyrillic {
    private static final String[][] DIGRAPHS = {
      {"lj", "љ"}, {"nj", "њ"}, {"dž", "џ"}, {"Lj", "Љ"}, {"Nj", "Њ"}, {"Dž", "Џ"}
    };
    private static final String LATIN = "abcčćdđefghijklmnoprsštuvzžABCČĆDĐEFGHIJKLMNOPRSŠTUVZŽ";
    private static final String CYR = "абцчћдђефгхијклмнопрсштувзжАБЦЧЋДЂЕФГХИЈКЛМНОПРСШТУВЗЖ";

    static String of(String latin) {
      String s = latin;
      for (String[] d : DIGRAPHS) {
        s = s.replace(d[0], d[1]);
      }
      StringBuilder out = new StringBuilder(s.length());
      for (char c : s.toCharArray()) {
        int i = LATIN.indexOf(c);
        out.append(i >= 0 ? CYR.charAt(i) : c);
      }
      return out.toString();
    }
  }
}
