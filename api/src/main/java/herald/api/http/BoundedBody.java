package herald.api.http;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;

/**
 * Reads the body of a response from another server, but never more than a limit: beyond it the
 * connection is reset and the read fails with {@link TooLarge}. Every outbound client of the api
 * reads bodies this way, so that a server streaming without end cannot fill the heap.
 */
public final class BoundedBody {
  private BoundedBody() {}

  /** The body was longer than the limit. */
  public static final class TooLarge extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TooLarge(long max) {
      super("the response body is longer than " + max + " bytes", null, false, false);
    }
  }

  /** At most {@code max} bytes of the body; longer bodies fail and cut the connection. */
  public static Future<Buffer> read(HttpClientResponse response, long max) {
    Promise<Buffer> done = Promise.promise();
    Buffer body = Buffer.buffer();
    response.exceptionHandler(done::tryFail);
    response.handler(
        chunk -> {
          if (done.future().isComplete()) {
            return;
          }
          if (body.length() + chunk.length() > max) {
            done.tryFail(new TooLarge(max));
            response.request().reset();
            return;
          }
          body.appendBuffer(chunk);
        });
    response.endHandler(v -> done.tryComplete(body));
    return done.future();
  }
}
