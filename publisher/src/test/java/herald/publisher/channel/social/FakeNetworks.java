package herald.publisher.channel.social;

import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The networks of the social channel's tests: the {@link LocalSocialSink} that the all-in-one runs
 * (Mastodon, Bluesky) and a webhook receiver, on one local server recording every request it
 * received, with faults a test can inject (an error status, no answer, an answer lost after the
 * effect, slowness). It takes one event per {@code webhook-id}.
 */
public final class FakeNetworks implements AutoCloseable {

  public static final String TOKEN = "mastodon-token";
  public static final String HANDLE = "dpnsee.bsky.social";
  public static final String APP_PASSWORD = "abcd-efgh-ijkl-mnop";
  public static final String DID = "did:plc:dpnseebskysocial";

  /** A request as received. */
  public record Received(String method, String path, MultiMap headers, String body) {
    public JsonObject json() {
      return new JsonObject(body);
    }
  }

  /** What to do instead of answering normally, for a path prefix. */
  public enum Trouble {
    /** Answer with a status (and Retry-After when set). */
    STATUS,
    /** Never answer. */
    HANG,
    /** Do the effect, then never answer (an answer lost on the way back). */
    EFFECT_THEN_HANG,
    /** 200, then a body without end, as fast as the client reads it. */
    ENDLESS
  }

  private record Injected(Trouble trouble, int status, String retryAfter, Set<String> methods) {
    Injected(Trouble trouble, int status, String retryAfter) {
      this(trouble, status, retryAfter, Set.of());
    }

    boolean appliesTo(String method) {
      return methods.isEmpty() || methods.contains(method);
    }
  }

  // NOTE: not a CopyOnWriteArrayList: the soak benchmark records a few hundred thousand requests,
  // and copying the whole list on each would cost the machine it measures.
  final List<Received> received = Collections.synchronizedList(new ArrayList<>());
  private final LocalSocialSink sink =
      new LocalSocialSink(new LocalSocialSink.Accounts(TOKEN, HANDLE, APP_PASSWORD), null);
  final Map<String, JsonObject> statuses = sink.statuses();
  final Map<String, JsonObject> records = sink.records();
  final Map<String, JsonObject> webhookEvents = new ConcurrentHashMap<>();
  private final Map<String, Injected> troubles = new ConcurrentHashMap<>();
  private final Map<String, Injected> lasting = new ConcurrentHashMap<>();
  private final List<Runnable> held = new ArrayList<>(); // guarded by this
  private boolean holding; // guarded by this
  private List<String> holdOnly = List.of(); // guarded by this; empty: every path
  private final Vertx vertx;
  private final HttpServer server;
  private volatile long delayMs;

  public FakeNetworks(Vertx vertx) throws Exception {
    this.vertx = vertx;
    server =
        vertx
            .createHttpServer()
            .requestHandler(
                req ->
                    req.body()
                        .onSuccess(b -> later(req, () -> handle(req, b.toString())))
                        .onFailure(e -> req.response().setStatusCode(500).end()))
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS);
    sink.servedAt(url());
  }

  public String url() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  /**
   * Handles every request only after {@code perRequest}, as a loaded service would: the effect
   * lands then, even if the client is gone by that time.
   */
  public void slowDown(Duration perRequest) {
    delayMs = perRequest.toMillis();
  }

  /** Keeps the requests that arrive from now on unhandled (no effect, no answer) until released. */
  public synchronized void hold() {
    holding = true;
    holdOnly = List.of();
  }

  /** As {@link #hold()}, for the requests whose path starts with one of {@code pathPrefixes}. */
  public synchronized void hold(String... pathPrefixes) {
    holding = true;
    holdOnly = List.of(pathPrefixes);
  }

  /** How many requests are held. */
  public synchronized int held() {
    return held.size();
  }

  /** Handles the held requests, whose clients may be gone by now, and holds no more. */
  public void release() {
    List<Runnable> out;
    synchronized (this) {
      holding = false;
      out = List.copyOf(held);
      held.clear();
    }
    out.forEach(Runnable::run);
  }

  /** Mastodon statuses made, by the {@code Idempotency-Key} that made them. */
  public Map<String, JsonObject> mastodonStatusesByKey() {
    return sink.statusesByIdempotencyKey();
  }

  /** Mastodon statuses there now (made and not deleted), by id. */
  public Map<String, JsonObject> mastodonStatuses() {
    return Map.copyOf(sink.statuses());
  }

  /** Bluesky records there now, by record key. */
  public Map<String, JsonObject> blueskyRecords() {
    return Map.copyOf(sink.records());
  }

  /** Webhook events taken, by {@code webhook-id}: the body of the first delivery of each. */
  public Map<String, JsonObject> webhookEvents() {
    return Map.copyOf(webhookEvents);
  }

  private void later(HttpServerRequest req, Runnable handling) {
    synchronized (this) {
      if (holding
          && (holdOnly.isEmpty() || holdOnly.stream().anyMatch(p -> req.path().startsWith(p)))) {
        // Handled on the request's own event loop when released.
        Context context = Vertx.currentContext();
        held.add(() -> context.runOnContext(v -> handling.run()));
        return;
      }
    }
    long delay = delayMs;
    if (delay > 0) {
      vertx.setTimer(delay, t -> handling.run());
    } else {
      handling.run();
    }
  }

  /** The next request to a path under {@code pathPrefix} meets {@code trouble}, once. */
  public void trouble(String pathPrefix, Trouble trouble, int status, String retryAfter) {
    troubles.put(pathPrefix, new Injected(trouble, status, retryAfter));
  }

  /**
   * Every request to a path under {@code pathPrefix} meets {@code trouble} (with {@code status} and
   * {@code retryAfter} for {@link Trouble#STATUS}) until {@link #clearTroubles}.
   */
  public void troubleUntilCleared(
      String pathPrefix, Trouble trouble, int status, String retryAfter) {
    lasting.put(pathPrefix, new Injected(trouble, status, retryAfter));
  }

  /** As {@link #troubleUntilCleared}, for requests with one of {@code methods} only. */
  public void troubleUntilCleared(
      String pathPrefix, Set<String> methods, Trouble trouble, int status, String retryAfter) {
    lasting.put(pathPrefix, new Injected(trouble, status, retryAfter, Set.copyOf(methods)));
  }

  /** Ends every trouble injected, lasting or not. */
  public void clearTroubles() {
    lasting.clear();
    troubles.clear();
  }

  /** Every request received so far, in order of arrival. */
  public List<Received> received() {
    synchronized (received) {
      return List.copyOf(received);
    }
  }

  public List<Received> requests(String method, String pathPrefix) {
    return received().stream()
        .filter(r -> r.method().equals(method) && r.path().startsWith(pathPrefix))
        .toList();
  }

  private void handle(HttpServerRequest req, String body) {
    String path = req.path();
    received.add(
        new Received(
            req.method().name(),
            path,
            MultiMap.caseInsensitiveMultiMap().addAll(req.headers()),
            body));
    Injected injected = null;
    for (Map.Entry<String, Injected> t : troubles.entrySet()) {
      if (path.startsWith(t.getKey())) {
        injected = troubles.remove(t.getKey());
        break;
      }
    }
    if (injected == null) {
      for (Map.Entry<String, Injected> t : lasting.entrySet()) {
        if (path.startsWith(t.getKey()) && t.getValue().appliesTo(req.method().name())) {
          injected = t.getValue();
          break;
        }
      }
    }
    if (injected != null && injected.trouble() == Trouble.HANG) {
      return;
    }
    if (injected != null && injected.trouble() == Trouble.ENDLESS) {
      endless(req.response());
      return;
    }
    if (injected != null && injected.trouble() == Trouble.STATUS) {
      if (injected.retryAfter() != null) {
        req.response().putHeader("Retry-After", injected.retryAfter());
      }
      json(req, injected.status(), new JsonObject().put("error", "injected " + injected.status()));
      return;
    }
    boolean answer = injected == null;
    if (path.startsWith("/hook")) {
      // A Standard Webhooks receiver takes each webhook-id once; a repeat is acknowledged only.
      String id = req.getHeader("webhook-id");
      if (id != null) {
        webhookEvents.putIfAbsent(id, new JsonObject(body));
      }
      if (answer) {
        req.response().setStatusCode(204).end();
      }
    } else {
      sink.handle(req, body, answer);
    }
  }

  /** Bytes written by endless answers so far. */
  final java.util.concurrent.atomic.AtomicLong endlessBytes =
      new java.util.concurrent.atomic.AtomicLong();

  private void endless(io.vertx.core.http.HttpServerResponse response) {
    response.setStatusCode(200).setChunked(true).putHeader("content-type", "application/json");
    response.write("{\"id\":\"");
    io.vertx.core.buffer.Buffer chunk = io.vertx.core.buffer.Buffer.buffer("x".repeat(64 * 1024));
    long timer =
        vertx.setPeriodic(
            1,
            id -> {
              while (!response.closed() && !response.writeQueueFull()) {
                response.write(chunk);
                endlessBytes.addAndGet(chunk.length());
              }
            });
    response.closeHandler(v -> vertx.cancelTimer(timer));
  }

  /** Forgets every Mastodon {@code Idempotency-Key}, as Mastodon does about an hour later. */
  public void forgetIdempotencyKeys() {
    sink.forgetIdempotencyKeys();
  }

  private static void json(HttpServerRequest req, int status, JsonObject body) {
    req.response()
        .setStatusCode(status)
        .putHeader("content-type", "application/json")
        .end(body.encode());
  }

  @Override
  public void close() throws Exception {
    server.close().await(10, TimeUnit.SECONDS);
  }
}
