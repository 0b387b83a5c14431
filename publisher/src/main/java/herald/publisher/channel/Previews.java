package herald.publisher.channel;

import herald.events.ContentEvent;
import herald.events.ContentEventCodec;
import herald.events.ContentPublished;
import herald.events.MalformedEventException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.function.BiFunction;

/**
 * {@code POST /v1/preview/<channel>?locale=}: what a channel would make of an entry that is not
 * published yet, rendered by the channel's own renderer. The body is the {@code content.published}
 * event's data that publishing the draft would send (the api builds it from the draft); the answer
 * is HTML that nothing in may run. Internal: the api forwards authors' previews with the token.
 */
public final class Previews {
  /** The longest draft snapshot accepted, as for an event on the topic. */
  private static final long MAX_BODY = 2L * 1024 * 1024;

  /** What the preview may do inside Studio's frame: show itself, nothing more. */
  public static final String CSP =
      "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:;"
          + " frame-ancestors 'self'; base-uri 'none'; form-action 'none'";

  private Previews() {}

  /**
   * Mounts the preview of one channel; {@code render} may block (it runs on a thread of its own)
   * and gets the entry and one of its locales.
   */
  public static void mount(
      Vertx vertx,
      Router router,
      String channel,
      BiFunction<ContentPublished, String, String> render) {
    router
        .post("/v1/preview/" + channel)
        .handler(BodyHandler.create().setBodyLimit(MAX_BODY))
        .handler(handler(vertx, render));
  }

  private static Handler<RoutingContext> handler(
      Vertx vertx, BiFunction<ContentPublished, String, String> render) {
    return ctx -> {
      ContentPublished entry;
      try {
        if (ctx.body().buffer() == null) {
          throw new MalformedEventException("the body is empty");
        }
        ContentEvent e =
            ContentEventCodec.fromData(ContentEvent.PUBLISHED, ctx.body().buffer().getBytes());
        entry = (ContentPublished) e;
      } catch (MalformedEventException | ClassCastException | IllegalArgumentException e) {
        problem(
            ctx, 422, "The entry cannot be previewed", "Send a content.published event's data.");
        return;
      }
      String locale = ctx.request().getParam("locale");
      if (locale == null) {
        locale = entry.locales().isEmpty() ? null : entry.locales().get(0);
      }
      if (locale == null || !entry.locales().contains(locale)) {
        problem(ctx, 422, "The entry cannot be previewed", "Name one of the entry's locales.");
        return;
      }
      String l = locale;
      // NOTE: on a thread of its own, not a Vert.x worker: the website's page index waits for
      // PostgreSQL with Future.await, which Vert.x refuses on its worker threads (as the channel's
      // deliveries do on the consumer loop's thread); the answer is sent from the request's
      // context.
      io.vertx.core.Context context = vertx.getOrCreateContext();
      io.vertx.core.Promise<String> done = io.vertx.core.Promise.promise();
      Thread.ofVirtual()
          .name("herald-preview")
          .start(
              () -> {
                try {
                  String page = render.apply(entry, l);
                  context.runOnContext(v -> done.complete(page));
                } catch (RuntimeException e) {
                  context.runOnContext(v -> done.fail(e));
                }
              });
      Future<String> html = done.future();
      html.onSuccess(
              page ->
                  ctx.response()
                      .putHeader("content-type", "text/html; charset=utf-8")
                      .putHeader("cache-control", "no-store")
                      .putHeader("content-security-policy", CSP)
                      .end(page))
          .onFailure(ctx::fail);
    };
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
