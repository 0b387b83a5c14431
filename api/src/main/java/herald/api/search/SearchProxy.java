package herald.api.search;

import herald.api.http.Problem;
import herald.api.http.ProblemHandler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.util.List;

/** Forwards {@code /v1/search} to the indexer, so that the api is the one public front door. */
public final class SearchProxy {
  private static final List<String> PASSED_HEADERS =
      List.of("Content-Type", "Cache-Control", "ETag", "Retry-After");
  private final HttpClient client;
  private final URI indexer;

  public SearchProxy(Vertx vertx, String indexerUrl) {
    this.indexer = URI.create(indexerUrl);
    this.client =
        vertx.createHttpClient(
            new HttpClientOptions().setConnectTimeout(2_000).setIdleTimeout(30).setKeepAlive(true));
  }

  public void mount(Router router) {
    router.get("/v1/search").handler(this::forward);
  }

  private void forward(RoutingContext ctx) {
    String query = ctx.request().query();
    RequestOptions opts =
        new RequestOptions()
            .setMethod(HttpMethod.GET)
            .setHost(indexer.getHost())
            .setPort(indexer.getPort() > 0 ? indexer.getPort() : 80)
            .setURI("/v1/search" + (query == null ? "" : "?" + query))
            .setTimeout(10_000);
    client
        .request(opts)
        .compose(req -> req.send())
        .compose(
            resp ->
                resp.body()
                    .onSuccess(
                        body -> {
                          ctx.response().setStatusCode(resp.statusCode());
                          for (String h : PASSED_HEADERS) {
                            String v = resp.getHeader(h);
                            if (v != null) {
                              ctx.response().putHeader(h, v);
                            }
                          }
                          ctx.response().end(body);
                        }))
        .onFailure(
            t ->
                ProblemHandler.send(
                    ctx,
                    Problem.of(
                        503,
                        "search-unavailable",
                        "Search is unavailable",
                        "The search service did not answer; try again shortly.")));
  }

  public void close() {
    client.close();
  }
}
