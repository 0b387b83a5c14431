package herald.indexer.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The indexer's internal guard")
class InternalGuardTest {
  final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  int serve(Optional<String> token) throws Exception {
    Router router = Router.router(vertx);
    router.route().handler(new InternalGuard(token));
    router.get("/v1/search").handler(ctx -> ctx.end("found"));
    router.get("/v1/admin/index").handler(ctx -> ctx.end("state"));
    router.route().failureHandler(new ProblemHandler());
    HttpServer server =
        vertx.createHttpServer().requestHandler(router).listen(0).await(10, TimeUnit.SECONDS);
    return server.actualPort();
  }

  HttpResponse<Buffer> get(int port, String path, String token) throws Exception {
    var req = WebClient.create(vertx).get(port, "127.0.0.1", path);
    if (token != null) {
      req.putHeader(InternalGuard.HEADER, token);
    }
    return req.send().await(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("without a configured token, internal routes are closed to every caller")
  void closedWithoutToken() throws Exception {
    int port = serve(Optional.empty());
    for (String given : new String[] {null, "", "anything"}) {
      HttpResponse<Buffer> r = get(port, "/v1/admin/index", given);
      assertEquals(401, r.statusCode());
      assertEquals("application/problem+json", r.getHeader("content-type"));
      assertTrue(r.bodyAsJsonObject().getString("detail").contains("HERALD_INTERNAL_TOKEN"));
    }
    assertEquals("found", get(port, "/v1/search", null).bodyAsString());
  }

  @Test
  @DisplayName("with a token, only that token opens internal routes, also behind dot segments")
  void onlyTheToken() throws Exception {
    int port = serve(Optional.of("s3cret"));
    assertEquals(401, get(port, "/v1/admin/index", null).statusCode());
    assertEquals(401, get(port, "/v1/admin/index", "s3cre").statusCode());
    assertEquals(401, get(port, "/v1/search/../admin/index", null).statusCode());
    assertEquals("state", get(port, "/v1/admin/index", "s3cret").bodyAsString());
  }
}
