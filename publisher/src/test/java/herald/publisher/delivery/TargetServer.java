package herald.publisher.delivery;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * A local HTTP service that a delivery goes to, as a social network or partner would be: it applies
 * a post once per {@code Idempotency-Key} (a repeat gets the first answer, no new effect) and
 * answers as the test scripts it, by request number.
 */
final class TargetServer implements AutoCloseable {

  /** What to do with the n-th request (from 1). */
  record Behaviour(int status, String retryAfter, long delayMs, boolean hang, boolean apply) {
    static Behaviour ok() {
      return new Behaviour(201, null, 0, false, true);
    }

    static Behaviour status(int status) {
      return new Behaviour(status, null, 0, false, false);
    }

    static Behaviour retryAfter(int status, String seconds) {
      return new Behaviour(status, seconds, 0, false, false);
    }

    /** Applies the effect, then never answers. */
    static Behaviour applyThenHang() {
      return new Behaviour(201, null, 0, true, true);
    }

    /** Applies the effect, then answers after a while. */
    static Behaviour applyThenDelay(long ms) {
      return new Behaviour(201, null, ms, false, true);
    }
  }

  /** A request as received. */
  record Received(String method, String path, String idempotencyKey, long atMillis) {}

  final List<Received> requests = new CopyOnWriteArrayList<>();
  final Map<String, AtomicInteger> effects = new ConcurrentHashMap<>();
  private final AtomicInteger count = new AtomicInteger();
  private volatile IntFunction<Behaviour> script = n -> Behaviour.ok();
  private final Vertx vertx;
  private final HttpServer server;

  TargetServer() throws Exception {
    vertx = Vertx.vertx();
    server =
        vertx
            .createHttpServer()
            .requestHandler(this::handle)
            .listen(0, "127.0.0.1")
            .await(30, TimeUnit.SECONDS);
  }

  /** Forgets every request and effect, and numbers requests from 1 again. */
  void reset() {
    requests.clear();
    effects.clear();
    count.set(0);
    script = n -> Behaviour.ok();
  }

  void script(IntFunction<Behaviour> script) {
    this.script = script;
  }

  String url() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  /** How many distinct effects were applied, and the most any key was applied. */
  int distinctEffects() {
    return effects.size();
  }

  int maxEffectsPerKey() {
    return effects.values().stream().mapToInt(AtomicInteger::get).max().orElse(0);
  }

  private void handle(HttpServerRequest req) {
    String key = req.getHeader("Idempotency-Key");
    req.body()
        .onSuccess(
            body -> {
              requests.add(
                  new Received(req.method().name(), req.path(), key, System.currentTimeMillis()));
              int n = count.incrementAndGet();
              Behaviour b = script.apply(n);
              String effectKey = req.method().name() + " " + key;
              if (b.apply() && key != null) {
                // At most one effect per key, like Mastodon's Idempotency-Key.
                effects.computeIfAbsent(effectKey, k -> new AtomicInteger()).compareAndSet(0, 1);
              }
              if (b.hang()) {
                return;
              }
              Runnable answer =
                  () -> {
                    if (b.retryAfter() != null) {
                      req.response().putHeader("Retry-After", b.retryAfter());
                    }
                    req.response().setStatusCode(b.status()).end("{\"n\":" + n + "}");
                  };
              if (b.delayMs() > 0) {
                vertx.setTimer(b.delayMs(), t -> answer.run());
              } else {
                answer.run();
              }
            });
  }

  @Override
  public void close() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }
}
