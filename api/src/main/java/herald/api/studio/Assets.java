package herald.api.studio;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * Studio's scripts and style sheet, held in memory: htmx and its SSE extension from their WebJars,
 * and Studio's own {@code studio.css} and {@code studio.js}. URLs carry a content hash, so browsers
 * may keep them for a year.
 */
final class Assets {
  private record Asset(Buffer body, String type, String hash) {}

  private static final String WEBJARS = "META-INF/resources/webjars/";
  private final Map<String, Asset> assets;

  Assets() {
    assets =
        Map.of(
            "htmx.min.js",
            load(WEBJARS + "htmx.org/2.0.4/dist/htmx.min.js", "text/javascript"),
            "sse.js",
            load(WEBJARS + "htmx-ext-sse/2.2.2/sse.js", "text/javascript"),
            "studio.js",
            load("studio/assets/studio.js", "text/javascript"),
            "studio.css",
            load("studio/assets/studio.css", "text/css"));
  }

  /** The URL of an asset, with its content hash. */
  String url(String name) {
    return "/studio/assets/" + name + "?v=" + assets.get(name).hash();
  }

  void serve(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    Asset a = name == null ? null : assets.get(name);
    if (a == null) {
      ctx.next();
      return;
    }
    String etag = "\"" + a.hash() + "\"";
    ctx.response()
        .putHeader("Content-Type", a.type() + "; charset=utf-8")
        .putHeader("Cache-Control", "public, max-age=31536000, immutable")
        .putHeader("ETag", etag)
        .putHeader("X-Content-Type-Options", "nosniff");
    if (etag.equals(ctx.request().getHeader("If-None-Match"))) {
      ctx.response().setStatusCode(304).end();
    } else {
      ctx.response().end(a.body());
    }
  }

  private static Asset load(String path, String type) {
    try (InputStream in = Assets.class.getClassLoader().getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException(path + " is missing from the class path");
      }
      byte[] bytes = in.readAllBytes();
      String hash =
          HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 6);
      return new Asset(Buffer.buffer(bytes), type, hash);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
