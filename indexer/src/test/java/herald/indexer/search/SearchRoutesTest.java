package herald.indexer.search;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import herald.indexer.GoldenEvents;
import herald.indexer.http.ProblemHandler;
import herald.indexer.index.ContentIndex;
import herald.indexer.index.LiveIndex;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The search routes")
class SearchRoutesTest {
  @TempDir Path dir;

  @Test
  @DisplayName("beyond the searches allowed to wait, a search gets a 503 problem with Retry-After")
  void overloadIs503() throws Exception {
    Vertx vertx = Vertx.vertx();
    CountDownLatch release = new CountDownLatch(1);
    try (ContentIndex index = ContentIndex.open(dir)) {
      index.apply(GoldenEvents.published());
      index.refresh();
      WorkerExecutor pool = vertx.createSharedWorkerExecutor("search-routes-test", 1);
      // The pool's one thread is busy until released.
      pool.executeBlocking(() -> release.await(30, TimeUnit.SECONDS));
      Timer latency = Timer.builder("t").register(new SimpleMeterRegistry());
      Router router = Router.router(vertx);
      SearchRoutes routes =
          new SearchRoutes(pool, new ContentSearcher(new LiveIndex(index)), latency, 1);
      routes.mount(router);
      router.route().failureHandler(new ProblemHandler());
      HttpServer server =
          vertx.createHttpServer().requestHandler(router).listen(0).await(10, TimeUnit.SECONDS);
      WebClient http = WebClient.create(vertx);
      int port = server.actualPort();

      // The first waits for the thread; the second is one too many.
      var waiting = http.get(port, "localhost", "/v1/search?q=syringe").send();
      await().atMost(Duration.ofSeconds(60)).until(() -> routes.inFlight() == 1);
      HttpResponse<Buffer> refused =
          http.get(port, "localhost", "/v1/search?q=syringe").send().await(60, TimeUnit.SECONDS);
      assertEquals(503, refused.statusCode());
      assertEquals("application/problem+json", refused.getHeader("Content-Type"));
      assertEquals("1", refused.getHeader("Retry-After"));
      assertTrue(refused.bodyAsJsonObject().getString("type").endsWith("/search-overloaded"));

      release.countDown();
      HttpResponse<Buffer> answered = waiting.await(60, TimeUnit.SECONDS);
      assertEquals(200, answered.statusCode());
      assertEquals(1, new JsonObject(answered.bodyAsString()).getJsonArray("hits").size());
      // Once it is answered, the next one is taken again.
      assertEquals(
          200,
          http.get(port, "localhost", "/v1/search?q=syringe")
              .send()
              .await(10, TimeUnit.SECONDS)
              .statusCode());
    } finally {
      release.countDown();
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
