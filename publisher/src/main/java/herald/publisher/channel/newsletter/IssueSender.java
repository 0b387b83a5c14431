package herald.publisher.channel.newsletter;

import herald.events.ContentPublished;
import herald.publisher.channel.newsletter.IssueRenderer.Rendered;
import herald.publisher.channel.newsletter.RecipientRepository.Recipient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends an issue to its recipients at the configured rate, resuming where a previous run stopped.
 *
 * <p>Per recipient, {@code sending} is written before the SMTP transaction and {@code sent} after
 * it; a restart sends to every row still {@code pending} or {@code sending}. NOTE: a row left
 * {@code sending} by a crash may have been delivered already; it is sent again with the same {@code
 * Message-ID}, which mail stores use to drop the duplicate. At most {@code concurrency} rows are in
 * that state at any time.
 *
 * <p>Blocking: runs on a virtual thread of the newsletter's sender (see {@link NewsletterModule}),
 * or on the calling thread in tests.
 */
final class IssueSender {

  /** Points where a test can simulate a crash. */
  interface Hooks {
    Hooks NONE = new Hooks() {};

    /** Called after {@code sending} was written and before the message is handed to SMTP. */
    default void beforeSend(UUID subscriberId) {}
  }

  private static final Logger LOG = LoggerFactory.getLogger(IssueSender.class);
  private static final int PAGE = 500;
  private static final long DB_TIMEOUT_MS = 30_000;
  private static final UUID FIRST = new UUID(0, 0);

  private final Pool pool;
  private final IssueRepository issues;
  private final RecipientRepository recipients;
  private final IssueService service;
  private final Mailer mailer;
  private final NewsletterConfig config;
  private final Hooks hooks;
  private final Vertx vertx;
  private volatile boolean stopping;

  IssueSender(
      Vertx vertx,
      Pool pool,
      IssueRepository issues,
      RecipientRepository recipients,
      IssueService service,
      Mailer mailer,
      NewsletterConfig config,
      Hooks hooks) {
    this.vertx = vertx;
    this.pool = pool;
    this.issues = issues;
    this.recipients = recipients;
    this.service = service;
    this.mailer = mailer;
    this.config = config;
    this.hooks = hooks;
  }

  /**
   * Makes a running {@link #run} return after the messages in flight; the rest stays pending for
   * the next start.
   */
  void stop() {
    stopping = true;
  }

  /**
   * Sends the issue (which must be {@code sending}) to every open recipient, then marks it sent.
   * Another process sending the same issue makes this one return at once.
   *
   * @return the recipients' counts by status
   */
  JsonObject run(UUID issueId) {
    SqlConnection lockConn = await(pool.getConnection());
    try {
      // One sender per issue across replicas: a session-level advisory lock held for the run.
      boolean locked =
          await(
              lockConn
                  .preparedQuery(
                      "SELECT pg_try_advisory_lock(hashtext('herald.newsletter'), hashtext($1)) AS ok")
                  .execute(Tuple.of(issueId.toString()))
                  .map(rows -> rows.iterator().next().getBoolean("ok")));
      if (!locked) {
        LOG.info("issue {} is being sent by another process", issueId);
        return await(recipients.counts(pool, issueId));
      }
      try {
        return send(issueId);
      } finally {
        await(
            lockConn
                .preparedQuery(
                    "SELECT pg_advisory_unlock(hashtext('herald.newsletter'), hashtext($1))")
                .execute(Tuple.of(issueId.toString())));
      }
    } finally {
      lockConn.close();
    }
  }

  private JsonObject send(UUID issueId) {
    Issue issue = await(issues.find(pool, issueId)).orElseThrow();
    if (!Issue.SENDING.equals(issue.status())) {
      return await(recipients.counts(pool, issueId));
    }
    List<ContentPublished> items =
        await(issues.items(pool, issueId)).stream()
            .map(i -> IssueService.toEntry(i.event()))
            .toList();
    Map<String, Rendered> variants = new HashMap<>();
    String placeholder = "urn:herald:unsubscribe:" + UUID.randomUUID();
    InFlight inFlight = new InFlight(Math.max(1, config.concurrency()));
    long interval = config.rate() > 0 ? (long) (1_000_000_000L / config.rate()) : 0;
    long next = System.nanoTime();
    AtomicLong sent = new AtomicLong();
    long started = System.nanoTime();

    for (int pass = 1; pass <= RecipientRepository.MAX_ATTEMPTS; pass++) {
      UUID after = FIRST;
      while (true) {
        List<Recipient> page = await(recipients.next(pool, issueId, after, PAGE));
        if (page.isEmpty()) {
          break;
        }
        for (Recipient r : page) {
          if (stopping) {
            inFlight.awaitAll();
            LOG.info("issue {}: sending stopped; it resumes on the next start", issueId);
            return await(recipients.counts(pool, issueId));
          }
          after = r.subscriberId();
          if (r.unsubscribed()) {
            await(recipients.markSkipped(pool, issueId, r.subscriberId(), "unsubscribed"));
            continue;
          }
          String key = variantKey(r);
          Rendered variant =
              variants.computeIfAbsent(key, k -> render(issue, items, r, placeholder));
          if (variant == null) {
            await(
                recipients.markSkipped(
                    pool, issueId, r.subscriberId(), "no item matches the subscriber's topics"));
            continue;
          }
          if (interval > 0) {
            long now = System.nanoTime();
            if (next > now) {
              pause(next - now);
            }
            next = Math.max(next, now) + interval;
          }
          inFlight.awaitRoom();
          await(recipients.markSending(pool, issueId, r.subscriberId()));
          hooks.beforeSend(r.subscriberId());
          String unsubscribe = service.unsubscribeUrl(r.subscriberId());
          Rendered mail = variant.forRecipient(placeholder, unsubscribe);
          inFlight.add(
              mailer
                  .send(
                      r.email(),
                      mail.subject(),
                      mail.html(),
                      mail.text(),
                      r.messageId(),
                      unsubscribe)
                  .transform(
                      ar ->
                          ar.succeeded()
                              ? recipients
                                  .markSent(pool, issueId, r.subscriberId())
                                  .onSuccess(v -> sent.incrementAndGet())
                              : recipients.markFailed(
                                  pool,
                                  issueId,
                                  r.subscriberId(),
                                  String.valueOf(ar.cause().getMessage()),
                                  Mailer.isPermanent(ar.cause())))
                  .onFailure(
                      e ->
                          LOG.warn(
                              "could not record the outcome for subscriber {}",
                              r.subscriberId(),
                              e)));
        }
      }
      // Wait for the messages in flight before counting what is left.
      inFlight.awaitAll();
      if (await(recipients.open(pool, issueId)) == 0) {
        break;
      }
      LOG.info("issue {}: pass {} left recipients to retry", issueId, pass);
      pause(TimeUnit.SECONDS.toNanos(pass));
    }
    await(recipients.closeExhausted(pool, issueId));
    await(issues.finish(pool, issueId));
    JsonObject counts = await(recipients.counts(pool, issueId));
    double seconds = (System.nanoTime() - started) / 1e9;
    LOG.info(
        "issue {} #{} sent: {} in {} s ({} msg/s)",
        issueId,
        issue.number(),
        counts.encode(),
        String.format(Locale.ROOT, "%.1f", seconds),
        String.format(Locale.ROOT, "%.0f", sent.get() / Math.max(seconds, 0.001)));
    return counts;
  }

  private Rendered render(
      Issue issue, List<ContentPublished> items, Recipient r, String placeholder) {
    List<ContentPublished> mine = IssueService.forTopics(items, r.topics());
    if (mine.isEmpty()) {
      return null;
    }
    return service
        .renderer()
        .render(issue.number(), issue.subject(), mine, r.locale(), placeholder);
  }

  private static String variantKey(Recipient r) {
    Set<String> topics =
        r.topics().stream()
            .map(t -> t.toLowerCase(Locale.ROOT))
            .collect(Collectors.toCollection(TreeSet::new));
    return r.locale() + "|" + String.join(",", topics);
  }

  private static <T> T await(Future<T> f) {
    try {
      // NOTE: timeout() rather than await(time): on a virtual thread the latter waits forever.
      return f.timeout(DB_TIMEOUT_MS, TimeUnit.MILLISECONDS).await();
    } catch (Exception e) {
      if (e instanceof java.util.concurrent.TimeoutException t) {
        throw new IllegalStateException("the database did not answer in time", t);
      }
      throw e;
    }
  }

  /** Waits on a Vert.x timer: on a virtual thread the sender's context goes on meanwhile. */
  private void pause(long nanos) {
    vertx.timer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos)), TimeUnit.MILLISECONDS).await();
  }

  /**
   * The messages under way, at most {@code limit}. NOTE: waits are Vert.x awaits, not a semaphore:
   * the messages' outcomes are recorded by callbacks on the sender's own context, which a blocked
   * virtual thread would hold.
   */
  private static final class InFlight {
    private final int limit;
    private final List<Future<?>> running = new ArrayList<>();

    InFlight(int limit) {
      this.limit = limit;
    }

    void add(Future<?> message) {
      running.add(message);
    }

    /** Waits until fewer than {@code limit} messages are under way. */
    void awaitRoom() {
      running.removeIf(Future::isComplete);
      while (running.size() >= limit) {
        Future.any(running).otherwiseEmpty().await();
        running.removeIf(Future::isComplete);
      }
    }

    /** Waits until every message under way has its outcome recorded (or failed to). */
    void awaitAll() {
      Future.join(running).otherwiseEmpty().await();
      running.clear();
    }
  }
}
