package herald.indexer.search;

import herald.indexer.http.ProblemException;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/** The search API. */
public final class SearchRoutes {
  private final Vertx vertx;
  private final ContentSearcher searcher;
  private final Timer latency;

  public SearchRoutes(Vertx vertx, ContentSearcher searcher, Timer latency) {
    this.vertx = vertx;
    this.searcher = searcher;
    this.latency = latency;
  }

  public void mount(Router router) {
    router.get("/v1/search").handler(this::search);
  }

  private void search(RoutingContext ctx) {
    SearchQuery query = query(ctx);
    Timer.Sample sample = Timer.start();
    // Lucene blocks on I/O; searches may run in parallel, so no ordering is asked for.
    vertx
        .executeBlocking(() -> searcher.search(query), false)
        .onComplete(r -> sample.stop(latency))
        .onSuccess(
            result ->
                ctx.response()
                    .putHeader("Content-Type", "application/json")
                    // Results change with every publish; caches must ask again.
                    .putHeader("Cache-Control", "no-cache")
                    .end(result.toJson().encode()))
        .onFailure(ctx::fail);
  }

  private static SearchQuery query(RoutingContext ctx) {
    MultiMap params;
    try {
      params = ctx.queryParams();
    } catch (IllegalArgumentException e) {
      throw ProblemException.badRequest("The query string is not valid URL encoding.");
    }
    return SearchQuery.of(params);
  }
}
