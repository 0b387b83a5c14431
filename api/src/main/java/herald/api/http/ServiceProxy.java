package herald.api.http;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.util.List;

/**
 * Forwards requests to another Herald service, so that the api stays the one public front door:
 * search and index administration to the indexer, newsletter and social endpoints to the publisher.
 * Authorization is checked here, before forwarding; the service behind may require the shared
 * internal token.
 */
public final class ServiceProxy {
  /** Header carrying {@code HERALD_INTERNAL_TOKEN} to services behind the api. */
  public static final String INTERNAL_TOKEN_HEADER = "X-Herald-Internal-Token";

  private static final List<String> REQUEST_HEADERS =
      List.of("Content-Type", "Accept", "Accept-Language", "If-None-Match", "If-Match");
  private static final List<String> RESPONSE_HEADERS =
      List.of(
          "Content-Type",
          "Cache-Control",
          "ETag",
          "Retry-After",
          "Location",
          "Last-Modified",
          "Surrogate-Key",
          "Content-Disposition",
          "Content-Language",
          "Content-Security-Policy");

  /** The longest answer passed on (a newsletter preview is the largest, well below this). */
  static final long MAX_RESPONSE_BYTES = 16L * 1024 * 1024;

  /** The longest a forwarded request may take, from connecting to the last byte of the answer. */
  static final long TOTAL_TIMEOUT_MS = 60_000;

  private final HttpClient client;
  private final URI target;
  private final String name;
  private final String internalToken;

  public ServiceProxy(Vertx vertx, String name, String targetUrl, String internalToken) {
    this.name = name;
    this.target = URI.create(targetUrl);
    this.internalToken = internalToken;
    this.client =
        vertx.createHttpClient(
            new HttpClientOptions().setConnectTimeout(2_000).setIdleTimeout(30).setKeepAlive(true));
  }

  /** A handler forwarding the request as it is (method, path, query, body). */
  public Handler<RoutingContext> forward() {
    return this::forward;
  }

  private void forward(RoutingContext ctx) {
    RequestOptions opts = options(ctx.request().method(), ctx.request().uri());
    for (String h : REQUEST_HEADERS) {
      String v = ctx.request().getHeader(h);
      if (v != null) {
        opts.putHeader(h, v);
      }
    }
    relay(ctx, opts, ctx.body() == null ? null : ctx.body().buffer());
  }

  /**
   * Sends a request of the api's own making (a JSON body it built) to the service and answers the
   * client with the service's answer, as {@link #forward()} does.
   */
  public void send(RoutingContext ctx, HttpMethod method, String uri, Buffer json) {
    RequestOptions opts = options(method, uri).putHeader("Content-Type", "application/json");
    String accept = ctx.request().getHeader("Accept");
    if (accept != null) {
      opts.putHeader("Accept", accept);
    }
    relay(ctx, opts, json);
  }

  private RequestOptions options(HttpMethod method, String uri) {
    RequestOptions opts =
        new RequestOptions()
            .setMethod(method)
            .setHost(target.getHost())
            .setPort(target.getPort() > 0 ? target.getPort() : 80)
            .setURI(uri)
            .setTimeout(30_000);
    if (internalToken != null) {
      opts.putHeader(INTERNAL_TOKEN_HEADER, internalToken);
    }
    return opts;
  }

  private void relay(RoutingContext ctx, RequestOptions opts, Buffer body) {
    client
        .request(opts)
        .compose(req -> body == null ? req.send() : req.send(body))
        .compose(
            resp ->
                BoundedBody.read(resp, MAX_RESPONSE_BYTES)
                    .onSuccess(
                        b -> {
                          ctx.response().setStatusCode(resp.statusCode());
                          for (String h : RESPONSE_HEADERS) {
                            String v = resp.getHeader(h);
                            if (v != null) {
                              ctx.response().putHeader(h, v);
                            }
                          }
                          ctx.response().end(b);
                        }))
        // The whole exchange, not only each read, is bounded.
        .timeout(TOTAL_TIMEOUT_MS, java.util.concurrent.TimeUnit.MILLISECONDS)
        .onFailure(
            t ->
                ProblemHandler.send(
                    ctx,
                    Problem.of(
                        503,
                        name + "-unavailable",
                        "The " + name + " service is unavailable",
                        t instanceof BoundedBody.TooLarge
                            ? "Its answer was too long."
                            : "It did not answer; try again shortly.")));
  }

  public void close() {
    client.close();
  }
}
