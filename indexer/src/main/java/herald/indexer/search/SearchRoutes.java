package herald.indexer.search;

import herald.indexer.http.Problem;
import herald.indexer.http.ProblemException;
import herald.indexer.http.ProblemHandler;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.MultiMap;
import io.vertx.core.WorkerExecutor;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The search API. Searches run on their own pool of a few threads (one per core by default), in the
 * order they came; at most {@link #MAX_WAITING} wait for a thread, and more get a 503.
 */
public final class SearchRoutes {
  /** Searches waiting or running beyond which a new one is refused (Elasticsearch's default). */
  static final int MAX_WAITING = 1_000;

  private final WorkerExecutor pool;
  private final ContentSearcher searcher;
  private final Timer latency;
  private final int maxWaiting;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final String siteUrl;

  /** Hits' {@code url}s relative to the site root. */
  public SearchRoutes(WorkerExecutor pool, ContentSearcher searcher, Timer latency) {
    this(pool, searcher, latency, MAX_WAITING, "");
  }

  /** Hits' {@code url}s below {@code siteUrl}, the website's public root. */
  public SearchRoutes(
      WorkerExecutor pool, ContentSearcher searcher, Timer latency, String siteUrl) {
    this(pool, searcher, latency, MAX_WAITING, siteUrl);
  }

  SearchRoutes(WorkerExecutor pool, ContentSearcher searcher, Timer latency, int maxWaiting) {
    this(pool, searcher, latency, maxWaiting, "");
  }

  private SearchRoutes(
      WorkerExecutor pool,
      ContentSearcher searcher,
      Timer latency,
      int maxWaiting,
      String siteUrl) {
    this.siteUrl = siteUrl;
    this.pool = pool;
    this.searcher = searcher;
    this.latency = latency;
    this.maxWaiting = maxWaiting;
  }

  /** Searches waiting or running now. */
  int inFlight() {
    return inFlight.get();
  }

  public void mount(Router router) {
    router.get("/v1/search").handler(this::search);
  }

  private void search(RoutingContext ctx) {
    SearchQuery query = query(ctx);
    if (inFlight.incrementAndGet() > maxWaiting) {
      // An answer to load, not a fault: sent here rather than failed (which logs an error).
      inFlight.decrementAndGet();
      ctx.response().putHeader("Retry-After", "1");
      ProblemHandler.send(
          ctx,
          Problem.of(
              503,
              "search-overloaded",
              "Too many searches",
              "More than " + maxWaiting + " searches are waiting; try again in a moment."));
      return;
    }
    Timer.Sample sample = Timer.start();
    // Searches may run in parallel, so no ordering is asked for.
    pool.executeBlocking(() -> searcher.search(query), false)
        .onComplete(
            r -> {
              inFlight.decrementAndGet();
              sample.stop(latency);
            })
        .onSuccess(
            result ->
                ctx.response()
                    .putHeader("Content-Type", "application/json")
                    // Results change with every publish; caches must ask again.
                    .putHeader("Cache-Control", "no-cache")
                    .end(result.toJson(siteUrl).encode() + "\n"))
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
