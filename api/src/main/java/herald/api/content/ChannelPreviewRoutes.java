package herald.api.content;

import herald.api.auth.ApiKeys;
import herald.api.auth.Role;
import herald.api.http.Bodies;
import herald.api.http.ProblemException;
import herald.api.http.ServiceProxy;
import herald.events.ContentEventCodec;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

/**
 * {@code GET /v1/manage/entries/{id}/preview/{channel}}: the draft as the website page or the
 * newsletter item it would become, rendered by the publisher's own renderers (its internal {@code
 * /v1/preview/{channel}}), before anyone publishes it.
 */
public final class ChannelPreviewRoutes {
  /** The channels whose rendering can be previewed here (social posts: POST /v1/social/preview). */
  public static final List<String> CHANNELS = List.of("website", "newsletter");

  private final EntryService service;
  private final ApiKeys keys;
  private final ServiceProxy publisher;
  private final List<String> locales;

  public ChannelPreviewRoutes(
      EntryService service, ApiKeys keys, ServiceProxy publisher, List<String> locales) {
    this.service = service;
    this.keys = keys;
    this.publisher = publisher;
    this.locales = List.copyOf(locales);
  }

  public void mount(Router router) {
    router
        .get("/v1/manage/entries/:id/preview/:channel")
        .handler(keys.require(Role.AUTHOR))
        .handler(this::preview);
  }

  private void preview(RoutingContext ctx) {
    UUID id = Bodies.uuidParam(ctx, "id");
    String channel = ctx.pathParam("channel");
    if (!CHANNELS.contains(channel)) {
      throw ProblemException.notFound(
          "No preview of channel '"
              + channel
              + "'; there are "
              + String.join(", ", CHANNELS)
              + ".");
    }
    String locale = null;
    for (String p : ctx.queryParams().names()) {
      if (!p.equals("locale")) {
        throw ProblemException.badRequest(
            "Unknown query parameter '" + p + "'; this endpoint takes locale.");
      }
      locale = ctx.queryParams().get(p);
      if (!locales.contains(locale)) {
        throw ProblemException.badRequest(
            "'" + locale + "' is not one of the locales " + String.join(", ", locales) + ".");
      }
    }
    String asked = locale;
    service
        .previewOf(id)
        .onSuccess(
            event -> {
              String l = asked == null ? event.locales().get(0) : asked;
              if (!event.locales().contains(l)) {
                ctx.fail(
                    ProblemException.invalid(
                        "The draft has no content in locale '" + l + "'.",
                        new io.vertx.core.json.JsonArray()
                            .add(
                                ProblemException.fieldError(
                                    "locale", "one of the draft's locales " + event.locales()))));
                return;
              }
              publisher.send(
                  ctx,
                  HttpMethod.POST,
                  "/v1/preview/"
                      + channel
                      + "?locale="
                      + URLEncoder.encode(l, StandardCharsets.UTF_8),
                  Buffer.buffer(ContentEventCodec.data(event)));
            })
        .onFailure(ctx::fail);
  }
}
