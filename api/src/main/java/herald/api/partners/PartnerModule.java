package herald.api.partners;

import herald.api.auth.ApiKeys;
import herald.api.content.ContentConfig;
import herald.api.content.ContentTypeRepository;
import herald.api.content.EntryRepository;
import herald.api.content.EntryView;
import herald.api.content.TypeCache;
import herald.api.feeds.FeedItems;
import herald.api.feeds.FeedRepository;
import herald.api.feeds.FeedRoutes;
import herald.api.feeds.WebSubNotifier;
import herald.api.sync.PartnerScopeRepository;
import herald.api.sync.RateLimiter;
import herald.api.sync.SyncLogRepository;
import herald.api.sync.SyncRoutes;
import herald.api.sync.SyncTokens;
import herald.api.webhooks.UrlGuard;
import herald.api.webhooks.WebhookDispatcher;
import herald.api.webhooks.WebhookFanout;
import herald.api.webhooks.WebhookRepository;
import herald.api.webhooks.WebhookRoutes;
import herald.events.ConsumerLoop;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The partner features in one piece to wire into the api verticle: the sync API ({@code /v1/sync}),
 * feeds ({@code /feeds/…}, {@code /v1/entries/{id}.ics}) and signed webhooks ({@code
 * /v1/manage/webhooks…}), all fed by one consumer of the api's own content topic.
 */
public final class PartnerModule {
  private static final Logger LOG = LoggerFactory.getLogger(PartnerModule.class);

  private final Vertx vertx;
  private final Pool pool;
  private final ContentConfig content;
  private final String contentTopic;
  private final PartnerConfig partners;
  private final ApiKeys keys;
  private final byte[] tokenSecret;
  private final MeterRegistry registry;
  private final SyncLogRepository syncLog = new SyncLogRepository();
  private final WebhookRepository webhooks = new WebhookRepository();
  private final ConsumerLoop consumer;
  private WebhookDispatcher dispatcher;
  private final UrlGuard guard;
  private WebSubNotifier webSub;

  /** The module with its settings given (the api reads them from its environment). */
  public PartnerModule(
      Vertx vertx,
      Pool pool,
      String kafkaBootstrapServers,
      String contentTopic,
      ContentConfig content,
      PartnerConfig partners,
      ApiKeys keys,
      byte[] tokenSecret,
      MeterRegistry registry) {
    this(
        vertx,
        pool,
        kafkaBootstrapServers,
        contentTopic,
        content,
        partners,
        keys,
        tokenSecret,
        registry,
        java.net.InetAddress::getAllByName);
  }

  /** The module with its settings and DNS resolver given (tests simulate DNS answers). */
  public PartnerModule(
      Vertx vertx,
      Pool pool,
      String kafkaBootstrapServers,
      String contentTopic,
      ContentConfig content,
      PartnerConfig partners,
      ApiKeys keys,
      byte[] tokenSecret,
      MeterRegistry registry,
      UrlGuard.Resolver resolver) {
    this.guard = new UrlGuard(partners.webhookAllow(), partners.webhookPorts(), resolver);
    this.vertx = vertx;
    this.pool = pool;
    this.content = content;
    this.contentTopic = contentTopic;
    this.partners = partners;
    this.keys = keys;
    this.tokenSecret = tokenSecret.clone();
    this.registry = registry;
    List<ContentLogConsumer.Sink> sinks = new ArrayList<>();
    sinks.add(syncLog);
    sinks.add(
        new WebhookFanout(webhooks, partners.webhookRetrySchedule().get(0).toMillis() / 1000.0));
    this.consumer =
        ContentLogConsumer.loop(
            kafkaBootstrapServers,
            partners.consumerGroup(),
            contentTopic,
            pool,
            sinks,
            this::afterCommit,
            registry);
  }

  /** Starts the consumer of the content topic (the tables come from the api's migrations). */
  public Future<Void> start() {
    dispatcher =
        new WebhookDispatcher(
            vertx,
            pool,
            webhooks,
            guard,
            partners.webhookRetrySchedule(),
            partners.webhookTimeout(),
            partners.webhookPollInterval(),
            registry);
    dispatcher.start();
    webSub =
        partners
            .webSubHub()
            .map(h -> new WebSubNotifier(vertx, h, partners.publicUrl()))
            .orElse(null);
    consumer.start();
    LOG.info("partner consumer reading {}", contentTopic);
    return Future.succeededFuture();
  }

  private void afterCommit(List<LoggedEvent> events) {
    if (dispatcher != null) {
      dispatcher.wake();
    }
    if (webSub != null) {
      webSub.notify(events);
    }
  }

  /**
   * Adds the routes; the router's failure handler turns their errors into problem+json.
   *
   * <p>NOTE: mount before the delivery routes: {@code /v1/entries/{id}.ics} must come before {@code
   * /v1/entries/:id}.
   */
  public void mount(Router router) {
    EntryRepository entries = new EntryRepository();
    EntryView view = new EntryView(content::fallbackChain);
    new FeedRoutes(
            pool,
            new FeedRepository(),
            entries,
            new FeedItems(entries, view, partners.siteUrl()),
            new TypeCache(pool, new ContentTypeRepository()),
            keys.deliveryAccess(content.publicDelivery()),
            content.locales(),
            content::fallbackChain,
            partners.publicUrl(),
            partners.siteUrl(),
            partners.feedTitle(),
            partners.webSubHub().map(Object::toString),
            partners.feedSize())
        .mount(router);
    new SyncRoutes(
            pool,
            syncLog,
            entries,
            new PartnerScopeRepository(),
            view,
            new SyncTokens(tokenSecret),
            keys,
            new RateLimiter(partners.rateLimitPerSecond(), partners.rateLimitBurst()),
            content.locales(),
            partners.syncPageSize())
        .mount(router);
    new WebhookRoutes(
            vertx,
            pool,
            webhooks,
            guard,
            keys,
            content.locales(),
            partners.webhookRotationOverlap(),
            () -> {
              if (dispatcher != null) {
                dispatcher.wake();
              }
            })
        .mount(router);
  }

  /** The consumer of the content topic, for readiness. */
  public ConsumerLoop consumer() {
    return consumer;
  }

  /** Stops the consumer. */
  public Future<Void> stop() {
    if (webSub != null) {
      webSub.close();
    }
    Future<Void> d = dispatcher == null ? Future.succeededFuture() : dispatcher.stop();
    return d.eventually(
        () ->
            vertx.executeBlocking(
                () -> {
                  consumer.stop(Duration.ofSeconds(10));
                  return null;
                }));
  }
}
