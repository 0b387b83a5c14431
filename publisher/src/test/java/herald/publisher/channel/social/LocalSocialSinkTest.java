package herald.publisher.channel.social;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The local Mastodon and Bluesky sink")
class LocalSocialSinkTest {

  static final LocalSocialSink.Accounts ACCOUNTS =
      new LocalSocialSink.Accounts("t0ken", "herald.localhost", "app-password");

  @TempDir Path dir;
  final Vertx vertx = Vertx.vertx();
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();

  @AfterEach
  void close() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  LocalSocialSink start() throws Exception {
    return new LocalSocialSink(ACCOUNTS, dir)
        .start(vertx, "127.0.0.1", 0)
        .await(30, TimeUnit.SECONDS);
  }

  HttpResponse<String> send(String method, String url, String auth, String key, String body)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(30))
            .method(method, HttpRequest.BodyPublishers.ofString(body))
            .header("Content-Type", "application/json");
    if (auth != null) {
      b.header("Authorization", auth);
    }
    if (key != null) {
      b.header("Idempotency-Key", key);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  @DisplayName(
      "a Mastodon status is made once per idempotency key, kept as a file, and known after a"
          + " restart")
  void mastodonStatuses() throws Exception {
    LocalSocialSink sink = start();
    String status = new JsonObject().put("status", "Вебинар о декриминализацији").encode();
    HttpResponse<String> first =
        send("POST", sink.url() + "/api/v1/statuses", "Bearer t0ken", "k1", status);
    assertEquals(200, first.statusCode(), first.body());
    String id = new JsonObject(first.body()).getString("id");
    HttpResponse<String> again =
        send("POST", sink.url() + "/api/v1/statuses", "Bearer t0ken", "k1", status);
    assertEquals(id, new JsonObject(again.body()).getString("id"), "one status per key");
    Path file = dir.resolve("mastodon").resolve(id + ".json");
    assertEquals(
        "Вебинар о декриминализацији", new JsonObject(Files.readString(file)).getString("content"));
    assertEquals(
        401,
        send("POST", sink.url() + "/api/v1/statuses", "Bearer wrong", "k2", status).statusCode());

    sink.stop().await(30, TimeUnit.SECONDS);
    LocalSocialSink restarted = start();
    HttpResponse<String> afterRestart =
        send("POST", restarted.url() + "/api/v1/statuses", "Bearer t0ken", "k1", status);
    assertEquals(id, new JsonObject(afterRestart.body()).getString("id"), "keys survive");
    HttpResponse<String> other =
        send("POST", restarted.url() + "/api/v1/statuses", "Bearer t0ken", "k3", status);
    assertFalse(id.equals(new JsonObject(other.body()).getString("id")), "ids go on");

    assertEquals(
        200,
        send("DELETE", restarted.url() + "/api/v1/statuses/" + id, "Bearer t0ken", null, "")
            .statusCode());
    assertFalse(Files.exists(file));
  }

  @Test
  @DisplayName("a Bluesky session checks the app password, and a record is kept once per key")
  void blueskyRecords() throws Exception {
    LocalSocialSink sink = start();
    String xrpc = sink.url() + "/xrpc/";
    assertEquals(
        401,
        send(
                "POST",
                xrpc + "com.atproto.server.createSession",
                null,
                null,
                new JsonObject()
                    .put("identifier", "herald.localhost")
                    .put("password", "wrong")
                    .encode())
            .statusCode());
    HttpResponse<String> session =
        send(
            "POST",
            xrpc + "com.atproto.server.createSession",
            null,
            null,
            new JsonObject()
                .put("identifier", "herald.localhost")
                .put("password", "app-password")
                .encode());
    assertEquals(200, session.statusCode(), session.body());
    String jwt = "Bearer " + new JsonObject(session.body()).getString("accessJwt");
    String record =
        new JsonObject()
            .put("repo", ACCOUNTS.did())
            .put("collection", "app.bsky.feed.post")
            .put("rkey", "3kabc")
            .put("record", new JsonObject().put("text", "Webinar on decriminalisation"))
            .encode();
    assertEquals(
        200, send("POST", xrpc + "com.atproto.repo.createRecord", jwt, null, record).statusCode());
    assertEquals(
        400, send("POST", xrpc + "com.atproto.repo.createRecord", jwt, null, record).statusCode());
    Path file = dir.resolve("bluesky").resolve("3kabc.json");
    assertEquals(
        "Webinar on decriminalisation", new JsonObject(Files.readString(file)).getString("text"));
    assertTrue(
        send("GET", xrpc + "com.atproto.repo.getRecord?rkey=3kabc", jwt, null, "")
            .body()
            .contains("Webinar on decriminalisation"));
    send(
        "POST",
        xrpc + "com.atproto.repo.deleteRecord",
        jwt,
        null,
        new JsonObject().put("rkey", "3kabc").encode());
    assertFalse(Files.exists(file));
  }
}
