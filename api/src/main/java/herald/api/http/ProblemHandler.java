package herald.api.http;

import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one failure handler of a router: every failure becomes problem+json, never a stack trace. */
public final class ProblemHandler implements Handler<RoutingContext> {
  private static final Logger LOG = LoggerFactory.getLogger(ProblemHandler.class);
  private final long maxBodyBytes;

  public ProblemHandler(long maxBodyBytes) {
    this.maxBodyBytes = maxBodyBytes;
  }

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
        .end(p.toJson().encode())
        .onComplete(done -> request.connection().close());
  }

  /**
   * A 400 the router raised itself: when the request target can't be decoded (a route whose path
   * the router failed to match against it), say so as {@link RequestTarget} would.
   */
  private static Problem targetProblem(RoutingContext ctx) {
    try {
      RequestTarget.check(ctx.request().path(), "path");
      if (ctx.request().query() != null) {
        RequestTarget.check(ctx.request().query(), "query string");
      }
    } catch (ProblemException e) {
      return e.problem();
    }
    return Problem.of(400, "bad-request", "Bad request", null);
  }

  private Problem toProblem(RoutingContext ctx) {
    Throwable f = ctx.failure();
    if (f instanceof ProblemException pe) {
      return pe.problem();
    }
    // Bodies are parsed in Bodies.object (a ProblemException); this is for handlers that decode
    // JSON themselves. An IllegalArgumentException elsewhere is a bug, a 500, not bad input.
    if (f instanceof DecodeException) {
      return Problem.of(
          400, "malformed-json", "Malformed JSON", "The request body is not valid JSON.");
    }
    int status = ctx.statusCode();
    return switch (status) {
      case 413 ->
          Problem.of(
              413,
              "body-too-large",
              "Request body too large",
              "The body exceeds the limit of " + maxBodyBytes + " bytes (HERALD_MAX_BODY_BYTES).");
      case 404 -> Problem.of(404, "not-found", "Not found", "No such resource.");
      case 405 -> Problem.of(405, "method-not-allowed", "Method not allowed", null);
      case 400 -> targetProblem(ctx);
      case 401 -> Problem.of(401, "unauthorized", "Unauthorized", null);
      case 403 -> Problem.of(403, "forbidden", "Forbidden", null);
      case 415 ->
          Problem.of(
              415, "unsupported-media-type", "Unsupported media type", "Send application/json.");
      default ->
          status > 0 && status < 500
              ? Problem.of(status, "error", "Request failed", null)
              : Problem.of(
                  500, "internal", "Internal error", "The error was logged; try again later.");
    };
  }
}
