package herald.publisher.channel.newsletter;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The newsletter's HTTP interface: public subscription endpoints and the editors' issue endpoints
 * (internal: the api forwards them after checking the editor's key, and the publisher's {@code
 * InternalGuard} lets only the internal token through).
 */
final class NewsletterRoutes {

  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(NewsletterRoutes.class);

  private static final long MAX_BODY = 64 * 1024;
  private static final int MAX_TOPICS = 50;
  private static final Pattern TOPIC = Pattern.compile("[\\p{L}\\p{N}][\\p{L}\\p{N} _-]{0,63}");
  private static final String MANAGE = "/v1/manage/newsletter";
  private static final String ACCEPTED =
      new JsonObject()
              .put("status", "accepted")
              .put(
                  "detail",
                  "If this address can receive mail, a message to confirm the subscription is on its"
                      + " way.")
              .encode()
          + "\n";

  private final SubscriptionService subscriptions;
  private final IssueService issues;
  private final NewsletterModule module;
  private final NewsletterConfig config;
  private final SubscriberRepository subscribers;
  private final NewsletterEntryRepository entries;
  private final io.vertx.sqlclient.Pool pool;

  NewsletterRoutes(
      SubscriptionService subscriptions,
      IssueService issues,
      NewsletterModule module,
      NewsletterConfig config,
      SubscriberRepository subscribers,
      NewsletterEntryRepository entries,
      io.vertx.sqlclient.Pool pool) {
    this.subscriptions = subscriptions;
    this.issues = issues;
    this.module = module;
    this.config = config;
    this.subscribers = subscribers;
    this.entries = entries;
    this.pool = pool;
  }

  void mount(Router router) {
    BodyHandler body = BodyHandler.create().setBodyLimit(MAX_BODY);
    router.post("/v1/newsletter/subscribe").handler(body).handler(this::subscribe);
    router.get("/v1/newsletter/confirm").handler(this::confirm);
    router.get("/v1/newsletter/unsubscribe").handler(this::unsubscribePage);
    router.post("/v1/newsletter/unsubscribe").handler(body).handler(this::unsubscribe);

    router.get(MANAGE + "/entries").handler(this::listEntries);
    router.get(MANAGE + "/subscribers").handler(this::subscriberCounts);
    router.get(MANAGE + "/subscribers/search").handler(this::searchSubscribers);
    router.get(MANAGE + "/subscribers/export").handler(this::exportSubscribers);
    router.post(MANAGE + "/subscribers/:id/unsubscribe").handler(this::unsubscribeByEditor);
    router.post(MANAGE + "/issues").handler(body).handler(this::createIssue);
    router.get(MANAGE + "/issues").handler(this::listIssues);
    router.get(MANAGE + "/issues/:id").handler(this::getIssue);
    router.put(MANAGE + "/issues/:id").handler(body).handler(this::updateIssue);
    router.get(MANAGE + "/issues/:id/preview").handler(this::preview);
    router.post(MANAGE + "/issues/:id/test").handler(body).handler(this::sendTest);
    router.post(MANAGE + "/issues/:id/send").handler(body).handler(this::send);
  }

  // --- public -------------------------------------------------------------------------------

  /** Always 202 with the same body for a well-formed request: no way to learn who subscribed. */
  private void subscribe(RoutingContext ctx) {
    Optional<JsonObject> json = json(ctx);
    if (json.isEmpty()) {
      return;
    }
    JsonObject in = json.get();
    JsonArray errors = new JsonArray();
    Optional<String> email =
        in.getValue("email") instanceof String s ? EmailAddresses.normalise(s) : Optional.empty();
    if (email.isEmpty()) {
      errors.add(error("email", "must be a valid email address"));
    }
    String locale = in.getValue("locale") instanceof String l ? l : config.defaultLocale();
    if (!config.locales().contains(locale)) {
      errors.add(error("locale", "must be one of " + String.join(", ", config.locales())));
    }
    List<String> topics = new ArrayList<>();
    Object t = in.getValue("topics");
    if (t != null) {
      if (!(t instanceof JsonArray arr) || arr.size() > MAX_TOPICS) {
        errors.add(error("topics", "must be an array of at most " + MAX_TOPICS + " tags"));
      } else {
        for (Object o : arr) {
          if (o instanceof String s && TOPIC.matcher(s.strip()).matches()) {
            topics.add(s.strip());
          } else {
            errors.add(error("topics", "'" + o + "' is not a tag"));
            break;
          }
        }
      }
    }
    if (!errors.isEmpty()) {
      Problems.send(
          ctx,
          422,
          "validation",
          "The subscription request is not valid",
          "Check the fields listed in errors.",
          errors);
      return;
    }
    // Answered before any lookup, so neither the answer nor its timing depends on the address.
    ctx.response().setStatusCode(202).putHeader("content-type", "application/json").end(ACCEPTED);
    subscriptions
        .subscribe(email.get(), locale, topics)
        .onFailure(e -> LOG.warn("could not record a subscription request", e));
  }

  private void confirm(RoutingContext ctx) {
    subscriptions
        .confirm(ctx.request().getParam("token"))
        .onSuccess(
            id -> {
              if (id.isEmpty()) {
                invalidToken(
                    ctx,
                    "This confirmation link is not valid or has expired. Subscribe again to get a new one.");
              } else {
                page(
                    ctx,
                    "Subscription confirmed",
                    "You will receive "
                        + config.name()
                        + ". Each issue has a link to unsubscribe.");
              }
            })
        .onFailure(ctx::fail);
  }

  /** A page with a button: a GET never unsubscribes, because link scanners follow links. */
  private void unsubscribePage(RoutingContext ctx) {
    String token = ctx.request().getParam("token");
    if (token == null || token.isEmpty() || !subscriptionsTokenLooksValid(token)) {
      invalidToken(ctx, "This unsubscribe link is not valid.");
      return;
    }
    String action =
        "/v1/newsletter/unsubscribe?token="
            + java.net.URLEncoder.encode(token, StandardCharsets.UTF_8);
    ctx.response()
        .putHeader("content-type", "text/html; charset=utf-8")
        .putHeader("cache-control", "no-store")
        .end(
            html(
                "Unsubscribe",
                "<p>Stop receiving "
                    + IssueRenderer.escape(config.name())
                    + "?</p><form method=\"post\" action=\""
                    + IssueRenderer.escape(action)
                    + "\"><input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">"
                    + "<button type=\"submit\">Unsubscribe</button></form>"));
  }

  /** The form's POST and RFC 8058 one-click ({@code List-Unsubscribe=One-Click}) alike. */
  private void unsubscribe(RoutingContext ctx) {
    subscriptions
        .unsubscribe(ctx.request().getParam("token"))
        .onSuccess(
            id -> {
              if (id.isEmpty()) {
                invalidToken(ctx, "This unsubscribe link is not valid.");
              } else {
                page(ctx, "Unsubscribed", "You will not receive " + config.name() + " any more.");
              }
            })
        .onFailure(ctx::fail);
  }

  private boolean subscriptionsTokenLooksValid(String token) {
    return module.tokens().verify(token, Tokens.Purpose.UNSUBSCRIBE).isPresent();
  }

  // --- editors ------------------------------------------------------------------------------

  private void listEntries(RoutingContext ctx) {
    boolean all = "true".equals(ctx.request().getParam("all"));
    entries
        .list(pool, all)
        .onSuccess(list -> json(ctx, 200, new JsonObject().put("entries", list)))
        .onFailure(ctx::fail);
  }

  private void subscriberCounts(RoutingContext ctx) {
    subscribers.counts(pool).onSuccess(c -> json(ctx, 200, c)).onFailure(ctx::fail);
  }

  private static final java.util.Set<String> STATUSES =
      java.util.Set.of("pending", "confirmed", "unsubscribed");

  /**
   * {@code ?q=&status=&limit=&cursor=}: subscribers whose address contains {@code q}, in address
   * order, a page at a time ({@code nextCursor} names the next).
   */
  private void searchSubscribers(RoutingContext ctx) {
    String q = ctx.request().getParam("q");
    String status = ctx.request().getParam("status");
    String limitParam = ctx.request().getParam("limit");
    String cursor = ctx.request().getParam("cursor");
    int limit = 50;
    String afterEmail = null;
    UUID afterId = null;
    try {
      if (limitParam != null) {
        limit = Integer.parseInt(limitParam);
        if (limit < 1 || limit > 200) {
          throw new IllegalArgumentException("limit");
        }
      }
      if (q != null && q.length() > 200) {
        throw new IllegalArgumentException("q");
      }
      if (status != null && !STATUSES.contains(status)) {
        throw new IllegalArgumentException("status");
      }
      if (cursor != null) {
        String raw =
            new String(java.util.Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
        int at = raw.lastIndexOf('\n');
        afterEmail = raw.substring(0, at);
        afterId = UUID.fromString(raw.substring(at + 1));
      }
    } catch (RuntimeException e) {
      Problems.send(
          ctx,
          400,
          "bad-request",
          "The search is not valid",
          "'q' is at most 200 characters, 'status' pending, confirmed or unsubscribed, 'limit'"
              + " 1 to 200, and 'cursor' one this endpoint gave.");
      return;
    }
    int n = limit;
    subscribers
        .search(pool, q, status, afterEmail, afterId, limit)
        .onSuccess(
            rows -> {
              JsonArray items = new JsonArray();
              rows.forEach(r -> items.add(r.toJson()));
              String next = null;
              if (rows.size() == n) {
                SubscriberRepository.Listed last = rows.get(rows.size() - 1);
                next =
                    java.util.Base64.getUrlEncoder()
                        .withoutPadding()
                        .encodeToString(
                            (last.email() + "\n" + last.id()).getBytes(StandardCharsets.UTF_8));
              }
              json(ctx, 200, new JsonObject().put("items", items).put("nextCursor", next));
            })
        .onFailure(ctx::fail);
  }

  /** Every subscriber (or those of {@code ?status=}) as CSV, for a spreadsheet or another tool. */
  private void exportSubscribers(RoutingContext ctx) {
    String status = ctx.request().getParam("status");
    if (status != null && !STATUSES.contains(status)) {
      Problems.send(
          ctx,
          400,
          "bad-request",
          "The export is not valid",
          "'status' is pending, confirmed or unsubscribed.");
      return;
    }
    StringBuilder csv =
        new StringBuilder("email,locale,topics,status,created_at,confirmed_at,unsubscribed_at\r\n");
    exportPage(ctx, status, null, null, csv);
  }

  private void exportPage(
      RoutingContext ctx, String status, String afterEmail, UUID afterId, StringBuilder csv) {
    int page = 1000;
    subscribers
        .search(pool, null, status, afterEmail, afterId, page)
        .onSuccess(
            rows -> {
              for (SubscriberRepository.Listed r : rows) {
                JsonObject j = r.toJson();
                csv.append(Csv.cell(r.email()))
                    .append(',')
                    .append(Csv.cell(r.locale()))
                    .append(',')
                    .append(Csv.cell(String.join(" ", r.topics())))
                    .append(',')
                    .append(r.status())
                    .append(',')
                    .append(j.getString("createdAt"))
                    .append(',')
                    .append(j.getString("confirmedAt") == null ? "" : j.getString("confirmedAt"))
                    .append(',')
                    .append(
                        j.getString("unsubscribedAt") == null ? "" : j.getString("unsubscribedAt"))
                    .append("\r\n");
              }
              if (rows.size() == page) {
                SubscriberRepository.Listed last = rows.get(rows.size() - 1);
                exportPage(ctx, status, last.email(), last.id(), csv);
                return;
              }
              ctx.response()
                  .putHeader("content-type", "text/csv; charset=utf-8")
                  .putHeader("cache-control", "no-store")
                  .putHeader(
                      "content-disposition", "attachment; filename=\"newsletter-subscribers.csv\"")
                  .end(csv.toString());
            })
        .onFailure(ctx::fail);
  }

  /** An editor unsubscribes someone who asked them to (the subscriber's own link does the same). */
  private void unsubscribeByEditor(RoutingContext ctx) {
    UUID id;
    try {
      id = UUID.fromString(ctx.pathParam("id"));
    } catch (IllegalArgumentException e) {
      Problems.send(ctx, 404, "not-found", "Not Found", "There is no such subscriber.");
      return;
    }
    subscribers
        .unsubscribeByEditor(pool, id)
        .onSuccess(
            r -> {
              if (r.isEmpty()) {
                Problems.send(ctx, 404, "not-found", "Not Found", "There is no such subscriber.");
              } else {
                json(ctx, 200, r.get().toJson());
              }
            })
        .onFailure(ctx::fail);
  }

  private void createIssue(RoutingContext ctx) {
    JsonObject in = ctx.body().isEmpty() ? new JsonObject() : json(ctx).orElse(null);
    if (in == null) {
      return;
    }
    Object subject = in.getValue("subject");
    if (subject != null && !(subject instanceof String s && !s.isBlank() && s.length() <= 200)) {
      Problems.send(
          ctx, 422, "validation", "The issue is not valid", "'subject' must be 1-200 characters.");
      return;
    }
    issues
        .create((String) subject)
        .compose(issues::describe)
        .onSuccess(
            issue -> {
              ctx.response().putHeader("location", MANAGE + "/issues/" + issue.getString("id"));
              json(ctx, 201, issue);
            })
        .onFailure(ctx::fail);
  }

  private void listIssues(RoutingContext ctx) {
    issues
        .list()
        .onSuccess(
            list -> {
              JsonArray out = new JsonArray();
              list.forEach(i -> out.add(i.toJson()));
              json(ctx, 200, new JsonObject().put("issues", out));
            })
        .onFailure(ctx::fail);
  }

  private void getIssue(RoutingContext ctx) {
    withIssue(
        ctx,
        issue -> issues.describe(issue).onSuccess(j -> json(ctx, 200, j)).onFailure(ctx::fail));
  }

  private void updateIssue(RoutingContext ctx) {
    Optional<JsonObject> json = json(ctx);
    if (json.isEmpty()) {
      return;
    }
    JsonObject in = json.get();
    withIssue(
        ctx,
        issue -> {
          if (!issue.editable()) {
            Problems.send(
                ctx,
                409,
                "issue-not-editable",
                "The issue cannot change",
                "Issue #" + issue.number() + " is " + issue.status() + ".");
            return;
          }
          Object subject = in.getValue("subject");
          if (subject != null
              && !(subject instanceof String s && !s.isBlank() && s.length() <= 200)) {
            Problems.send(
                ctx,
                422,
                "validation",
                "The issue is not valid",
                "'subject' must be 1-200 characters.");
            return;
          }
          List<UUID> items = null;
          if (in.getValue("items") != null) {
            items = uuids(in.getValue("items"));
            if (items == null) {
              Problems.send(
                  ctx,
                  422,
                  "validation",
                  "The issue is not valid",
                  "'items' must be an array of distinct entry ids.");
              return;
            }
          }
          List<UUID> finalItems = items;
          (items == null ? io.vertx.core.Future.succeededFuture(true) : issues.allKnown(items))
              .compose(
                  known -> {
                    if (!known) {
                      Problems.send(
                          ctx,
                          422,
                          "validation",
                          "The issue is not valid",
                          "Every item must be an entry published to the newsletter channel.");
                      return io.vertx.core.Future.succeededFuture();
                    }
                    return issues
                        .update(issue.id(), (String) subject, finalItems)
                        .compose(v -> issues.find(issue.id()))
                        .compose(i -> issues.describe(i.orElseThrow()))
                        .onSuccess(j -> json(ctx, 200, j))
                        .mapEmpty();
                  })
              .onFailure(ctx::fail);
        });
  }

  private void preview(RoutingContext ctx) {
    String locale = ctx.request().getParam("locale");
    String l = locale == null ? config.defaultLocale() : locale;
    if (!config.locales().contains(l)) {
      Problems.send(
          ctx,
          422,
          "validation",
          "The preview is not valid",
          "'locale' must be one of " + String.join(", ", config.locales()) + ".");
      return;
    }
    boolean text = "text".equals(ctx.request().getParam("format"));
    withIssue(
        ctx,
        issue ->
            issues
                .preview(issue, l, List.of())
                .onSuccess(
                    r ->
                        ctx.response()
                            .putHeader(
                                "content-type",
                                text ? "text/plain; charset=utf-8" : "text/html; charset=utf-8")
                            // The preview is shown inside the editor: nothing in it may run.
                            .putHeader(
                                "content-security-policy",
                                "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:")
                            .end(text ? r.text() : r.html()))
                .onFailure(ctx::fail));
  }

  private void sendTest(RoutingContext ctx) {
    Optional<JsonObject> json = json(ctx);
    if (json.isEmpty()) {
      return;
    }
    Optional<String> email =
        json.get().getValue("email") instanceof String s
            ? EmailAddresses.normalise(s)
            : Optional.empty();
    String locale = json.get().getValue("locale") instanceof String l ? l : config.defaultLocale();
    if (email.isEmpty() || !config.locales().contains(locale)) {
      Problems.send(
          ctx,
          422,
          "validation",
          "The test is not valid",
          "'email' must be a valid address and 'locale' an allowed locale.");
      return;
    }
    withIssue(
        ctx,
        issue ->
            issues
                .sendTest(issue, email.get(), locale)
                .onSuccess(
                    v ->
                        json(
                            ctx,
                            202,
                            new JsonObject().put("status", "sent").put("to", email.get())))
                .onFailure(
                    e ->
                        Problems.send(
                            ctx,
                            502,
                            "smtp",
                            "The test could not be sent",
                            "The mail server did not take the message.")));
  }

  private void send(RoutingContext ctx) {
    JsonObject in = ctx.body().isEmpty() ? new JsonObject() : json(ctx).orElse(null);
    if (in == null) {
      return;
    }
    Instant at = null;
    if (in.getValue("at") != null) {
      try {
        at = Instant.parse(String.valueOf(in.getValue("at")));
      } catch (DateTimeParseException e) {
        Problems.send(
            ctx,
            422,
            "validation",
            "The sending time is not valid",
            "'at' must be an RFC 3339 UTC time.");
        return;
      }
    }
    Instant when = at;
    withIssue(
        ctx,
        issue -> {
          if (!issue.editable()) {
            Problems.send(
                ctx,
                409,
                "issue-not-editable",
                "The issue was sent already",
                "Issue #" + issue.number() + " is " + issue.status() + ".");
            return;
          }
          if (when != null && when.isAfter(Instant.now())) {
            issues
                .schedule(issue.id(), when)
                .onSuccess(
                    v ->
                        json(
                            ctx,
                            202,
                            new JsonObject()
                                .put("id", issue.id().toString())
                                .put("status", Issue.SCHEDULED)
                                .put("scheduledAt", when.toString())))
                .onFailure(ctx::fail);
            return;
          }
          issues
              .start(issue.id())
              .onSuccess(
                  started -> {
                    module.submit(issue.id());
                    json(
                        ctx,
                        202,
                        new JsonObject()
                            .put("id", issue.id().toString())
                            .put("status", Issue.SENDING));
                  })
              .onFailure(ctx::fail);
        });
  }

  // --- helpers ------------------------------------------------------------------------------

  private void withIssue(RoutingContext ctx, java.util.function.Consumer<Issue> then) {
    UUID id;
    try {
      id = UUID.fromString(ctx.pathParam("id"));
    } catch (IllegalArgumentException e) {
      Problems.send(ctx, 404, "not-found", "Not Found", "There is no such issue.");
      return;
    }
    issues
        .find(id)
        .onSuccess(
            issue -> {
              if (issue.isEmpty()) {
                Problems.send(ctx, 404, "not-found", "Not Found", "There is no such issue.");
              } else {
                then.accept(issue.get());
              }
            })
        .onFailure(ctx::fail);
  }

  private static List<UUID> uuids(Object value) {
    if (!(value instanceof JsonArray arr) || arr.size() > 200) {
      return null;
    }
    List<UUID> out = new ArrayList<>();
    for (Object o : arr) {
      try {
        UUID id = UUID.fromString(String.valueOf(o));
        if (out.contains(id)) {
          return null;
        }
        out.add(id);
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
    return out;
  }

  private static Optional<JsonObject> json(RoutingContext ctx) {
    try {
      JsonObject o = ctx.body().asJsonObject();
      if (o != null) {
        return Optional.of(o);
      }
    } catch (DecodeException | ClassCastException e) {
      // answered below
    }
    Problems.send(ctx, 400, "bad-request", "The body is not a JSON object", "Send a JSON object.");
    return Optional.empty();
  }

  private static JsonObject error(String field, String detail) {
    return new JsonObject().put("field", field).put("detail", detail);
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response()
        .setStatusCode(status)
        .putHeader("content-type", "application/json")
        .end(body.encode() + "\n");
  }

  private static void invalidToken(RoutingContext ctx, String detail) {
    Problems.send(ctx, 400, "invalid-token", "The link is not valid", detail);
  }

  private void page(RoutingContext ctx, String title, String text) {
    ctx.response()
        .putHeader("content-type", "text/html; charset=utf-8")
        .putHeader("cache-control", "no-store")
        .end(html(title, "<p>" + IssueRenderer.escape(text) + "</p>"));
  }

  private static String html(String title, String body) {
    return "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>"
        + IssueRenderer.escape(title)
        + "</title></head><body style=\"font-family:Arial,Helvetica,sans-serif;max-width:560px;margin:40px auto;padding:0 16px;\"><h1>"
        + IssueRenderer.escape(title)
        + "</h1>"
        + body
        + "</body></html>";
  }
}
