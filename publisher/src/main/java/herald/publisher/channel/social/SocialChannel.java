package herald.publisher.channel.social;

import herald.events.ContentEvent;
import herald.events.ContentPublished;
import herald.events.ContentUnpublished;
import herald.publisher.channel.Channel;
import herald.publisher.channel.DeliveryContext;
import herald.publisher.channel.RetryLaterException;
import herald.publisher.channel.UndeliverableException;
import herald.publisher.channel.social.SocialPostRepository.StoredPost;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.sqlclient.Pool;
import java.io.IOException;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The social channel: posts each published entry to every configured account (Mastodon, Bluesky, a
 * signed webhook) and deletes those posts again on unpublish.
 *
 * <p>Each account's post is recorded in {@code publisher.social_post} before the call ({@code
 * posting}, with the idempotency key) and after it ({@code posted}, with the network's id), so a
 * retry skips the accounts already done and repeats a lost call with the same key; a newer version
 * that finds an older one's call unfinished repeats that call first, then updates its post. A newer
 * version of a posted entry edits the Mastodon status (when its text changed), leaves the Bluesky
 * post as it is (Bluesky has no edits, and a repost would reach followers twice) and tells the
 * webhook {@code social.post.updated}.
 */
public final class SocialChannel implements Channel {

  /** The channel's name in an entry's {@code channels}. */
  public static final String NAME = "social";

  private static final Logger LOG = LoggerFactory.getLogger(SocialChannel.class);
  private static final Duration DB_TIMEOUT = Duration.ofSeconds(30);

  private final SocialConfig config;
  private final Pool pool;
  private final SocialPostRepository posts = new SocialPostRepository();
  private final Map<String, SocialAccount> accounts = new LinkedHashMap<>();
  private final MastodonClient mastodon;
  private final BlueskyClient bluesky;
  private final WebhookClient webhook;

  /**
   * The channel for the configured accounts, storing what it posted through the pool (the
   * publisher's database, schema {@code publisher}).
   */
  public static SocialChannel fromConfig(SocialConfig config, Pool pool) {
    HttpClient http =
        HttpClient.newBuilder()
            .connectTimeout(config.timeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    return new SocialChannel(config, pool, http, Clock.systemUTC());
  }

  SocialChannel(SocialConfig config, Pool pool, HttpClient http, Clock clock) {
    this.config = config;
    this.pool = pool;
    SocialHttp calls = new SocialHttp(http, config.timeout(), clock);
    this.mastodon = new MastodonClient(calls);
    this.bluesky = new BlueskyClient(calls);
    this.webhook = new WebhookClient(calls, clock);
    config.accounts().forEach(a -> accounts.put(a.id(), a));
  }

  @Override
  public String name() {
    return NAME;
  }

  /** The configured accounts. */
  public List<SocialAccount> accounts() {
    return List.copyOf(accounts.values());
  }

  /**
   * The idempotency key of a call for a delivery: the same (entry, version, channel, target) gives
   * the same key (the delivery's id), so a retry after a crash repeats the call rather than making
   * another post.
   */
  public static String idempotencyKey(UUID entryId, long version, String channel, String target) {
    return DeliveryContext.deliveryId(entryId, version, channel, target).toString();
  }

  /** One delivery per configured account; the delivery core adds earlier ones for unpublish. */
  @Override
  public List<String> targets(ContentEvent event) {
    return List.copyOf(accounts.keySet());
  }

  /** Posts to the delivery's account, with the delivery's idempotency key. */
  @Override
  public void publish(ContentPublished entry, DeliveryContext delivery) throws IOException {
    publishTo(account(delivery.target()), entry, delivery.idempotencyKey());
  }

  /** Deletes what was posted to the delivery's account. */
  @Override
  public void unpublish(ContentUnpublished entry, DeliveryContext delivery) throws IOException {
    Optional<StoredPost> post = await(posts.find(pool, entry.entryId(), delivery.target()));
    if (post.isEmpty()) {
      return; // nothing there: withdrawing what is not there is not an error
    }
    SocialAccount account = account(delivery.target());
    deleteFrom(account, post.get(), entry);
    await(posts.delete(pool, entry.entryId(), account.id()));
  }

  private SocialAccount account(String id) {
    SocialAccount account = accounts.get(id);
    if (account == null) {
      throw new UndeliverableException(
          "no social account '" + id + "' is configured (HERALD_SOCIAL_ACCOUNTS)");
    }
    return account;
  }

  @Override
  public void publish(ContentPublished entry) throws IOException {
    Failures failures = new Failures();
    for (SocialAccount account : accounts.values()) {
      try {
        publishTo(
            account, entry, idempotencyKey(entry.entryId(), entry.version(), NAME, account.id()));
      } catch (IOException | UndeliverableException e) {
        failures.add(account, e);
      }
    }
    failures.throwIfAny("posting entry " + entry.entryId() + " v" + entry.version());
  }

  @Override
  public void unpublish(ContentUnpublished entry) throws IOException {
    Failures failures = new Failures();
    for (StoredPost post : await(posts.findByEntry(pool, entry.entryId()))) {
      SocialAccount account = accounts.get(post.account());
      if (account == null) {
        // Without the account's credentials nothing can be deleted; the row stays as the record.
        LOG.warn(
            "entry {} was posted to account {}, which is no longer configured: not deleted",
            entry.entryId(),
            post.account());
        continue;
      }
      try {
        deleteFrom(account, post, entry);
        await(posts.delete(pool, entry.entryId(), account.id()));
      } catch (IOException | UndeliverableException e) {
        failures.add(account, e);
      }
    }
    failures.throwIfAny("deleting the posts of entry " + entry.entryId());
  }

  /** What each account would post for the entry, and the generic text per network. */
  public JsonObject preview(ContentPublished entry, String locale) {
    JsonArray networks = new JsonArray();
    for (Network n : Network.values()) {
      networks.add(SocialText.compose(entry, locale, n, config.siteUrl()).toJson());
    }
    JsonArray perAccount = new JsonArray();
    for (SocialAccount a : accounts.values()) {
      String l = a.preferredLocale().filter(entry.locales()::contains).orElse(locale);
      perAccount.add(
          SocialText.compose(entry, l, a.network(), config.siteUrl())
              .toJson()
              .put("account", a.id()));
    }
    return new JsonObject()
        .put("locale", locale)
        .put("url", SocialText.url(config.siteUrl(), locale, entry.contentType(), entry.slug()))
        .put("posts", networks)
        .put("accounts", perAccount);
  }

  /** Adds {@code POST /v1/social/preview} to the router. */
  public void mount(Router router) {
    new SocialPreviewRoutes(this).mount(router);
  }

  private void publishTo(SocialAccount account, ContentPublished entry, String deliveryKey)
      throws IOException {
    String locale =
        account.preferredLocale().filter(entry.locales()::contains).orElse(firstLocale(entry));
    SocialPost post = SocialText.compose(entry, locale, account.network(), config.siteUrl());
    Optional<StoredPost> stored = await(posts.find(pool, entry.entryId(), account.id()));

    if (stored.isPresent() && !stored.get().posted() && stored.get().version() < entry.version()) {
      // An older version's try that may have reached the network (its answer lost, or the
      // publisher killed): a network that took it answers a repeat under its key with that older
      // post, whatever the repeat carries (Mastodon's Idempotency-Key, a receiver's webhook-id).
      // So the repeat is recorded as the older version's post, which is then brought up to this
      // version like any posted one; recording it as this version would leave the older text
      // out there for good.
      StoredPost earlier = stored.get();
      RemotePost remote =
          create(
              account,
              entry,
              post,
              earlier.idempotencyKey(),
              earlier.remoteId(),
              Optional.of(earlier.firstTriedAt()));
      await(
          posts.recordPosted(
              pool, entry.entryId(), account.id(), earlier.version(), remote, earlier.text()));
      LOG.info(
          "finished the unfinished post of entry {} v{} to {}, to bring it to v{}",
          entry.entryId(),
          earlier.version(),
          account.id(),
          entry.version());
      stored = await(posts.find(pool, entry.entryId(), account.id()));
    }

    if (stored.isPresent() && stored.get().posted()) {
      StoredPost done = stored.get();
      if (done.version() >= entry.version()) {
        return; // this version (or a newer one) is out already
      }
      update(account, done, post, entry, deliveryKey);
      return;
    }

    // A 'posting' row is a try that may have reached the network: repeat it with its own key.
    String key = stored.map(StoredPost::idempotencyKey).orElse(deliveryKey);
    String planned =
        switch (account.network()) {
          case MASTODON -> null;
          case BLUESKY ->
              stored.map(StoredPost::remoteId).orElse(BlueskyClient.tid(entry.occurredAt(), key));
          case WEBHOOK -> key;
        };
    await(
        posts.recordPosting(
            pool,
            entry.entryId(),
            account.id(),
            account.network(),
            entry.version(),
            key,
            planned,
            post.text()));
    RemotePost remote =
        create(
            account,
            entry,
            post,
            key,
            planned,
            stored.filter(p -> !p.posted()).map(StoredPost::firstTriedAt));
    await(
        posts.recordPosted(
            pool, entry.entryId(), account.id(), entry.version(), remote, post.text()));
    LOG.info(
        "posted entry {} v{} to {} ({})",
        entry.entryId(),
        entry.version(),
        account.id(),
        remote.uri() == null ? remote.id() : remote.uri());
  }

  /**
   * Makes the post under the idempotency key (Bluesky: under the planned record key); a repeat of a
   * call that went through finds the post made then.
   */
  private RemotePost create(
      SocialAccount account,
      ContentPublished entry,
      SocialPost post,
      String key,
      String planned,
      Optional<java.time.Instant> firstTry)
      throws IOException {
    return switch (account.network()) {
      case MASTODON -> {
        // Past the window in which Mastodon remembers the key, an earlier try that got through
        // is found among the account's statuses instead of being posted a second time.
        if (firstTry.isPresent()
            && firstTry.get().isBefore(Instant.now().minus(config.mastodonIdempotencyWindow()))) {
          Optional<RemotePost> earlier = mastodon.findEarlier(account, post, firstTry.get());
          if (earlier.isPresent()) {
            LOG.info(
                "entry {}: an earlier try reached {} as status {}; not posting again",
                entry.entryId(),
                account.id(),
                earlier.get().id());
            yield earlier.get();
          }
        }
        yield mastodon.create(account, post, key);
      }
      case BLUESKY -> bluesky.create(account, post, planned, entry.occurredAt());
      case WEBHOOK -> {
        webhook.send(account, key, "social.post.created", webhookData(account, entry, post, key));
        yield new RemotePost(key, null);
      }
    };
  }

  private void update(
      SocialAccount account,
      StoredPost done,
      SocialPost post,
      ContentPublished entry,
      String deliveryKey)
      throws IOException {
    String text = post.text();
    switch (account.network()) {
      case MASTODON -> {
        if (!post.text().equals(done.text())) {
          mastodon.edit(account, done.remoteId(), post);
        }
      }
      case BLUESKY -> text = done.text(); // kept as posted: see the class comment
      case WEBHOOK ->
          webhook.send(
              account,
              deliveryKey,
              "social.post.updated",
              webhookData(account, entry, post, done.remoteId()));
    }
    await(
        posts.recordPosted(
            pool,
            entry.entryId(),
            account.id(),
            entry.version(),
            new RemotePost(done.remoteId(), done.remoteUri()),
            text));
  }

  private void deleteFrom(SocialAccount account, StoredPost post, ContentUnpublished entry)
      throws IOException {
    switch (account.network()) {
      case MASTODON -> {
        if (post.remoteId() == null) {
          // The post call may or may not have got through and its id was never seen; repeating it
          // to learn the id could post it after all.
          LOG.warn(
              "entry {}: the mastodon post on {} was never confirmed; nothing to delete",
              entry.entryId(),
              account.id());
        } else {
          mastodon.delete(account, post.remoteId());
        }
      }
      case BLUESKY -> bluesky.delete(account, post.remoteId());
      case WEBHOOK ->
          webhook.send(
              account,
              idempotencyKey(entry.entryId(), entry.version(), NAME, account.id()),
              "social.post.deleted",
              new JsonObject()
                  .put("postId", post.remoteId())
                  .put("entryId", entry.entryId().toString())
                  .put("version", entry.version())
                  .put("account", account.id()));
    }
  }

  private static JsonObject webhookData(
      SocialAccount account, ContentPublished entry, SocialPost post, String postId) {
    return new JsonObject()
        .put("postId", postId)
        .put("entryId", entry.entryId().toString())
        .put("version", entry.version())
        .put("account", account.id())
        .put("contentType", entry.contentType())
        .put("slug", entry.slug())
        .put("locale", post.locale())
        .put("title", entry.title(post.locale()))
        .put("url", post.url())
        .put("text", post.text())
        .put("hashtags", new JsonArray(new ArrayList<>(SocialText.hashtags(entry))));
  }

  static String firstLocale(ContentPublished entry) {
    return entry.locales().isEmpty() ? "en" : entry.locales().get(0);
  }

  /**
   * Waits for a database future. NOTE: blocks; the channel runs on the consumer's own thread, never
   * on a Vert.x thread.
   */
  private static <T> T await(Future<T> future) throws IOException {
    try {
      // NOTE: timeout() rather than await(time): on a virtual thread the latter waits forever.
      return future.timeout(DB_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).await();
    } catch (Exception e) {
      if (e instanceof TimeoutException t) {
        throw new RetryLaterException("the database did not answer within " + DB_TIMEOUT, null, t);
      }
      throw e;
    }
  }

  /** Failures of some accounts, reported together after every account had its turn. */
  private static final class Failures {
    private final List<String> retry = new ArrayList<>();
    private final List<String> permanent = new ArrayList<>();
    private Duration retryAfter;

    void add(SocialAccount account, Exception e) {
      String line = account.id() + ": " + e.getMessage();
      if (e instanceof UndeliverableException) {
        permanent.add(line);
        LOG.warn("social account {} cannot take the post: {}", account.id(), e.getMessage());
        return;
      }
      retry.add(line);
      LOG.info("social account {} failed, to be retried: {}", account.id(), e.getMessage());
      if (e instanceof RetryLaterException r && r.retryAfter().isPresent()) {
        Duration d = r.retryAfter().get();
        retryAfter = retryAfter == null || d.compareTo(retryAfter) > 0 ? d : retryAfter;
      }
    }

    /** Retriable failures win: the retry repeats only the accounts not done yet. */
    void throwIfAny(String what) throws RetryLaterException {
      if (!retry.isEmpty()) {
        List<String> all = new ArrayList<>(retry);
        all.addAll(permanent);
        throw new RetryLaterException(what + ": " + String.join("; ", all), retryAfter);
      }
      if (!permanent.isEmpty()) {
        throw new UndeliverableException(what + ": " + String.join("; ", permanent));
      }
    }
  }
}
