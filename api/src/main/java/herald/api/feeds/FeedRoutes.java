package herald.api.feeds;

import herald.api.content.EntryRepository;
import herald.api.content.TypeCache;
import herald.api.http.ProblemException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * Public feeds of published content: RSS 2.0, Atom and JSON Feed per type (or {@code all}), tag and
 * locale, and iCalendar for events; strong ETags over the body, Last-Modified, and 304s.
 */
public final class FeedRoutes {
  /** The content type whose entries are calendar events. */
  public static final String EVENT_TYPE = "event";

  private static final Set<String> FEED_PARAMS = Set.of("locale", "tag");
  private static final Set<String> ICS_PARAMS = Set.of("locale");

  private final Pool pool;
  private final FeedRepository repo;
  private final EntryRepository entries;
  private final FeedItems items;
  private final TypeCache types;
  private final Handler<RoutingContext> deliveryAccess;
  private final ICalendarWriter ical;
  private final List<String> locales;
  private final Function<String, List<String>> fallbacks;
  private final String publicUrl;
  private final String siteUrl;
  private final String title;
  private final Optional<String> hub;
  private final int size;

  public FeedRoutes(
      Pool pool,
      FeedRepository repo,
      EntryRepository entries,
      FeedItems items,
      TypeCache types,
      Handler<RoutingContext> deliveryAccess,
      List<String> locales,
      Function<String, List<String>> fallbacks,
      String publicUrl,
      String siteUrl,
      String title,
      Optional<String> hub,
      int size) {
    this.pool = pool;
    this.repo = repo;
    this.entries = entries;
    this.items = items;
    this.types = types;
    this.deliveryAccess = deliveryAccess;
    this.locales = List.copyOf(locales);
    this.fallbacks = fallbacks;
    this.publicUrl = publicUrl;
    this.siteUrl = siteUrl;
    this.title = title;
    this.hub = hub;
    this.size = size;
    this.ical = new ICalendarWriter();
  }

  /**
   * Adds the routes. The feeds are public; one entry's calendar is under {@code /v1/entries}, so it
   * is behind {@code deliveryAccess} like the rest of the delivery API (HERALD_PUBLIC_DELIVERY).
   *
   * <p>NOTE: {@code /v1/entries/:id.ics} must be mounted before the delivery API's {@code
   * /v1/entries/:id}, which would otherwise take {@code <id>.ics} as an id.
   */
  public void mount(Router router) {
    router.get("/feeds/:feed").handler(this::feeds);
    // A regex route, named after its path in the OpenAPI document so that the check of the route
    // table against the document sees it.
    router
        .getWithRegex("/v1/entries/([0-9a-fA-F-]{36})\\.ics")
        .setName("/v1/entries/{id}.ics")
        .handler(deliveryAccess)
        .handler(this::entryCalendar);
  }

  /** {@code <type>.rss|atom|json} or {@code events.ics}. */
  private void feeds(RoutingContext ctx) {
    String feed = ctx.pathParam("feed");
    if (feed.equals("events.ics")) {
      events(ctx);
      return;
    }
    int dot = feed.lastIndexOf('.');
    String format = dot < 0 ? "" : feed.substring(dot + 1);
    if (dot <= 0 || !Set.of("rss", "atom", "json").contains(format)) {
      throw ProblemException.notFound(
          "No feed '" + feed + "': feeds are <type>.rss, <type>.atom, <type>.json or events.ics.");
    }
    feed(ctx, feed.substring(0, dot), format);
  }

  private void feed(RoutingContext ctx, String type, String format) {
    params(ctx, FEED_PARAMS);
    String locale = locale(ctx);
    String tag = ctx.queryParams().get("tag");
    String shown = locale == null ? locales.get(0) : locale;
    String path = "/feeds/" + type + "." + format;
    String self = selfUrl(publicUrl + path, locale, tag);
    String feedType = type.equals("all") ? null : type;
    Future<Boolean> exists =
        feedType == null
            ? Future.succeededFuture(true)
            : types.get(feedType).map(Optional::isPresent);
    exists
        .compose(
            ok -> {
              if (!ok) {
                throw ProblemException.notFound("No content type '" + type + "'.");
              }
              return repo.newest(pool, feedType, tag, localeFilter(locale), size);
            })
        .compose(ids -> items.items(pool, ids, shown))
        .map(
            list -> {
              FeedWriter.Meta meta =
                  new FeedWriter.Meta(
                      title
                          + " — "
                          + (feedType == null ? "all" : feedType)
                          + (tag == null ? "" : " #" + tag),
                      "Published " + (feedType == null ? "content" : feedType) + " from " + title,
                      self,
                      siteUrl + "/" + shown + "/",
                      shown,
                      hub);
              String body =
                  switch (format) {
                    case "rss" -> FeedWriter.rss(meta, list);
                    case "atom" -> FeedWriter.atom(meta, list);
                    default -> FeedWriter.json(meta, list);
                  };
              return new Rendered(body, FeedItems.newest(list), self);
            })
        .onSuccess(
            r ->
                send(
                    ctx,
                    r,
                    switch (format) {
                      case "rss" -> "application/rss+xml; charset=utf-8";
                      case "atom" -> "application/atom+xml; charset=utf-8";
                      default -> "application/feed+json; charset=utf-8";
                    }))
        .onFailure(ctx::fail);
  }

  private void events(RoutingContext ctx) {
    params(ctx, ICS_PARAMS);
    String locale = locale(ctx);
    String shown = locale == null ? locales.get(0) : locale;
    String self = selfUrl(publicUrl + "/feeds/events.ics", locale, null);
    repo.calendar(pool, EVENT_TYPE, localeFilter(locale), size)
        .compose(ids -> items.items(pool, ids, shown))
        .map(
            list ->
                new Rendered(ical.write(title + " — events", list), FeedItems.newest(list), self))
        .onSuccess(r -> send(ctx, r, "text/calendar; charset=utf-8"))
        .onFailure(ctx::fail);
  }

  private void entryCalendar(RoutingContext ctx) {
    params(ctx, ICS_PARAMS);
    String raw = ctx.pathParam("param0");
    UUID id;
    try {
      id = UUID.fromString(raw);
    } catch (IllegalArgumentException e) {
      throw ProblemException.notFound("'" + raw + "' is not an id of this API (ids are UUIDs).");
    }
    String locale = locale(ctx);
    String shown = locale == null ? locales.get(0) : locale;
    entries
        .find(pool, id)
        .compose(
            e -> {
              if (e.isEmpty()
                  || e.get().published() == null
                  || e.get().published().getJsonObject("fields").getValue("startsAt") == null) {
                throw ProblemException.notFound("No published event with id " + id + ".");
              }
              // The entry just read, not a second read that could miss it if unpublished meanwhile.
              return items
                  .itemsOf(pool, List.of(e.get()), shown)
                  .map(
                      list -> {
                        if (list.isEmpty()) {
                          throw ProblemException.notFound("No published event with id " + id + ".");
                        }
                        return new Rendered(
                            ical.write(list.get(0).title(), list),
                            FeedItems.newest(list),
                            selfUrl(publicUrl + "/v1/entries/" + id + ".ics", locale, null));
                      });
            })
        .onSuccess(r -> send(ctx, r, "text/calendar; charset=utf-8"))
        .onFailure(ctx::fail);
  }

  /**
   * @param lastModified the newest update of the items shown, which is what the body is made of
   */
  private record Rendered(String body, Instant lastModified, String self) {}

  private void send(RoutingContext ctx, Rendered r, String contentType) {
    String etag = "\"" + hash(r.body()) + "\"";
    Instant last = r.lastModified().truncatedTo(ChronoUnit.SECONDS);
    var resp = ctx.response();
    resp.putHeader("ETag", etag)
        .putHeader(
            "Last-Modified",
            DateTimeFormatter.RFC_1123_DATE_TIME.format(last.atZone(ZoneOffset.UTC)))
        // A response to a key (HERALD_PUBLIC_DELIVERY=false) must not be served from a shared
        // cache to requests without one.
        .putHeader(
            "Cache-Control",
            ctx.request().getHeader("Authorization") == null
                ? "public, max-age=60"
                : "private, max-age=0, must-revalidate")
        .putHeader("Vary", "Accept-Encoding");
    List<String> links = new ArrayList<>();
    links.add("<" + r.self() + ">; rel=\"self\"");
    hub.ifPresent(h -> links.add("<" + h + ">; rel=\"hub\""));
    resp.putHeader("Link", String.join(", ", links));
    // The ETag decides; If-Modified-Since counts only without If-None-Match (RFC 9110 §13.2.2).
    String inm = ctx.request().getHeader("If-None-Match");
    String ims = ctx.request().getHeader("If-Modified-Since");
    boolean notModified;
    if (inm != null) {
      notModified =
          inm.trim().equals("*")
              || List.of(inm.split(",")).stream()
                  .map(String::trim)
                  .map(t -> t.startsWith("W/") ? t.substring(2) : t)
                  .anyMatch(etag::equals);
    } else if (ims != null) {
      notModified = notModifiedSince(ims, last);
    } else {
      notModified = false;
    }
    if (notModified) {
      resp.setStatusCode(304).end();
      return;
    }
    resp.putHeader("Content-Type", contentType).end(r.body());
  }

  /**
   * Whether If-Modified-Since names this Last-Modified exactly. Last-Modified is the newest item's
   * time, which goes back when that item leaves the feed (unpublished, deleted, an event ended):
   * "not after the date sent" would then answer 304 for a changed feed, so only the date this feed
   * itself last sent counts. A feed that lost an older item keeps its date: If-None-Match sees it.
   */
  private static boolean notModifiedSince(String ims, Instant last) {
    try {
      Instant since =
          ZonedDateTime.parse(ims.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      return last.equals(since);
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** The locale asked for (validated), or null for the default with no locale filter. */
  private String locale(RoutingContext ctx) {
    String l = ctx.queryParams().get("locale");
    if (l != null && !locales.contains(l)) {
      throw ProblemException.badRequest("Unknown locale '" + l + "'; known: " + locales + ".");
    }
    return l;
  }

  /** Entries published in the locale or one it falls back to (other than the default locale). */
  private List<String> localeFilter(String locale) {
    if (locale == null) {
      return null;
    }
    List<String> chain = new ArrayList<>(fallbacks.apply(locale));
    if (!locale.equals(locales.get(0))) {
      chain.remove(locales.get(0));
    }
    return chain;
  }

  private static void params(RoutingContext ctx, Set<String> allowed) {
    for (String p : ctx.queryParams().names()) {
      if (!allowed.contains(p)) {
        throw ProblemException.badRequest(
            "Unknown query parameter '" + p + "'; this feed takes " + allowed + ".");
      }
    }
  }

  /** The canonical URL of a feed (the one in its self link and in WebSub pings). */
  static String selfUrl(String base, String locale, String tag) {
    StringBuilder s = new StringBuilder(base);
    char sep = '?';
    if (locale != null) {
      s.append(sep).append("locale=").append(URLEncoder.encode(locale, StandardCharsets.UTF_8));
      sep = '&';
    }
    if (tag != null) {
      s.append(sep).append("tag=").append(URLEncoder.encode(tag, StandardCharsets.UTF_8));
    }
    return s.toString();
  }

  private static String hash(String body) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(body.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
