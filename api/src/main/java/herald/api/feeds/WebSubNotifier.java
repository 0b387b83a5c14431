package herald.api.feeds;

import herald.api.partners.LoggedEvent;
import herald.events.ContentPublished;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells a WebSub hub (W3C WebSub) which feeds changed: after the partner consumer commits a batch,
 * one form POST {@code hub.mode=publish} with a {@code hub.url} per affected feed URL (the type's
 * and the all-types feed in each format, their locale and tag variants, and the event calendars).
 *
 * <p>NOTE: best effort: a failed ping is logged and not retried; subscribers' hubs also poll.
 */
public final class WebSubNotifier {
  private static final Logger LOG = LoggerFactory.getLogger(WebSubNotifier.class);
  private static final List<String> FORMATS = List.of("rss", "atom", "json");

  private final URI hub;
  private final String publicUrl;
  private final HttpClient client;

  public WebSubNotifier(Vertx vertx, URI hub, String publicUrl) {
    this.hub = hub;
    this.publicUrl = publicUrl;
    this.client = vertx.createHttpClient();
  }

  /** The feed URLs an event changes. */
  Set<String> topics(LoggedEvent e) {
    Set<String> out = new LinkedHashSet<>();
    String type = e.event().contentType();
    for (String feed : List.of(type, "all")) {
      for (String f : FORMATS) {
        String base = publicUrl + "/feeds/" + feed + "." + f;
        out.add(base);
        for (String l : e.event().locales()) {
          out.add(FeedRoutes.selfUrl(base, l, null));
        }
        if (e.event() instanceof ContentPublished p && p.fields().get("tags") != null) {
          p.fields().get("tags").forEach(t -> out.add(FeedRoutes.selfUrl(base, null, t.asText())));
        }
      }
    }
    if (type.equals(FeedRoutes.EVENT_TYPE)) {
      out.add(publicUrl + "/feeds/events.ics");
      out.add(publicUrl + "/v1/entries/" + e.event().entryId() + ".ics");
    }
    return out;
  }

  public void notify(List<LoggedEvent> events) {
    Set<String> urls = new LinkedHashSet<>();
    events.forEach(e -> urls.addAll(topics(e)));
    if (urls.isEmpty()) {
      return;
    }
    StringBuilder form = new StringBuilder("hub.mode=publish");
    for (String u : urls) {
      form.append("&hub.url=").append(URLEncoder.encode(u, StandardCharsets.UTF_8));
    }
    boolean tls = "https".equalsIgnoreCase(hub.getScheme());
    int port = hub.getPort() > 0 ? hub.getPort() : tls ? 443 : 80;
    RequestOptions o =
        new RequestOptions()
            .setMethod(HttpMethod.POST)
            .setHost(hub.getHost())
            .setPort(port)
            .setSsl(tls)
            .setURI(hub.getRawPath() == null || hub.getRawPath().isEmpty() ? "/" : hub.getRawPath())
            .setIdleTimeout(10_000)
            .putHeader("Content-Type", "application/x-www-form-urlencoded");
    java.util.concurrent.atomic.AtomicReference<io.vertx.core.http.HttpClientRequest> sent =
        new java.util.concurrent.atomic.AtomicReference<>();
    client
        .request(o)
        .compose(
            req -> {
              sent.set(req);
              return req.send(Buffer.buffer(form.toString()));
            })
        // The hub's answer is read (at most a little of it) so the connection is free again, and
        // the whole exchange is bounded.
        .compose(r -> herald.api.http.BoundedBody.read(r, 16 * 1024).map(b -> r.statusCode()))
        .timeout(10_000, java.util.concurrent.TimeUnit.MILLISECONDS)
        .onSuccess(
            status -> {
              if (status >= 300) {
                LOG.warn("WebSub hub {} answered {}", hub, status);
              }
            })
        .onFailure(
            t -> {
              if (sent.get() != null) {
                sent.get().reset();
              }
              LOG.warn("WebSub hub {} unreachable: {}", hub, t.toString());
            });
  }

  public void close() {
    client.close();
  }
}
