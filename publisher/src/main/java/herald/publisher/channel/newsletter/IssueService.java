package herald.publisher.channel.newsletter;

import herald.events.ContentEvent;
import herald.events.ContentEventCodec;
import herald.events.ContentPublished;
import herald.publisher.channel.newsletter.IssueRenderer.Rendered;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/** What editors do with issues: create from the pool, edit, preview, test, send or schedule. */
final class IssueService {

  private final Pool pool;
  private final IssueRepository issues;
  private final RecipientRepository recipients;
  private final Tokens tokens;
  private final Mailer mailer;
  private final NewsletterConfig config;
  private final IssueRenderer renderer;

  IssueService(
      Pool pool,
      IssueRepository issues,
      RecipientRepository recipients,
      Tokens tokens,
      Mailer mailer,
      NewsletterConfig config) {
    this.pool = pool;
    this.issues = issues;
    this.recipients = recipients;
    this.tokens = tokens;
    this.mailer = mailer;
    this.config = config;
    this.renderer = new IssueRenderer(config.name(), config.siteUrl());
  }

  IssueRenderer renderer() {
    return renderer;
  }

  /** A new draft holding every pending entry that no other unsent issue holds. */
  Future<Issue> create(String subject) {
    String s = subject == null || subject.isBlank() ? config.name() : subject.strip();
    return pool.withTransaction(conn -> issues.create(conn, UUID.randomUUID(), s));
  }

  Future<Optional<Issue>> find(UUID id) {
    return issues.find(pool, id);
  }

  Future<List<Issue>> list() {
    return issues.list(pool);
  }

  /** The issue with its items and, once sending started, its recipients' counts. */
  Future<JsonObject> describe(Issue issue) {
    return issues
        .items(pool, issue.id())
        .compose(
            items ->
                recipients
                    .counts(pool, issue.id())
                    .map(
                        counts -> {
                          JsonArray list = new JsonArray();
                          for (IssueRepository.Item i : items) {
                            ContentPublished e = toEntry(i.event());
                            list.add(
                                new JsonObject()
                                    .put("entryId", i.entryId().toString())
                                    .put("position", i.position())
                                    .put("version", e.version())
                                    .put("type", e.contentType())
                                    .put("slug", e.slug())
                                    .put("title", e.title(firstLocale(i.event()))));
                          }
                          return issue.toJson().put("items", list).put("recipients", counts);
                        }));
  }

  /** Changes the subject and/or the items (in the given order); the issue must be editable. */
  Future<Void> update(UUID id, String subject, List<UUID> items) {
    return pool.withTransaction(
        conn -> {
          Future<Void> f = Future.succeededFuture();
          if (subject != null) {
            f = f.compose(v -> issues.setSubject(conn, id, subject.strip()));
          }
          if (items != null) {
            f = f.compose(v -> issues.setItems(conn, id, items));
          }
          return f;
        });
  }

  /** Whether every id is an entry of the pool. */
  Future<Boolean> allKnown(List<UUID> ids) {
    if (ids.isEmpty()) {
      return Future.succeededFuture(true);
    }
    return issues.countKnown(pool, ids).map(n -> n == ids.size());
  }

  /** The issue as a subscriber in the locale with the given topics would get it. */
  Future<Rendered> preview(Issue issue, String locale, List<String> topics) {
    return render(issue, locale, topics, config.publicUrl() + "/v1/newsletter/unsubscribe");
  }

  private Future<Rendered> render(
      Issue issue, String locale, List<String> topics, String unsubscribeUrl) {
    return issues
        .items(pool, issue.id())
        .map(
            items -> {
              List<ContentPublished> mine =
                  forTopics(items.stream().map(i -> toEntry(i.event())).toList(), topics);
              return renderer.render(issue.number(), issue.subject(), mine, locale, unsubscribeUrl);
            });
  }

  /** Sends the issue to one address with "[Test]" before the subject; no status is kept. */
  Future<Void> sendTest(Issue issue, String email, String locale) {
    // An unsubscribe link for nobody: it shows where the link goes and unsubscribes no one.
    String unsubscribe = unsubscribeUrl(new UUID(0, 0));
    String messageId =
        "<test."
            + issue.id()
            + "."
            + UUID.randomUUID()
            + "@"
            + Mailer.domainOf(config.from())
            + ">";
    return render(issue, locale, List.of(), unsubscribe)
        .compose(
            r ->
                mailer.send(
                    email, "[Test] " + r.subject(), r.html(), r.text(), messageId, unsubscribe));
  }

  /** Schedules the issue for a time. */
  Future<Boolean> schedule(UUID id, Instant at) {
    return issues.schedule(pool, id, at);
  }

  /**
   * Moves the issue to sending and writes one pending row per confirmed subscriber, in one
   * transaction; false when it was not draft or scheduled.
   */
  Future<Boolean> start(UUID id) {
    return pool.withTransaction(
        conn ->
            issues
                .lockForSending(conn, id)
                .compose(
                    locked ->
                        locked
                            ? recipients
                                .insertAll(conn, id, Mailer.domainOf(config.from()))
                                .map(true)
                            : Future.succeededFuture(false)));
  }

  String unsubscribeUrl(UUID subscriberId) {
    return config.publicUrl()
        + "/v1/newsletter/unsubscribe?token="
        + tokens.unsubscribe(subscriberId);
  }

  /** Items for a subscriber's topics: all when there are none, else those sharing a tag. */
  static List<ContentPublished> forTopics(List<ContentPublished> items, List<String> topics) {
    if (topics.isEmpty()) {
      return items;
    }
    Set<String> wanted =
        topics.stream().map(t -> t.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
    return items.stream()
        .filter(
            e -> {
              var tags = e.fields().get("tags");
              if (tags == null || !tags.isArray()) {
                return false;
              }
              for (var t : tags) {
                if (wanted.contains(t.asText("").toLowerCase(Locale.ROOT))) {
                  return true;
                }
              }
              return false;
            })
        .toList();
  }

  /** An entry from its stored {@code content.published} data. */
  static ContentPublished toEntry(JsonObject event) {
    return (ContentPublished)
        ContentEventCodec.fromData(ContentEvent.PUBLISHED, event.toBuffer().getBytes());
  }

  static String firstLocale(JsonObject event) {
    JsonArray locales = event.getJsonArray("locales");
    return locales == null || locales.isEmpty() ? "en" : locales.getString(0);
  }
}
