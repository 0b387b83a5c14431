package herald.publisher.channel.social;

import herald.events.ContentEvent;
import herald.events.ContentEventCodec;
import herald.events.ContentPublished;
import herald.events.MalformedEventException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * {@code POST /v1/social/preview}: the text each network would get for an entry, before publishing.
 *
 * <p>The body is a {@code content.published} event's data, or just the entry's {@code type}, {@code
 * slug} and {@code fields} (a field whose value is an object of locales is taken as localized);
 * {@code locale} in the body or the query chooses the locale, by default the entry's first.
 */
final class SocialPreviewRoutes {

  static final String PATH = "/v1/social/preview";
  private static final long MAX_BODY = 256 * 1024;
  private static final Pattern LOCALE = Pattern.compile("[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*");
  private static final UUID PREVIEW_ID = new UUID(0, 0);

  private final SocialChannel channel;

  SocialPreviewRoutes(SocialChannel channel) {
    this.channel = channel;
  }

  void mount(Router router) {
    router.post(PATH).handler(BodyHandler.create().setBodyLimit(MAX_BODY)).handler(this::preview);
  }

  private void preview(RoutingContext ctx) {
    JsonObject body;
    try {
      body = ctx.body().asJsonObject();
    } catch (DecodeException | ClassCastException e) {
      problem(ctx, 400, "The body is not JSON", "Send a JSON object with the entry's fields.");
      return;
    }
    if (body == null) {
      problem(ctx, 400, "The body is not JSON", "Send a JSON object with the entry's fields.");
      return;
    }
    ContentPublished entry;
    try {
      entry = toEntry(body);
    } catch (MalformedEventException | IllegalArgumentException e) {
      problem(ctx, 422, "The entry cannot be previewed", e.getMessage());
      return;
    }
    String locale = ctx.request().getParam("locale");
    if (locale == null) {
      locale = body.getString("locale");
    }
    if (locale == null || locale.isBlank()) {
      locale = SocialChannel.firstLocale(entry);
    }
    if (!LOCALE.matcher(locale).matches()) {
      problem(ctx, 422, "The entry cannot be previewed", "'" + locale + "' is not a locale.");
      return;
    }
    ctx.response()
        .putHeader("content-type", "application/json")
        .end(channel.preview(entry, locale).encode() + "\n");
  }

  /** The entry of a preview request, with what an event would carry filled in. */
  static ContentPublished toEntry(JsonObject body) {
    JsonObject data = body.copy();
    data.remove("locale");
    JsonObject fields = data.getJsonObject("fields");
    if (fields == null) {
      throw new IllegalArgumentException("'fields' must be an object with the entry's fields.");
    }
    if (data.getString("type") == null) {
      throw new IllegalArgumentException("'type' is required.");
    }
    data.put("entryId", data.getString("entryId", PREVIEW_ID.toString()));
    data.put("version", data.getLong("version", 1L));
    data.put("slug", data.getString("slug", "preview"));
    data.put("channels", data.getJsonArray("channels", new JsonArray().add(SocialChannel.NAME)));
    data.put("publishedAt", data.getString("publishedAt", Instant.now().toString()));
    if (data.getJsonArray("schema") == null) {
      data.put("schema", inferSchema(fields));
    }
    if (data.getJsonArray("locales") == null) {
      data.put("locales", inferLocales(fields));
    }
    byte[] json = data.toBuffer().getBytes();
    ContentEvent event = ContentEventCodec.fromData(ContentEvent.PUBLISHED, json);
    return (ContentPublished) event;
  }

  private static JsonArray inferSchema(JsonObject fields) {
    JsonArray schema = new JsonArray();
    for (Map.Entry<String, Object> f : fields) {
      boolean localized = f.getValue() instanceof JsonObject o && looksLocalized(o);
      String type = f.getValue() instanceof JsonArray ? "tags" : "text";
      schema.add(
          new JsonObject().put("id", f.getKey()).put("type", type).put("localized", localized));
    }
    return schema;
  }

  private static JsonArray inferLocales(JsonObject fields) {
    JsonArray locales = new JsonArray();
    Object title = fields.getValue("title");
    if (title instanceof JsonObject o && looksLocalized(o)) {
      o.fieldNames().forEach(locales::add);
    }
    if (locales.isEmpty()) {
      locales.add("en");
    }
    return locales;
  }

  private static boolean looksLocalized(JsonObject o) {
    if (o.isEmpty()) {
      return false;
    }
    Iterator<String> names = o.fieldNames().iterator();
    while (names.hasNext()) {
      if (!LOCALE.matcher(names.next()).matches()) {
        return false;
      }
    }
    return true;
  }

  private static void problem(RoutingContext ctx, int status, String title, String detail) {
    ctx.response()
        .setStatusCode(status)
        .putHeader("content-type", "application/problem+json")
        .end(
            new JsonObject()
                    .put("type", "about:blank")
                    .put("title", title)
                    .put("status", status)
                    .put("detail", detail)
                    .put("instance", ctx.request().path())
                    .encode()
                + "\n");
  }
}
