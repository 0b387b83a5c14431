package herald.indexer.http;

import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one failure handler of the router: every failure becomes problem+json, never a trace. */
public final class ProblemHandler implements Handler<RoutingContext> {
  private static final Logger LOG = LoggerFactory.getLogger(ProblemHandler.class);

  @Override
  public void handle(RoutingContext ctx) {
    Problem p = toProblem(ctx);
    if (p.status() >= 500) {
      LOG.error("{} {} failed", ctx.request().method(), ctx.request().path(), ctx.failure());
    }
    send(ctx, p);
  }

  /** Writes a problem as the response, unless one was already started. */
  public static void send(RoutingContext ctx, Problem p) {
    if (ctx.response().headWritten()) {
      ctx.response().reset();
      return;
    }
    ctx.response()
        .setStatusCode(p.status())
        .putHeader("Content-Type", Problem.CONTENT_TYPE)
        .putHeader("Cache-Control", "no-store")
        .end(p.toJson().encode() + "\n");
  }

  /**
   * Answers a request that could not be decoded at all (request line or headers too long, broken
   * HTTP) with a problem too; such requests never reach the router.
   */
  public static void invalidRequest(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    Problem p;
    if (cause instanceof TooLongHttpLineException) {
      p = Problem.of(414, "uri-too-long", "URI too long", "The request line is too long.");
    } else if (cause instanceof TooLongHttpHeaderException) {
      p = Problem.of(431, "headers-too-large", "Request headers too large", null);
    } else {
      p = Problem.of(400, "bad-request", "Bad request", "The request is not valid HTTP.");
    }
    // The decoder's state after such a request is unreliable, so the connection ends with it.
    request
        .response()
        .setStatusCode(p.status())
        .putHeader("Content-Type", Problem.CONTENT_TYPE)
        .putHeader("Connection", "close")
        .end(p.toJson().encode() + "\n")
        .onComplete(done -> request.connection().close());
  }

  private static Problem toProblem(RoutingContext ctx) {
    if (ctx.failure() instanceof ProblemException pe) {
      return pe.problem();
    }
    int status = ctx.statusCode();
    return switch (status) {
      case 400 -> Problem.of(400, "bad-request", "Bad request", null);
      case 404 -> Problem.of(404, "not-found", "Not found", "No such resource.");
      case 405 -> Problem.of(405, "method-not-allowed", "Method not allowed", null);
      default ->
          status > 0 && status < 500
              ? Problem.of(status, "error", "Request failed", null)
              : Problem.of(
                  500, "internal", "Internal error", "The error was logged; try again later.");
    };
  }
}
