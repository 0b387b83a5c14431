package herald.publisher.channel.newsletter;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mail.LoginOption;
import io.vertx.ext.mail.MailClient;
import io.vertx.ext.mail.MailConfig;
import io.vertx.ext.mail.StartTLSOptions;
import io.vertx.ext.web.Router;
import io.vertx.sqlclient.Pool;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The newsletter: its channel (the pool of entries), subscriptions, issues and the sender, wired
 * together. Give it a pool of its own (the sender keeps up to {@code concurrency} + 1 connections
 * busy), {@link #mount} its routes, {@link #start} it after the HTTP server and {@link #close} it
 * on stop.
 */
public final class NewsletterModule {

  private static final Logger LOG = LoggerFactory.getLogger(NewsletterModule.class);
  private static final long SCHEDULER_PERIOD_MS = 5_000;

  private final Vertx vertx;
  private final Pool pool;
  private final NewsletterConfig config;
  private final MailClient mail;
  private final Tokens tokens;
  private final NewsletterChannel channel;
  private final SubscriptionService subscriptions;
  private final IssueService issues;
  private final IssueSender sender;
  private final NewsletterRoutes routes;
  private final Set<UUID> running = ConcurrentHashMap.newKeySet();
  // NOTE: one virtual thread, outside Vert.x: issues go out one at a time, as straight-line code
  // that awaits PostgreSQL and SMTP. Not a virtual-thread verticle: on such a context the
  // connection the sender holds for its advisory lock was closed under it (Vert.x 5.0.7).
  private final ExecutorService senderThread =
      Executors.newSingleThreadExecutor(
          Thread.ofVirtual().name("herald-newsletter-sender").factory());
  private long timer = -1;

  /** The newsletter over the given database (schema {@code publisher}) and SMTP settings. */
  public NewsletterModule(Vertx vertx, Pool pool, NewsletterConfig config) {
    this(
        vertx,
        pool,
        config,
        MailClient.create(vertx, mailConfig(config)),
        Clock.systemUTC(),
        IssueSender.Hooks.NONE);
  }

  NewsletterModule(
      Vertx vertx,
      Pool pool,
      NewsletterConfig config,
      MailClient mail,
      Clock clock,
      IssueSender.Hooks hooks) {
    this.vertx = vertx;
    this.pool = pool;
    this.config = config;
    this.mail = mail;
    this.tokens = new Tokens(config.secret(), clock);
    Mailer mailer = new Mailer(mail, config.from(), config.name());
    SubscriberRepository subscribers = new SubscriberRepository();
    NewsletterEntryRepository entries = new NewsletterEntryRepository();
    IssueRepository issueRepository = new IssueRepository();
    RecipientRepository recipients = new RecipientRepository();
    this.channel = new NewsletterChannel(pool, entries);
    this.subscriptions = new SubscriptionService(pool, subscribers, tokens, mailer, config, clock);
    this.issues = new IssueService(pool, issueRepository, recipients, tokens, mailer, config);
    this.sender =
        new IssueSender(vertx, pool, issueRepository, recipients, issues, mailer, config, hooks);
    this.routes =
        new NewsletterRoutes(subscriptions, issues, this, config, subscribers, entries, pool);
  }

  /**
   * The SMTP client settings: login only when a user is set, STARTTLS when the server offers it.
   */
  static MailConfig mailConfig(NewsletterConfig config) {
    MailConfig mc =
        new MailConfig()
            .setHostname(config.smtpHost())
            .setPort(config.smtpPort())
            .setStarttls(StartTLSOptions.OPTIONAL)
            .setKeepAlive(true)
            .setMaxPoolSize(Math.max(1, config.concurrency()))
            .setOwnHostname(Mailer.domainOf(config.from()));
    if (config.smtpUser() == null) {
      mc.setLogin(LoginOption.DISABLED);
    } else {
      mc.setLogin(LoginOption.REQUIRED)
          .setUsername(config.smtpUser())
          .setPassword(config.smtpPassword());
    }
    return mc;
  }

  /** The channel to hand to the delivery service, named {@code newsletter}. */
  public NewsletterChannel channel() {
    return channel;
  }

  /**
   * Adds the routes: public {@code POST /v1/newsletter/subscribe}, {@code GET
   * /v1/newsletter/confirm}, {@code GET|POST /v1/newsletter/unsubscribe}, and the editors' {@code
   * /v1/manage/newsletter/...}.
   */
  public void mount(Router router) {
    routes.mount(router);
    // An entry before it is published: the item as the next issue would show it.
    herald.publisher.channel.Previews.mount(
        vertx,
        router,
        NewsletterChannel.NAME,
        (entry, locale) ->
            issues
                .renderer()
                .render(
                    0,
                    config.name(),
                    List.of(entry),
                    locale,
                    config.publicUrl() + "/v1/newsletter/unsubscribe")
                .html());
  }

  /** Resumes issues left sending by a previous run and starts the scheduler of timed issues. */
  public Future<Void> start() {
    LOG.info("newsletter: {}", config);
    timer = vertx.setPeriodic(1, SCHEDULER_PERIOD_MS, id -> tick());
    return Future.succeededFuture();
  }

  /** Stops the scheduler, waits briefly for the sender, closes the SMTP client. */
  public Future<Void> close() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    sender.stop();
    senderThread.shutdown();
    return vertx
        .executeBlocking(
            () -> {
              // An interrupted send resumes on the next start: rows still 'sending' are retried.
              if (!senderThread.awaitTermination(10, TimeUnit.SECONDS)) {
                senderThread.shutdownNow();
              }
              return null;
            })
        .compose(v -> closeMail(), e -> closeMail());
  }

  /**
   * Closes the SMTP client. vertx-mail can throw while closing a connection still being opened (a
   * NullPointerException in its pool); that must not fail the shutdown, whose other steps are done.
   */
  private Future<Void> closeMail() {
    Future<Void> closed;
    try {
      closed = mail.close();
    } catch (RuntimeException e) {
      closed = Future.failedFuture(e);
    }
    return closed.recover(
        e -> {
          LOG.warn("closing the SMTP client failed; its connections end with the process", e);
          return Future.succeededFuture();
        });
  }

  /** Sends the issue (already moved to sending) on the sender thread, once at a time. */
  void submit(UUID issueId) {
    if (!running.add(issueId)) {
      return;
    }
    try {
      senderThread.execute(
          () -> {
            try {
              sender.run(issueId);
            } catch (RuntimeException e) {
              LOG.error("sending issue {} stopped; it resumes on the next check", issueId, e);
            } finally {
              running.remove(issueId);
            }
          });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      running.remove(issueId);
    }
  }

  /** Runs the issue's sending on the calling thread (tests and benchmarks): blocking. */
  JsonObject sendNow(UUID issueId) {
    return sender.run(issueId);
  }

  Tokens tokens() {
    return tokens;
  }

  IssueService issues() {
    return issues;
  }

  private void tick() {
    new IssueRepository()
        .due(pool)
        .onSuccess(
            ids -> {
              for (UUID id : ids) {
                issues.start(id).onComplete(ar -> submit(id));
              }
            })
        .onFailure(e -> LOG.warn("could not look for due newsletter issues", e));
  }
}
