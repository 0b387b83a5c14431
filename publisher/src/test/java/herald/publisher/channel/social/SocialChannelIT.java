package herald.publisher.channel.social;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import herald.embedded.PgSettings;
import herald.embedded.TestInfrastructure;
import herald.events.ContentEvent;
import herald.events.ContentEventCodec;
import herald.events.ContentPublished;
import herald.events.ContentUnpublished;
import herald.events.GoldenSamples;
import herald.publisher.channel.DeliveryContext;
import herald.publisher.channel.RetryLaterException;
import herald.publisher.channel.UndeliverableException;
import herald.publisher.channel.social.FakeNetworks.Received;
import herald.publisher.channel.social.FakeNetworks.Trouble;
import herald.publisher.channel.social.SocialPostRepository.StoredPost;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The social channel against local servers speaking Mastodon's API, a Bluesky PDS's XRPC and a
 * signed webhook, with its post table in real PostgreSQL.
 */
@DisplayName("The social channel")
class SocialChannelIT {

  // The timeout of a call that should get its answer: a ceiling a loaded machine does not reach
  // (2 s was missed with the whole suite beside a CPU-heavy job). Tests of a network that does
  // not answer use an impatient channel of their own.
  static final Duration PATIENT = Duration.ofSeconds(60);

  static final String SITE = "https://dpnsee.example.org";
  static final String SECRET =
      "whsec_"
          + java.util.Base64.getEncoder()
              .encodeToString("hook-key-0123456789".getBytes(StandardCharsets.UTF_8));

  static Vertx vertx;
  static Pool pool;

  FakeNetworks networks;
  SocialChannel channel;
  UUID entryId;

  @BeforeAll
  static void database() {
    PgSettings pg = TestInfrastructure.freshDatabase();
    Flyway.configure()
        .dataSource(pg.jdbcUrl(), pg.user(), pg.password())
        .schemas("publisher")
        .locations("classpath:db/publisher")
        .load()
        .migrate();
    vertx = Vertx.vertx();
    pool =
        PgBuilder.pool()
            .connectingTo(
                new PgConnectOptions()
                    .setHost(pg.host())
                    .setPort(pg.port())
                    .setDatabase(pg.database())
                    .setUser(pg.user())
                    .setPassword(pg.password()))
            .using(vertx)
            .build();
  }

  @AfterAll
  static void close() throws Exception {
    pool.close().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @BeforeEach
  void setUp() throws Exception {
    networks = new FakeNetworks(vertx);
    channel = channel(PATIENT);
    // Each test posts its own entry.
    entryId = UUID.randomUUID();
  }

  @AfterEach
  void tearDown() throws Exception {
    networks.close();
  }

  SocialChannel channel(Duration timeout) {
    SocialConfig config =
        SocialConfig.fromEnv(
            java.util.Map.of(
                "HERALD_SITE_URL",
                SITE,
                "HERALD_SOCIAL_ACCOUNTS",
                new JsonArray()
                    .add(
                        new JsonObject()
                            .put("id", "masto")
                            .put("network", "mastodon")
                            .put("url", networks.url())
                            .put("token", FakeNetworks.TOKEN))
                    .add(
                        new JsonObject()
                            .put("id", "bsky")
                            .put("network", "bluesky")
                            .put("url", networks.url())
                            .put("handle", FakeNetworks.HANDLE)
                            .put("password", FakeNetworks.APP_PASSWORD)
                            .put("locale", "ru"))
                    .add(
                        new JsonObject()
                            .put("id", "buffer")
                            .put("network", "webhook")
                            .put("url", networks.url() + "/hook")
                            .put("secret", SECRET))
                    .encode()));
    config = new SocialConfig(config.accounts(), config.siteUrl(), timeout);
    return new SocialChannel(config, pool, HttpClient.newHttpClient(), Clock.systemUTC());
  }

  ContentPublished published(long version, Consumer<ObjectNode> edit) {
    ObjectNode value = (ObjectNode) GoldenSamples.json(GoldenSamples.PUBLISHED_FULL).get("value");
    value.put("entryId", entryId.toString());
    value.put("version", version);
    edit.accept(value);
    return (ContentPublished)
        ContentEventCodec.fromData(
            ContentEvent.PUBLISHED, value.toString().getBytes(StandardCharsets.UTF_8));
  }

  ContentPublished published(long version) {
    return published(version, v -> {});
  }

  ContentUnpublished unpublished(long version) {
    return new ContentUnpublished(
        entryId,
        version,
        "event",
        "webinar-on-decriminalisation",
        List.of("en"),
        List.of("social"),
        java.time.Instant.parse("2025-11-21T10:00:00Z"));
  }

  List<StoredPost> rows() throws Exception {
    return new SocialPostRepository().findByEntry(pool, entryId).await(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("publishing posts once to Mastodon, Bluesky and the webhook, as each protocol wants")
  void postsToEveryAccount() throws Exception {
    ContentPublished entry = published(5);
    channel.publish(entry);

    // Mastodon: the text, the token and the delivery's idempotency key.
    Received toot = networks.requests("POST", "/api/v1/statuses").get(0);
    assertEquals("Bearer " + FakeNetworks.TOKEN, toot.headers().get("Authorization"));
    assertEquals(
        SocialChannel.idempotencyKey(entryId, 5, "social", "masto"),
        toot.headers().get("Idempotency-Key"));
    assertEquals(
        SocialText.compose(entry, "en", Network.MASTODON, SITE).text(),
        toot.json().getString("status"));
    assertEquals("public", toot.json().getString("visibility"));
    assertEquals("en", toot.json().getString("language"));

    // Bluesky: a session from the app password, then the record in Russian with facets.
    Received session = networks.requests("POST", "/xrpc/com.atproto.server.createSession").get(0);
    assertEquals(FakeNetworks.HANDLE, session.json().getString("identifier"));
    Received create = networks.requests("POST", "/xrpc/com.atproto.repo.createRecord").get(0);
    assertEquals("Bearer jwt-1", create.headers().get("Authorization"));
    JsonObject body = create.json();
    assertEquals(FakeNetworks.DID, body.getString("repo"));
    assertEquals("app.bsky.feed.post", body.getString("collection"));
    assertEquals(13, body.getString("rkey").length());
    JsonObject record = body.getJsonObject("record");
    assertEquals("app.bsky.feed.post", record.getString("$type"));
    String text = record.getString("text");
    assertTrue(text.startsWith("Вебинар о декриминализации\n\nВебинар по политике"), text);
    assertEquals("2025-11-20T10:00:00Z", record.getString("createdAt"));
    assertEquals(new JsonArray().add("ru"), record.getJsonArray("langs"));
    JsonObject link = record.getJsonArray("facets").getJsonObject(0);
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    String linked =
        new String(
            Arrays.copyOfRange(
                bytes,
                link.getJsonObject("index").getInteger("byteStart"),
                link.getJsonObject("index").getInteger("byteEnd")),
            StandardCharsets.UTF_8);
    assertEquals(SITE + "/ru/event/webinar-on-decriminalisation/", linked);

    // The webhook: Standard Webhooks headers and a signature the receiver can check.
    Received hook = networks.requests("POST", "/hook").get(0);
    String id = hook.headers().get("webhook-id");
    String ts = hook.headers().get("webhook-timestamp");
    assertEquals(SocialChannel.idempotencyKey(entryId, 5, "social", "buffer"), id);
    assertEquals(
        "v1," + WebhookClient.sign(SECRET, id + "." + ts + "." + hook.body()),
        hook.headers().get("webhook-signature"));
    assertEquals("social.post.created", hook.json().getString("type"));
    assertEquals(entryId.toString(), hook.json().getJsonObject("data").getString("entryId"));
    assertTrue(Math.abs(Long.parseLong(ts) - System.currentTimeMillis() / 1000) < 60);

    List<StoredPost> rows = rows();
    assertEquals(3, rows.size());
    assertTrue(rows.stream().allMatch(StoredPost::posted));
    StoredPost bsky =
        rows.stream().filter(r -> r.account().equals("bsky")).findFirst().orElseThrow();
    assertEquals(
        "at://" + FakeNetworks.DID + "/app.bsky.feed.post/" + body.getString("rkey"),
        bsky.remoteUri());
  }

  @Test
  @DisplayName("the same version twice posts once")
  void sameVersionTwice() throws Exception {
    channel.publish(published(5));
    channel.publish(published(5));

    assertEquals(1, networks.requests("POST", "/api/v1/statuses").size());
    assertEquals(1, networks.requests("POST", "/xrpc/com.atproto.repo.createRecord").size());
    assertEquals(1, networks.requests("POST", "/hook").size());
    assertEquals(1, networks.statuses.size());
    assertEquals(1, networks.records.size());
  }

  @Test
  @DisplayName(
      "a newer version edits the Mastodon status, keeps the Bluesky post and tells the webhook")
  void newerVersionEdits() throws Exception {
    channel.publish(published(5));
    String statusId = networks.statuses.keySet().iterator().next();
    channel.publish(
        published(
            6,
            v ->
                ((ObjectNode) v.get("fields").get("title"))
                    .put("en", "Webinar on decriminalisation: recording online")));

    List<Received> edits = networks.requests("PUT", "/api/v1/statuses/" + statusId);
    assertEquals(1, edits.size());
    assertTrue(
        edits
            .get(0)
            .json()
            .getString("status")
            .startsWith("Webinar on decriminalisation: recording online"));
    assertEquals(1, networks.statuses.size(), "no second status");
    assertEquals(1, networks.requests("POST", "/xrpc/com.atproto.repo.createRecord").size());
    List<Received> hooks = networks.requests("POST", "/hook");
    assertEquals("social.post.updated", hooks.get(1).json().getString("type"));
    assertEquals(
        hooks.get(0).headers().get("webhook-id"),
        hooks.get(1).json().getJsonObject("data").getString("postId"));
    assertTrue(rows().stream().allMatch(r -> r.version() == 6));
  }

  @Test
  @DisplayName("unpublishing deletes exactly what was posted, and twice is not an error")
  void unpublishDeletes() throws Exception {
    channel.publish(published(5));
    String statusId = networks.statuses.keySet().iterator().next();
    String rkey = networks.records.keySet().iterator().next();

    channel.unpublish(unpublished(7));
    channel.unpublish(unpublished(7));

    assertEquals(1, networks.requests("DELETE", "/api/v1/statuses/" + statusId).size());
    List<Received> deletes = networks.requests("POST", "/xrpc/com.atproto.repo.deleteRecord");
    assertEquals(1, deletes.size());
    assertEquals(rkey, deletes.get(0).json().getString("rkey"));
    assertEquals(FakeNetworks.DID, deletes.get(0).json().getString("repo"));
    assertEquals(
        "social.post.deleted", networks.requests("POST", "/hook").get(1).json().getString("type"));
    assertTrue(networks.statuses.isEmpty());
    assertTrue(networks.records.isEmpty());
    assertTrue(rows().isEmpty());
  }

  @Test
  @DisplayName("a 500 is retried later; the retry posts only where it failed, with the same key")
  void serverErrorIsRetried() throws Exception {
    networks.trouble("/api/v1/statuses", Trouble.STATUS, 500, null);
    RetryLaterException e =
        assertThrows(RetryLaterException.class, () -> channel.publish(published(5)));
    assertTrue(e.getMessage().contains("masto: mastodon masto post: HTTP 500"), e.getMessage());
    assertTrue(e.retryAfter().isEmpty());
    assertEquals(1, networks.records.size(), "Bluesky was posted meanwhile");

    channel.publish(published(5));

    List<Received> posts = networks.requests("POST", "/api/v1/statuses");
    assertEquals(2, posts.size());
    assertEquals(
        posts.get(0).headers().get("Idempotency-Key"),
        posts.get(1).headers().get("Idempotency-Key"));
    assertEquals(1, networks.requests("POST", "/xrpc/com.atproto.repo.createRecord").size());
    assertEquals(1, networks.requests("POST", "/hook").size());
    assertEquals(1, networks.statuses.size());
  }

  @Test
  @DisplayName("a 429 with Retry-After is retried no sooner than asked")
  void tooManyRequests() {
    networks.trouble("/xrpc/com.atproto.repo.createRecord", Trouble.STATUS, 429, "120");
    RetryLaterException e =
        assertThrows(RetryLaterException.class, () -> channel.publish(published(5)));
    assertEquals(Duration.ofSeconds(120), e.retryAfter().orElseThrow());
  }

  @Test
  @DisplayName("410, 401 and 422 are permanent: undeliverable, with the reason")
  void permanentFailures() throws Exception {
    for (int status : new int[] {410, 401, 422}) {
      entryId = UUID.randomUUID();
      networks.trouble("/api/v1/statuses", Trouble.STATUS, status, null);
      UndeliverableException e =
          assertThrows(UndeliverableException.class, () -> channel.publish(published(5)));
      assertTrue(e.getMessage().contains("HTTP " + status), e.getMessage());
    }
  }

  @Test
  @DisplayName("a wrong Bluesky app password is undeliverable")
  void wrongAppPassword() {
    SocialConfig bad =
        new SocialConfig(
            List.of(
                new SocialAccount(
                    "bsky", Network.BLUESKY, networks.url(), FakeNetworks.HANDLE, "wrong", null)),
            SITE,
            PATIENT);
    SocialChannel c = new SocialChannel(bad, pool, HttpClient.newHttpClient(), Clock.systemUTC());
    UndeliverableException e =
        assertThrows(UndeliverableException.class, () -> c.publish(published(5)));
    assertTrue(e.getMessage().contains("app password"), e.getMessage());
  }

  @Test
  @DisplayName("a network that hangs times out and is retried later")
  void hangTimesOut() {
    SocialChannel impatient = channel(Duration.ofMillis(500));
    networks.trouble("/hook", Trouble.HANG, 0, null);
    RetryLaterException e =
        assertThrows(RetryLaterException.class, () -> impatient.publish(published(5)));
    assertTrue(e.getMessage().contains("no answer within"), e.getMessage());
  }

  @Test
  @DisplayName("an answer lost after the post went through does not give a second post on retry")
  void lostAnswerNoDuplicate() throws Exception {
    SocialChannel impatient = channel(Duration.ofMillis(500));
    networks.trouble("/api/v1/statuses", Trouble.EFFECT_THEN_HANG, 0, null);
    networks.trouble("/xrpc/com.atproto.repo.createRecord", Trouble.EFFECT_THEN_HANG, 0, null);
    assertThrows(RetryLaterException.class, () -> impatient.publish(published(5)));
    assertTrue(rows().stream().anyMatch(r -> r.status().equals("posting")));

    // As after a crash: a new channel, the same rows.
    channel(PATIENT).publish(published(5));

    assertEquals(1, networks.statuses.size(), "one Mastodon status");
    assertEquals(1, networks.records.size(), "one Bluesky record");
    assertEquals(2, networks.requests("POST", "/xrpc/com.atproto.repo.createRecord").size());
    assertTrue(rows().stream().allMatch(StoredPost::posted));
    assertNotNull(
        rows().stream()
            .filter(r -> r.account().equals("masto"))
            .findFirst()
            .orElseThrow()
            .remoteId());
  }

  @Test
  @DisplayName("an answer without end is cut off after a bounded read and retried later")
  void endlessAnswer() throws Exception {
    networks.trouble("/api/v1/statuses", Trouble.ENDLESS, 0, null);
    RetryLaterException e =
        assertThrows(RetryLaterException.class, () -> channel.publish(published(5)));
    assertTrue(e.getMessage().contains("longer than"), e.getMessage());
    assertTrue(
        networks.endlessBytes.get() < 64L * 1024 * 1024,
        "read no more than it had to: " + networks.endlessBytes.get());
  }

  @Test
  @DisplayName(
      "a retry after Mastodon forgot the idempotency key finds the status that went through")
  void retryPastTheIdempotencyWindow() throws Exception {
    SocialChannel impatient = channel(Duration.ofMillis(500));
    networks.trouble("/api/v1/statuses", Trouble.EFFECT_THEN_HANG, 0, null);
    assertThrows(RetryLaterException.class, () -> impatient.publish(published(5)));
    assertEquals(1, networks.statuses.size());
    String first = networks.statuses.keySet().iterator().next();
    // Two hours later, retries backing off: Mastodon no longer knows the key.
    pool.preparedQuery(
            "UPDATE publisher.social_post SET first_tried_at = now() - interval '2 hours'"
                + " WHERE entry_id = $1 AND account = 'masto'")
        .execute(io.vertx.sqlclient.Tuple.of(entryId))
        .await(10, TimeUnit.SECONDS);
    networks.forgetIdempotencyKeys();

    channel(PATIENT).publish(published(5));

    assertEquals(Set.of(first), networks.statuses.keySet(), "no second status");
    assertEquals(1, networks.requests("GET", "/api/v1/accounts/1/statuses").size());
    StoredPost masto =
        rows().stream().filter(r -> r.account().equals("masto")).findFirst().orElseThrow();
    assertTrue(masto.posted());
    assertEquals(first, masto.remoteId());
  }

  @Test
  @DisplayName(
      "a newer version after an answer lost on the way back edits the post that went through")
  void newerVersionAfterLostAnswer() throws Exception {
    SocialChannel impatient = channel(Duration.ofMillis(500));
    networks.trouble("/api/v1/statuses", Trouble.EFFECT_THEN_HANG, 0, null);
    networks.trouble("/hook", Trouble.EFFECT_THEN_HANG, 0, null);
    assertThrows(RetryLaterException.class, () -> impatient.publish(published(5)));
    assertTrue(rows().stream().anyMatch(r -> r.status().equals("posting")));

    // Version 5's retry is superseded by version 6, which finds version 5's try unfinished.
    ContentPublished v6 =
        published(
            6,
            v ->
                ((ObjectNode) v.get("fields").get("title"))
                    .put("en", "Webinar on decriminalisation: recording online"));
    channel(PATIENT).publish(v6);

    assertEquals(1, networks.statuses.size(), "no second status");
    assertEquals(
        SocialText.compose(v6, "en", Network.MASTODON, SITE).text(),
        networks.statuses.values().iterator().next().getString("content"),
        "the status shows version 6");
    assertTrue(
        networks.webhookEvents().values().stream()
            .anyMatch(
                e ->
                    e.getString("type").equals("social.post.updated")
                        && e.getJsonObject("data").getLong("version") == 6),
        "the webhook heard of version 6: " + networks.webhookEvents());
    assertTrue(rows().stream().allMatch(r -> r.posted() && r.version() == 6));
  }

  @Test
  @DisplayName("one delivery per account: a target's delivery posts and deletes only there")
  void deliveryPerTarget() throws Exception {
    ContentPublished entry = published(5);
    assertEquals(List.of("masto", "bsky", "buffer"), channel.targets(entry));

    DeliveryContext bsky = DeliveryContext.of(entryId, 5, "social", "bsky", 1);
    channel.publish(entry, bsky);
    channel.publish(entry, bsky);
    assertEquals(1, networks.records.size());
    assertTrue(networks.requests("POST", "/api/v1/statuses").isEmpty());
    assertTrue(networks.requests("POST", "/hook").isEmpty());

    DeliveryContext masto = DeliveryContext.of(entryId, 5, "social", "masto", 2);
    channel.publish(entry, masto);
    assertEquals(
        masto.idempotencyKey(),
        networks.requests("POST", "/api/v1/statuses").get(0).headers().get("Idempotency-Key"));

    channel.unpublish(unpublished(7), DeliveryContext.of(entryId, 7, "social", "bsky", 1));
    assertTrue(networks.records.isEmpty());
    assertEquals(1, networks.statuses.size(), "the Mastodon status is another delivery's");
    assertEquals(List.of("masto"), rows().stream().map(StoredPost::account).toList());

    assertThrows(
        UndeliverableException.class,
        () -> channel.publish(entry, DeliveryContext.of(entryId, 5, "social", "gone", 1)));
  }

  @Test
  @DisplayName("POST /v1/social/preview shows each network's text for entry fields")
  void previewEndpoint() throws Exception {
    Router router = Router.router(vertx);
    channel.mount(router);
    HttpServer server =
        vertx
            .createHttpServer()
            .requestHandler(router)
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS);
    WebClient web = WebClient.create(vertx);
    try {
      JsonObject entry =
          new JsonObject()
              .put("type", "article")
              .put("slug", "harm-reduction-in-nis")
              .put(
                  "fields",
                  new JsonObject()
                      .put(
                          "title",
                          new JsonObject()
                              .put("en", "Harm reduction in Niš")
                              .put("sr-Cyrl", "Смањење штете у Нишу"))
                      .put(
                          "summary",
                          new JsonObject()
                              .put("en", "Needle exchange opens. 💉")
                              .put("sr-Cyrl", "Отвара се размена игала."))
                      .put("tags", new JsonArray().add("harm reduction")));
      HttpResponse<Buffer> r =
          web.post(server.actualPort(), "127.0.0.1", "/v1/social/preview?locale=sr-Cyrl")
              .sendJsonObject(entry)
              .await(10, TimeUnit.SECONDS);
      assertEquals(200, r.statusCode(), r.bodyAsString());
      JsonObject preview = r.bodyAsJsonObject();
      assertEquals("sr-Cyrl", preview.getString("locale"));
      JsonObject mastodon = preview.getJsonArray("posts").getJsonObject(0);
      assertEquals("mastodon", mastodon.getString("network"));
      assertEquals(
          "Смањење штете у Нишу\n\nОтвара се размена игала.\n\n"
              + SITE
              + "/sr-Cyrl/article/harm-reduction-in-nis/\n\n#HarmReduction",
          mastodon.getString("text"));
      assertEquals(500, mastodon.getInteger("limit"));
      JsonObject bluesky = preview.getJsonArray("posts").getJsonObject(1);
      assertEquals(2, bluesky.getJsonArray("facets").size());
      assertEquals(3, preview.getJsonArray("accounts").size());

      HttpResponse<Buffer> bad =
          web.post(server.actualPort(), "127.0.0.1", "/v1/social/preview")
              .sendJsonObject(new JsonObject().put("type", "article"))
              .await(10, TimeUnit.SECONDS);
      assertEquals(422, bad.statusCode());
      assertEquals("application/problem+json", bad.getHeader("content-type"));
      assertEquals(422, bad.bodyAsJsonObject().getInteger("status"));
    } finally {
      web.close();
      server.close().await(10, TimeUnit.SECONDS);
    }
  }
}
