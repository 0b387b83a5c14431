package herald.indexer;

import static herald.indexer.GoldenEvents.ENTRY_ID;
import static herald.indexer.GoldenEvents.entry;
import static herald.indexer.GoldenEvents.field;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import herald.embedded.Infrastructure;
import herald.embedded.TestInfrastructure;
import herald.events.GoldenSamples;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The indexer service against real Kafka")
class IndexerIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String TOKEN = "it-internal-token";

  @TempDir static Path dataDir;

  private static IndexerConfig config;
  private static Vertx vertx;
  private static WebClient http;
  private static KafkaProducer<String, byte[]> producer;
  private static IndexerVerticle verticle;
  private static String deploymentId;

  @BeforeAll
  static void start() throws Exception {
    Infrastructure infra = TestInfrastructure.shared();
    config =
        new IndexerConfig(
                0,
                infra.kafkaBootstrapServers(),
                TestInfrastructure.uniqueTopic("indexer-it"),
                "indexer-it-" + UUID.randomUUID(),
                dataDir,
                dataDir.resolve("index"))
            .withInternalToken(TOKEN);
    vertx = Vertx.vertx();
    http = WebClient.create(vertx);
    producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                infra.kafkaBootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                ByteArraySerializer.class));
    deploy();
  }

  @AfterAll
  static void stop() throws Exception {
    if (producer != null) {
      producer.close();
    }
    if (vertx != null) {
      vertx.close().await(60, TimeUnit.SECONDS);
    }
  }

  private static void deploy() throws Exception {
    verticle = new IndexerVerticle(config);
    deploymentId = vertx.deployVerticle(verticle).await(90, TimeUnit.SECONDS);
    await().atMost(WAIT).until(() -> get("/health/ready").statusCode() == 200);
  }

  @Test
  @DisplayName("publishing the golden sample makes it searchable in both locales")
  void publishedIsSearchable() throws Exception {
    send(GoldenSamples.producerRecord(GoldenSamples.PUBLISHED, config.contentTopic()));

    JsonObject en =
        await().atMost(WAIT).until(() -> hitOf(search("syringe", "en"), ENTRY_ID), h -> h != null);
    assertEquals("event", en.getString("type"));
    assertEquals(
        "Needle and Syringe Programmes (NSP) for People Who Inject Drugs", en.getString("title"));
    assertEquals(
        "needle-and-syringe-programmes-nsp-for-people-who-inject-drugs", en.getString("slug"));
    assertTrue(en.getString("snippet").contains("<mark>syringe</mark>"), en.encode());

    JsonObject sr = hitOf(search("шприцева", "sr-Cyrl"), ENTRY_ID);
    assertEquals("sr-Cyrl", sr.getString("locale"));
  }

  @Test
  @DisplayName("the same event twice leaves one document per locale")
  void sameEventTwice() throws Exception {
    String marker = marker();
    UUID id = UUID.randomUUID();
    double skippedBefore = counter("skipped");

    ProducerRecord<String, byte[]> record = published(id, marker, v -> {});
    send(record);
    send(record);

    // Skipping is counted while the batch is applied; searches see the batch at the refresh after
    // it, so wait for both (a skipped event adds no document, so none can come later).
    await()
        .atMost(WAIT)
        .until(
            () ->
                counter("skipped") >= skippedBefore + 1
                    && search(marker, null).getLong("total") > 0);
    JsonObject all = search(marker, null);
    assertEquals(2, all.getLong("total"), all.encode());
    assertEquals(1, search(marker, "en").getLong("total"));
    assertEquals(1, search(marker, "sr-Cyrl").getLong("total"));
  }

  @Test
  @DisplayName("unpublishing removes the entry from search")
  void unpublishRemoves() throws Exception {
    String marker = marker();
    UUID id = UUID.randomUUID();
    send(published(id, marker, v -> {}));
    await().atMost(WAIT).until(() -> search(marker, null).getLong("total") == 2);

    send(GoldenSamples.producerRecord(GoldenSamples.UNPUBLISHED, config.contentTopic(), entry(id)));

    await().atMost(WAIT).until(() -> search(marker, null).getLong("total") == 0);
  }

  @Test
  @DisplayName("a poison record is skipped and the events after it are indexed")
  void poisonIsSkipped() throws Exception {
    double poisonBefore = metric("herald_consumer_poison_total{consumer=\"indexer\"}");
    UUID id = UUID.randomUUID();
    ProducerRecord<String, byte[]> golden =
        GoldenSamples.producerRecord(GoldenSamples.PUBLISHED, config.contentTopic());
    // Same partition as the good event that follows, so it really lies in between.
    send(
        new ProducerRecord<>(
            config.contentTopic(),
            0,
            id.toString(),
            "{not json".getBytes(StandardCharsets.UTF_8),
            golden.headers()));
    send(new ProducerRecord<>(config.contentTopic(), 0, id.toString(), new byte[] {1, 2, 3}));
    send(
        new ProducerRecord<>(
            config.contentTopic(), 0, id.toString(), null, new RecordHeaders(golden.headers())));

    String marker = marker();
    ProducerRecord<String, byte[]> good = published(id, marker, v -> {});
    send(new ProducerRecord<>(good.topic(), 0, good.key(), good.value(), good.headers()));

    await().atMost(WAIT).until(() -> search(marker, null).getLong("total") == 2);
    assertEquals(poisonBefore + 3, metric("herald_consumer_poison_total{consumer=\"indexer\"}"));
    assertEquals(200, get("/health/ready").statusCode());
  }

  @Test
  @DisplayName("a restarted indexer resumes where it committed, without duplicates or replay")
  void restartResumes() throws Exception {
    String before = marker();
    send(published(UUID.randomUUID(), before, v -> {}));
    await().atMost(WAIT).until(() -> search(before, null).getLong("total") == 2);

    vertx.undeploy(deploymentId).await(60, TimeUnit.SECONDS);
    deploy();

    String after = marker();
    send(published(UUID.randomUUID(), after, v -> {}));
    await().atMost(WAIT).until(() -> search(after, null).getLong("total") == 2);
    assertEquals(2, search(before, null).getLong("total"));
    // The new verticle counts from zero: only the new event was read, nothing was replayed.
    assertEquals(1.0, counter("applied"));
    assertEquals(0.0, counter("skipped"));
  }

  @Test
  @DisplayName("a bad limit is a 400 problem")
  void badLimit() throws Exception {
    for (String limit : new String[] {"0", "101", "ten"}) {
      HttpResponse<Buffer> r =
          request("/v1/search")
              .addQueryParam("q", "syringe")
              .addQueryParam("limit", limit)
              .send()
              .await(10, TimeUnit.SECONDS);
      assertProblem(r, 400);
      assertTrue(r.bodyAsJsonObject().getString("detail").contains("limit"));
    }
  }

  @Test
  @DisplayName("a missing, blank or overlong q is a problem")
  void missingQuery() throws Exception {
    assertProblem(get("/v1/search"), 400);
    assertProblem(get("/v1/search?q=%20%20"), 400);
    assertProblem(get("/v1/search?q=" + "x".repeat(1_000)), 400);
    // Past the server's request-line limit the HTTP decoder refuses it, still as a problem.
    assertProblem(get("/v1/search?q=" + "x".repeat(10_000)), 414);
  }

  @Test
  @DisplayName("query syntax in q is searched literally")
  void syntaxIsLiteral() throws Exception {
    for (String q : new String[] {"title:x^1e9", "\"unbalanced", "[a TO", "(((", "/.*/"}) {
      HttpResponse<Buffer> r =
          request("/v1/search").addQueryParam("q", q).send().await(10, TimeUnit.SECONDS);
      assertEquals(200, r.statusCode(), q);
      assertEquals(0, r.bodyAsJsonObject().getLong("total"), q);
    }
    // Wildcards and fuzziness marks are punctuation: what is left is searched as a word.
    for (String q : new String[] {"*a*", "a~"}) {
      HttpResponse<Buffer> r =
          request("/v1/search").addQueryParam("q", q).send().await(10, TimeUnit.SECONDS);
      assertEquals(200, r.statusCode(), q);
    }
  }

  @Test
  @DisplayName("control characters in q are a 400 problem")
  void controlCharacters() throws Exception {
    for (String q : new String[] {"\u0001", "harm\u0000", "a\u001b[2J"}) {
      HttpResponse<Buffer> r =
          request("/v1/search").addQueryParam("q", q).send().await(10, TimeUnit.SECONDS);
      assertProblem(r, 400);
    }
  }

  @Test
  @DisplayName(
      "a hit carries the fields of a result card, and the page carries facets and a cursor")
  void resultContract() throws Exception {
    String marker = marker();
    send(published(UUID.randomUUID(), marker, v -> {}));
    send(published(UUID.randomUUID(), marker, v -> {}));
    await().atMost(WAIT).until(() -> search(marker, null).getLong("total") == 4);

    HttpResponse<Buffer> r =
        request("/v1/search")
            .addQueryParam("q", marker)
            .addQueryParam("limit", "3")
            .addQueryParam("facets", "true")
            .send()
            .await(10, TimeUnit.SECONDS);
    assertEquals(200, r.statusCode());
    JsonObject page = r.bodyAsJsonObject();
    assertEquals(4, page.getLong("total"));
    JsonObject hit = page.getJsonArray("hits").getJsonObject(0);
    for (String field :
        new String[] {
          "id", "type", "locale", "title", "summary", "slug", "url", "date", "snippet"
        }) {
      assertTrue(hit.getValue(field) != null, field + " in " + hit.encode());
    }
    // The page on the website: the site's root (HERALD_SITE_URL, by default the local publisher's
    // /site) and the page's path.
    assertEquals(
        IndexerConfig.DEFAULT_SITE_URL
            + "/"
            + hit.getString("locale")
            + "/event/"
            + hit.getString("slug")
            + "/",
        hit.getString("url"));
    // An event's date is its start.
    assertEquals("2026-02-10T14:00:00Z", hit.getString("date"));
    assertEquals(2, page.getJsonObject("facets").getJsonArray("locale").size());
    String cursor = page.getString("nextCursor");
    assertTrue(cursor != null && !cursor.isEmpty());

    JsonObject next =
        request("/v1/search")
            .addQueryParam("q", marker)
            .addQueryParam("limit", "3")
            .addQueryParam("cursor", cursor)
            .send()
            .await(10, TimeUnit.SECONDS)
            .bodyAsJsonObject();
    assertEquals(1, next.getJsonArray("hits").size());
    assertTrue(next.getValue("nextCursor") == null);
  }

  @Test
  @DisplayName("the admin endpoints need the internal token when one is configured")
  void adminNeedsToken() throws Exception {
    assertProblem(get("/v1/admin/index"), 401);
    assertProblem(
        request("/v1/admin/index")
            .putHeader("X-Herald-Internal-Token", "wrong")
            .send()
            .await(10, TimeUnit.SECONDS),
        401);
    HttpResponse<Buffer> rebuild =
        http.post(verticle.actualPort(), "127.0.0.1", "/v1/admin/index/rebuild")
            .send()
            .await(10, TimeUnit.SECONDS);
    assertProblem(rebuild, 401);
    JsonObject status = admin();
    assertEquals("serving", status.getString("state"));
    assertTrue(status.getJsonObject("index").getLong("documents") >= 0);
    assertTrue(status.getJsonObject("index").getLong("sizeBytes") > 0);
  }

  @Test
  @DisplayName("a rebuild fills a new index from the log while the old one serves, then swaps")
  void rebuildWhileServing() throws Exception {
    String before = marker();
    UUID unpublishedId = UUID.randomUUID();
    send(published(UUID.randomUUID(), before, v -> {}));
    send(published(unpublishedId, before, v -> {}));
    // Both publishes first, so that "2" below can only mean the unpublish was applied too.
    await().atMost(WAIT).until(() -> search(before, null).getLong("total") == 4);
    send(
        GoldenSamples.producerRecord(
            GoldenSamples.UNPUBLISHED, config.contentTopic(), entry(unpublishedId)));
    await().atMost(WAIT).until(() -> search(before, null).getLong("total") == 2);
    JsonObject old = admin();
    long documents = old.getJsonObject("index").getLong("documents");
    java.util.Set<String> keysBefore = allKeys();
    String oldDirectory = old.getJsonObject("index").getString("directory");

    HttpResponse<Buffer> started =
        http.post(verticle.actualPort(), "127.0.0.1", "/v1/admin/index/rebuild")
            .putHeader("X-Herald-Internal-Token", TOKEN)
            .send()
            .await(10, TimeUnit.SECONDS);
    assertEquals(202, started.statusCode(), started.bodyAsString());
    // Searches keep being answered from the old index meanwhile, with the same results.
    String during = marker();
    send(published(UUID.randomUUID(), during, v -> {}));
    await()
        .atMost(WAIT)
        .until(
            () -> {
              assertEquals(2, search(before, null).getLong("total"));
              JsonObject rebuild = admin().getJsonObject("rebuild");
              assertTrue(!rebuild.getString("state").equals("failed"), rebuild.encode());
              return rebuild.getString("state").equals("done");
            });

    JsonObject now = admin();
    assertEquals("serving", now.getString("state"));
    assertTrue(!oldDirectory.equals(now.getJsonObject("index").getString("directory")));
    JsonObject rebuild = now.getJsonObject("rebuild");
    assertTrue(rebuild.getLong("eventsRead") > 0 && rebuild.getLong("documentsIndexed") > 0);
    await().atMost(WAIT).until(() -> search(during, null).getLong("total") == 2);
    assertEquals(2, search(before, null).getLong("total"));
    java.util.Set<String> keysAfter = allKeys();
    keysAfter.removeIf(k -> k.contains(during));
    assertEquals(keysBefore, keysAfter);
    assertEquals(documents + 2, admin().getJsonObject("index").getLong("documents"));

    // The swapped-in index follows the log.
    String after = marker();
    send(published(UUID.randomUUID(), after, v -> {}));
    await().atMost(WAIT).until(() -> search(after, null).getLong("total") == 2);
  }

  @Test
  @DisplayName("a damaged index is set aside on start and rebuilt from the log")
  void corruptIndexRebuilt() throws Exception {
    String marker = marker();
    send(published(UUID.randomUUID(), marker, v -> {}));
    await().atMost(WAIT).until(() -> search(marker, null).getLong("total") == 2);
    String directory = admin().getJsonObject("index").getString("directory");
    vertx.undeploy(deploymentId).await(60, TimeUnit.SECONDS);

    Path index = config.indexDir().resolve(directory);
    try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(index)) {
      for (Path f : files.toList()) {
        String name = f.getFileName().toString();
        if (name.endsWith(".si") || name.endsWith(".cfs") || name.endsWith(".cfe")) {
          byte[] bytes = java.nio.file.Files.readAllBytes(f);
          bytes[bytes.length / 2] ^= 0x5a;
          bytes[bytes.length - 3] ^= 0x5a;
          java.nio.file.Files.write(f, bytes);
        }
      }
    }
    deploy();

    await().atMost(WAIT).until(() -> search(marker, null).getLong("total") == 2);
    JsonObject status = admin();
    assertEquals("corrupt", status.getJsonObject("index").getString("startedFrom"));
    assertTrue(java.nio.file.Files.isDirectory(index.resolveSibling(directory + ".corrupt")));
  }

  @Test
  @DisplayName("a missing index is rebuilt from the log on start")
  void missingIndexRebuilt() throws Exception {
    String marker = marker();
    send(published(UUID.randomUUID(), marker, v -> {}));
    await().atMost(WAIT).until(() -> search(marker, null).getLong("total") == 2);
    vertx.undeploy(deploymentId).await(60, TimeUnit.SECONDS);
    herald.indexer.index.IndexStore.deleteTree(config.indexDir());

    deploy();

    await().atMost(WAIT).until(() -> search(marker, null).getLong("total") == 2);
    await().atMost(WAIT).until(() -> admin().getString("state").equals("serving"));
    assertEquals("missing", admin().getJsonObject("index").getString("startedFrom"));
  }

  @Test
  @DisplayName("an unknown path is a 401 problem without the internal token, a 404 with it")
  void unknownPath() throws Exception {
    assertProblem(get("/v1/nothing-here"), 401);
    assertProblem(
        request("/v1/nothing-here")
            .putHeader("X-Herald-Internal-Token", TOKEN)
            .send()
            .await(10, TimeUnit.SECONDS),
        404);
  }

  @Test
  @DisplayName("liveness, readiness and metrics are served")
  void operatorEndpoints() throws Exception {
    assertEquals(200, get("/health/live").statusCode());
    HttpResponse<Buffer> ready = get("/health/ready");
    assertEquals(200, ready.statusCode());
    assertEquals("UP", ready.bodyAsJsonObject().getString("status"));

    search("anything", null);
    String metrics = get("/metrics").bodyAsString();
    assertTrue(metrics.contains("herald_indexer_documents "), metrics);
    assertTrue(metrics.contains("herald_indexer_events_total{outcome=\"applied\"}"), metrics);
    assertTrue(metrics.contains("herald_consumer_lag{consumer=\"indexer\"}"), metrics);
    assertTrue(metrics.contains("herald_indexer_search_seconds_count"), metrics);
    assertTrue(metrics.contains("herald_indexer_search_seconds_bucket{le="), metrics);
    assertTrue(metrics.contains("herald_indexer_index_size_bytes "), metrics);
    assertTrue(metrics.contains("herald_indexer_refresh_age_seconds "), metrics);
    assertTrue(metrics.contains("herald_indexer_rebuilding "), metrics);
  }

  private static ProducerRecord<String, byte[]> published(
      UUID id, String marker, Consumer<ObjectNode> edit) {
    return GoldenSamples.producerRecord(
        GoldenSamples.PUBLISHED,
        config.contentTopic(),
        entry(id)
            .andThen(field("title", "en", "Webinar " + marker))
            .andThen(field("title", "sr-Cyrl", "Вебинар " + marker))
            .andThen(edit));
  }

  private static void send(ProducerRecord<String, byte[]> record) throws Exception {
    producer.send(record).get(30, TimeUnit.SECONDS);
  }

  /** A word that only one test's entry has. */
  private static String marker() {
    return "m" + UUID.randomUUID().toString().replace("-", "");
  }

  private static HttpRequest<Buffer> request(String uri) {
    return http.get(verticle.actualPort(), "127.0.0.1", uri);
  }

  private static HttpResponse<Buffer> get(String uri) throws Exception {
    return request(uri).send().await(10, TimeUnit.SECONDS);
  }

  private static JsonObject search(String q, String locale) throws Exception {
    HttpRequest<Buffer> req =
        request("/v1/search").addQueryParam("q", q).addQueryParam("limit", "100");
    if (locale != null) {
      req.addQueryParam("locale", locale);
    }
    HttpResponse<Buffer> r = req.send().await(10, TimeUnit.SECONDS);
    assertEquals(200, r.statusCode(), r.bodyAsString());
    assertEquals("application/json", r.getHeader("Content-Type"));
    return r.bodyAsJsonObject();
  }

  /** id/locale/title of every document, by browsing all of them page by page. */
  private static java.util.Set<String> allKeys() throws Exception {
    java.util.Set<String> out = new java.util.TreeSet<>();
    String cursor = null;
    do {
      HttpRequest<Buffer> req =
          request("/v1/search")
              .addQueryParam("publishedFrom", "1970-01-01")
              .addQueryParam("limit", "100");
      if (cursor != null) {
        req.addQueryParam("cursor", cursor);
      }
      JsonObject page = req.send().await(10, TimeUnit.SECONDS).bodyAsJsonObject();
      JsonArray hits = page.getJsonArray("hits");
      for (int i = 0; i < hits.size(); i++) {
        JsonObject h = hits.getJsonObject(i);
        out.add(h.getString("id") + "/" + h.getString("locale") + "/" + h.getString("title"));
      }
      cursor = page.getString("nextCursor");
    } while (cursor != null);
    return out;
  }

  private static JsonObject admin() throws Exception {
    HttpResponse<Buffer> r =
        request("/v1/admin/index")
            .putHeader("X-Herald-Internal-Token", TOKEN)
            .send()
            .await(10, TimeUnit.SECONDS);
    assertEquals(200, r.statusCode(), r.bodyAsString());
    return r.bodyAsJsonObject();
  }

  private static JsonObject hitOf(JsonObject result, String id) {
    JsonArray hits = result.getJsonArray("hits");
    for (int i = 0; i < hits.size(); i++) {
      if (id.equals(hits.getJsonObject(i).getString("id"))) {
        return hits.getJsonObject(i);
      }
    }
    return null;
  }

  /** The value of {@code herald_indexer_events_total{outcome=…}} on /metrics. */
  private static double counter(String outcome) throws Exception {
    return metric("herald_indexer_events_total{outcome=\"" + outcome + "\"}");
  }

  /** The value on /metrics of the series {@code series} (a name and its labels). */
  private static double metric(String series) throws Exception {
    String prefix = series + " ";
    return get("/metrics")
        .bodyAsString()
        .lines()
        .filter(l -> l.startsWith(prefix))
        .mapToDouble(l -> Double.parseDouble(l.substring(prefix.length()).trim()))
        .findFirst()
        .orElse(0);
  }

  private static void assertProblem(HttpResponse<Buffer> r, int status) {
    assertEquals(status, r.statusCode(), r.bodyAsString());
    assertEquals("application/problem+json", r.getHeader("Content-Type"));
    JsonObject body = r.bodyAsJsonObject();
    assertEquals(status, body.getInteger("status"));
    assertTrue(body.getString("type").startsWith("https://"), body.encode());
    assertTrue(body.containsKey("title") && body.containsKey("detail"), body.encode());
  }
}
