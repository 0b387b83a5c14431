package herald.api.webhooks;

import herald.api.http.BoundedBody;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends due deliveries: claims them from PostgreSQL (so a restart resumes and api instances share
 * the work), checks the URL against the SSRF guard again, resolves it once and connects to the
 * checked address, signs, sends, and schedules the next attempt on failure.
 *
 * <p>Outcomes: 2xx succeeded; 410 Gone disables the endpoint; 429 waits at least its Retry-After;
 * anything else (other status, redirect, timeout, refused address) is retried on the schedule (with
 * ±20 % jitter) until it runs out, then the delivery has failed.
 */
public final class WebhookDispatcher {
  private static final Logger LOG = LoggerFactory.getLogger(WebhookDispatcher.class);
  private static final int BATCH = 100;

  /** The most of a receiver's answer read; the rest is cut off with the connection. */
  static final long MAX_RESPONSE_BYTES = 64 * 1024;

  /** Attempts in progress at most (per api instance); a claim takes no more than the room left. */
  private static final int MAX_IN_FLIGHT = 256;

  private static final int MAX_ERROR = 500;
  private static final String USER_AGENT = "Herald-Webhooks/1.0";

  private final Vertx vertx;
  private final Pool pool;
  private final WebhookRepository repo;
  private final UrlGuard guard;
  private final List<Duration> schedule;
  private final Duration timeout;
  private final Duration pollInterval;
  private final HttpClient client;
  private final Counter sent;
  private final Counter failed;
  private io.vertx.core.Context context;
  private long timer = -1;
  private boolean claiming;
  private int inFlight;
  private boolean again;
  private volatile boolean stopped;

  public WebhookDispatcher(
      Vertx vertx,
      Pool pool,
      WebhookRepository repo,
      UrlGuard guard,
      List<Duration> schedule,
      Duration timeout,
      Duration pollInterval,
      MeterRegistry registry) {
    this.vertx = vertx;
    this.pool = pool;
    this.repo = repo;
    this.guard = guard;
    this.schedule = List.copyOf(schedule);
    this.timeout = timeout;
    this.pollInterval = pollInterval;
    this.client =
        vertx.createHttpClient(
            new HttpClientOptions()
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()))
                .setKeepAlive(true)
                .setVerifyHost(true)
                .setDecompressionSupported(false),
            new io.vertx.core.http.PoolOptions().setHttp1MaxSize(8));
    this.sent = counter(registry, "succeeded");
    this.failed = counter(registry, "failed");
  }

  private static Counter counter(MeterRegistry registry, String outcome) {
    return Counter.builder("herald.api.webhooks.attempts")
        .description("webhook delivery attempts, by outcome")
        .tag("outcome", outcome)
        .register(registry);
  }

  /** Starts polling; call it on the context the dispatcher should run on (its verticle's). */
  public void start() {
    stopped = false;
    context = vertx.getOrCreateContext();
    timer = vertx.setPeriodic(pollInterval.toMillis(), t -> wake());
    wake();
  }

  public Future<Void> stop() {
    stopped = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    return client.close();
  }

  /** Looks for due deliveries now (after the consumer queued some). */
  public void wake() {
    // NOTE: always on the one context: tick() keeps its state without locks.
    io.vertx.core.Context c = context;
    if (c != null) {
      c.runOnContext(v -> tick());
    }
  }

  private void tick() {
    if (stopped) {
      return;
    }
    int room = MAX_IN_FLIGHT - inFlight;
    if (claiming || room <= 0) {
      // A running claim, or a finishing attempt, looks again.
      again = true;
      return;
    }
    claiming = true;
    again = false;
    int want = Math.min(BATCH, room);
    double lease = timeout.toMillis() / 1000.0 * 2 + 30;
    repo.claim(pool, want, lease)
        .onComplete(
            ar -> {
              claiming = false;
              if (ar.failed()) {
                LOG.warn("webhook dispatch failed: {}", ar.cause().toString());
              } else {
                List<WebhookRepository.Claimed> claimed = ar.result();
                inFlight += claimed.size();
                for (WebhookRepository.Claimed c : claimed) {
                  attempt(c)
                      .onComplete(
                          x -> {
                            if (x.failed()) {
                              LOG.warn(
                                  "webhook attempt {} not recorded: {}",
                                  c.id(),
                                  x.cause().toString());
                            }
                            inFlight--;
                            if (again) {
                              wake();
                            }
                          });
                }
                if (claimed.size() == want) {
                  // There may be more due: claim again while there is room.
                  again = true;
                }
              }
              if (again && !stopped) {
                wake();
              }
            });
  }

  private record Outcome(Integer status, String error, Duration retryAfter) {}

  private Future<Void> attempt(WebhookRepository.Claimed c) {
    OffsetDateTime started = OffsetDateTime.now(ZoneOffset.UTC);
    long t0 = System.nanoTime();
    Future<Outcome> outcome;
    if (!c.enabled()) {
      outcome = Future.succeededFuture(new Outcome(null, "endpoint disabled", null));
    } else {
      outcome =
          vertx
              .executeBlocking(() -> guard.check(c.url()), false)
              .compose(target -> send(c, target))
              .recover(
                  t ->
                      Future.succeededFuture(
                          new Outcome(
                              null,
                              t instanceof UrlGuard.Refused
                                  ? "refused: " + t.getMessage()
                                  : String.valueOf(t.getMessage() == null ? t : t.getMessage()),
                              null)));
    }
    return outcome.compose(
        o -> {
          WebhookRepository.Attempt log =
              new WebhookRepository.Attempt(
                  c.attempt(),
                  started,
                  (int) ((System.nanoTime() - t0) / 1_000_000),
                  o.status(),
                  o.error() == null ? null : cut(o.error()));
          if (o.status() != null && o.status() >= 200 && o.status() < 300) {
            sent.increment();
            return repo.finish(pool, c.id(), log, "succeeded", null, 0);
          }
          failed.increment();
          if (o.status() != null && o.status() == 410) {
            return repo.setEnabled(pool, c.endpointId(), false, "the endpoint answered 410 Gone")
                .compose(
                    x ->
                        repo.finish(pool, c.id(), log, "failed", "410 Gone: endpoint disabled", 0));
          }
          int step = c.scheduleStep();
          if (!c.enabled() || step >= schedule.size()) {
            return repo.finish(pool, c.id(), log, "failed", log.error(), 0);
          }
          double delay = jitter(schedule.get(step));
          if (o.retryAfter() != null) {
            delay = Math.max(delay, o.retryAfter().toMillis() / 1000.0);
          }
          return repo.finish(pool, c.id(), log, "pending", log.error(), delay);
        });
  }

  private static double jitter(Duration d) {
    double s = d.toMillis() / 1000.0;
    return s * ThreadLocalRandom.current().nextDouble(0.8, 1.2);
  }

  private Future<Outcome> send(WebhookRepository.Claimed c, UrlGuard.Target target) {
    String body = c.payload().encode();
    long ts = Instant.now().getEpochSecond();
    List<String> secrets = new ArrayList<>();
    secrets.add(c.secret());
    if (c.previousSecret() != null) {
      secrets.add(c.previousSecret());
    }
    boolean defaultPort = target.port() == (target.tls() ? 443 : 80);
    RequestOptions options =
        new RequestOptions()
            .setMethod(HttpMethod.POST)
            // Connect to the address that was checked, never to a second DNS answer.
            .setServer(
                SocketAddress.inetSocketAddress(target.port(), target.address().getHostAddress()))
            .setHost(target.host())
            .setPort(target.port())
            .setSsl(target.tls())
            .setURI(target.requestUri())
            .setFollowRedirects(false)
            .setConnectTimeout(timeout.toMillis())
            .setIdleTimeout(timeout.toMillis())
            .putHeader("Host", defaultPort ? target.host() : target.host() + ":" + target.port())
            .putHeader("Content-Type", "application/json")
            .putHeader("User-Agent", USER_AGENT)
            .putHeader("webhook-id", c.messageId())
            .putHeader("webhook-timestamp", Long.toString(ts))
            .putHeader(
                "webhook-signature", WebhookSigner.signatures(secrets, c.messageId(), ts, body));
    java.util.concurrent.atomic.AtomicReference<io.vertx.core.http.HttpClientRequest> sent =
        new java.util.concurrent.atomic.AtomicReference<>();
    // NOTE: the whole attempt (connect, send, status, body) is bounded by the timeout, well within
    // the claim's lease, so an attempt never overlaps the next one of the same delivery; only the
    // first MAX_RESPONSE_BYTES of the body are read (the status is the answer).
    return client
        .request(options)
        .compose(
            req -> {
              sent.set(req);
              return req.send(Buffer.buffer(body));
            })
        .compose(
            resp ->
                BoundedBody.read(resp, MAX_RESPONSE_BYTES)
                    .map(b -> outcome(resp))
                    .recover(t -> Future.succeededFuture(outcome(resp))))
        .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .onFailure(
            t -> {
              io.vertx.core.http.HttpClientRequest req = sent.get();
              if (req != null) {
                req.reset();
              }
            })
        .recover(
            t ->
                Future.failedFuture(
                    t instanceof java.util.concurrent.TimeoutException
                        ? new IllegalStateException(
                            "no complete answer within " + timeout.toMillis() + " ms")
                        : t));
  }

  private static Outcome outcome(HttpClientResponse resp) {
    int s = resp.statusCode();
    if (s >= 200 && s < 300) {
      return new Outcome(s, null, null);
    }
    Duration retryAfter = s == 429 || s == 503 ? retryAfter(resp.getHeader("Retry-After")) : null;
    String why = s >= 300 && s < 400 ? "redirect not followed" : "HTTP " + s;
    return new Outcome(s, why, retryAfter);
  }

  /** Retry-After in seconds or as an HTTP date; null when absent or unreadable. */
  static Duration retryAfter(String v) {
    if (v == null || v.isBlank()) {
      return null;
    }
    try {
      return Duration.ofSeconds(Math.max(0, Long.parseLong(v.trim())));
    } catch (NumberFormatException e) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(v.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
        Duration d = Duration.between(Instant.now(), at.toInstant());
        return d.isNegative() ? Duration.ZERO : d;
      } catch (RuntimeException e2) {
        return null;
      }
    }
  }

  private static String cut(String s) {
    return s.length() <= MAX_ERROR ? s : s.substring(0, MAX_ERROR);
  }
}
