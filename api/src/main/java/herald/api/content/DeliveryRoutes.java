package herald.api.content;

import herald.api.auth.ApiKeys;
import herald.api.auth.Role;
import herald.api.http.Bodies;
import herald.api.http.ProblemException;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** The delivery API: published content only, one locale at a time when asked. */
public final class DeliveryRoutes {
  private static final Set<String> ENTRY_PARAMS = Set.of("locale");
  private final Pool pool;
  private final EntryRepository entries;
  private final ApiKeys keys;
  private final List<String> locales;
  private final boolean publicDelivery;

  public DeliveryRoutes(
      Pool pool,
      EntryRepository entries,
      ApiKeys keys,
      List<String> locales,
      boolean publicDelivery) {
    this.pool = pool;
    this.entries = entries;
    this.keys = keys;
    this.locales = List.copyOf(locales);
    this.publicDelivery = publicDelivery;
  }

  public void mount(Router router) {
    router.get("/v1/entries/:id").handler(access()).handler(this::getEntry);
  }

  /** Published content is public unless HERALD_PUBLIC_DELIVERY=false asks for delivery keys. */
  public Handler<RoutingContext> access() {
    Handler<RoutingContext> withKey = keys.require(Role.DELIVERY);
    return ctx -> {
      if (publicDelivery && ctx.request().getHeader("Authorization") == null) {
        ctx.next();
      } else {
        withKey.handle(ctx);
      }
    };
  }

  private void getEntry(RoutingContext ctx) {
    for (String p : ctx.queryParams().names()) {
      if (!ENTRY_PARAMS.contains(p)) {
        throw ProblemException.badRequest(
            "Unknown query parameter '" + p + "'; this endpoint takes: " + ENTRY_PARAMS + ".");
      }
    }
    String locale = ctx.queryParams().get("locale");
    if (locale != null && !locales.contains(locale)) {
      throw ProblemException.badRequest(
          "Unknown locale '" + locale + "'; configured locales: " + locales + ".");
    }
    UUID id = Bodies.uuidParam(ctx, "id");
    entries
        .find(pool, id)
        .onSuccess(
            found -> {
              if (found.isEmpty() || found.get().published() == null) {
                ctx.fail(ProblemException.notFound("No published entry " + id + "."));
                return;
              }
              sendCached(ctx, toDelivery(found.get(), locale));
            })
        .onFailure(ctx::fail);
  }

  /** The published snapshot; with a locale, localized fields flatten to that locale's values. */
  JsonObject toDelivery(Entry e, String locale) {
    JsonObject snap = e.published();
    JsonObject fields = snap.getJsonObject("fields");
    JsonArray entryLocales = snap.getJsonArray("locales");
    JsonObject out =
        new JsonObject()
            .put("id", e.id().toString())
            .put("type", e.type())
            .put("slug", snap.getString("slug"))
            .put("version", e.publishedVersion())
            .put("publishedAt", e.publishedAt().toInstant().toString())
            .put("locales", entryLocales);
    if (locale == null) {
      return out.put("fields", fields);
    }
    // Fall back to the default locale, then to the entry's first locale, field by field.
    String dflt = locales.get(0);
    String first = entryLocales.isEmpty() ? dflt : entryLocales.getString(0);
    JsonArray localized = snap.getJsonArray("localized", new JsonArray());
    JsonObject flat = new JsonObject();
    for (Map.Entry<String, Object> f : fields) {
      if (localized.contains(f.getKey()) && f.getValue() instanceof JsonObject perLocale) {
        Object v = perLocale.getValue(locale);
        if (v == null) {
          v = perLocale.getValue(dflt);
        }
        if (v == null) {
          v = perLocale.getValue(first);
        }
        flat.put(f.getKey(), v);
      } else {
        flat.put(f.getKey(), f.getValue());
      }
    }
    return out.put("locale", locale).put("fields", flat);
  }

  /** Sends JSON with a strong ETag and answers a matching If-None-Match with 304. */
  static void sendCached(RoutingContext ctx, JsonObject body) {
    Buffer bytes = Buffer.buffer(body.encode());
    String etag = "\"" + sha256(bytes.getBytes()) + "\"";
    ctx.response()
        .putHeader("ETag", etag)
        .putHeader("Cache-Control", "public, max-age=0, must-revalidate")
        .putHeader("Vary", "Authorization");
    String inm = ctx.request().getHeader("If-None-Match");
    if (inm != null && (inm.contains(etag) || inm.trim().equals("*"))) {
      ctx.response().setStatusCode(304).end();
      return;
    }
    ctx.response().putHeader("Content-Type", "application/json; charset=utf-8").end(bytes);
  }

  private static String sha256(byte[] bytes) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(bytes);
      return HexFormat.of().formatHex(d, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
