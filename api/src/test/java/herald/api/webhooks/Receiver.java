package herald.api.webhooks;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A local webhook receiver: answers each path with scripted replies, then 204; records requests.
 */
final class Receiver implements AutoCloseable {
  record Received(String path, Map<String, List<String>> headers, String body, long atMillis) {
    String header(String name) {
      List<String> v = headers.get(name);
      return v == null ? null : v.get(0);
    }
  }

  private final Vertx vertx;
  final List<Received> received = new CopyOnWriteArrayList<>();
  private final Map<String, Deque<String>> script = new ConcurrentHashMap<>();
  private HttpServer server;
  private int port;

  Receiver(Vertx vertx) {
    this.vertx = vertx;
  }

  Receiver start(int port) {
    server =
        await(
            vertx
                .createHttpServer()
                .requestHandler(
                    req ->
                        req.body()
                            .onSuccess(
                                body -> {
                                  Map<String, List<String>> headers = new ConcurrentHashMap<>();
                                  req.headers()
                                      .forEach(
                                          e ->
                                              headers
                                                  .computeIfAbsent(
                                                      e.getKey().toLowerCase(java.util.Locale.ROOT),
                                                      k -> new ArrayList<>())
                                                  .add(e.getValue()));
                                  String path = req.path();
                                  received.add(
                                      new Received(
                                          path,
                                          headers,
                                          body.toString(),
                                          System.currentTimeMillis()));
                                  Deque<String> d = script.get(path);
                                  String reply = d == null ? null : d.pollFirst();
                                  if (reply == null) {
                                    req.response().setStatusCode(204).end();
                                  } else if (reply.equals("hang")) {
                                    // never answer
                                  } else if (reply.equals("endless") || reply.equals("trickle")) {
                                    stream(path, req.response(), reply.equals("endless"));
                                  } else if (reply.startsWith("429")) {
                                    req.response()
                                        .setStatusCode(429)
                                        .putHeader("Retry-After", reply.substring(4))
                                        .end();
                                  } else if (reply.startsWith("30")) {
                                    req.response()
                                        .setStatusCode(Integer.parseInt(reply))
                                        .putHeader("Location", "http://169.254.169.254/latest")
                                        .end();
                                  } else {
                                    req.response().setStatusCode(Integer.parseInt(reply)).end();
                                  }
                                }))
                .listen(port, "127.0.0.1"));
    this.port = server.actualPort();
    return this;
  }

  int port() {
    return port;
  }

  /** Bytes written by streaming answers, per path. */
  final Map<String, java.util.concurrent.atomic.AtomicLong> streamed = new ConcurrentHashMap<>();

  /** Streaming answers open at once, per path, and the most there ever were. */
  final Map<String, java.util.concurrent.atomic.AtomicInteger> open = new ConcurrentHashMap<>();

  final Map<String, java.util.concurrent.atomic.AtomicInteger> mostOpen = new ConcurrentHashMap<>();

  /**
   * 200, then a body that never ends: as fast as the client takes it ({@code fast}), or one byte
   * every 50 ms. It stops only when the client goes away.
   */
  private void stream(String path, io.vertx.core.http.HttpServerResponse response, boolean fast) {
    java.util.concurrent.atomic.AtomicLong bytes =
        streamed.computeIfAbsent(path, k -> new java.util.concurrent.atomic.AtomicLong());
    int now =
        open.computeIfAbsent(path, k -> new java.util.concurrent.atomic.AtomicInteger())
            .incrementAndGet();
    mostOpen
        .computeIfAbsent(path, k -> new java.util.concurrent.atomic.AtomicInteger())
        .accumulateAndGet(now, Math::max);
    response.setStatusCode(200).setChunked(true);
    io.vertx.core.buffer.Buffer chunk =
        io.vertx.core.buffer.Buffer.buffer(fast ? "x".repeat(64 * 1024) : "x");
    long timer =
        vertx.setPeriodic(
            fast ? 1 : 50,
            id -> {
              if (response.closed() || response.ended()) {
                return;
              }
              // Only what the connection takes: the receiver must not fill its own heap.
              while (!response.writeQueueFull()) {
                response.write(chunk);
                bytes.addAndGet(chunk.length());
                if (!fast) {
                  break;
                }
              }
            });
    response.closeHandler(
        v -> {
          vertx.cancelTimer(timer);
          open.get(path).decrementAndGet();
        });
  }

  void stop() {
    await(server.close());
  }

  /** Replies for the next requests to the path, in order ("500", "429 2", "410", "hang", "302"). */
  void script(String path, String... replies) {
    script.computeIfAbsent(path, k -> new ConcurrentLinkedDeque<>()).addAll(List.of(replies));
  }

  List<Received> at(String path) {
    return received.stream().filter(r -> r.path().equals(path)).toList();
  }

  private static <T> T await(io.vertx.core.Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Override
  public void close() {
    if (server != null) {
      stop();
    }
  }
}
