package herald.api.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamReadException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.UUID;

/** Reading request bodies and writing JSON responses, the same way everywhere. */
public final class Bodies {
  private Bodies() {}

  /** The body as a JSON object, or a 400/415 problem. */
  public static JsonObject object(RoutingContext ctx) {
    String ct = ctx.request().getHeader("Content-Type");
    if (ct != null && !ct.toLowerCase(java.util.Locale.ROOT).contains("json")) {
      throw new ProblemException(
          Problem.of(
              415,
              "unsupported-media-type",
              "Unsupported media type",
              "Send the body as application/json."));
    }
    if (isEmpty(ctx)) {
      throw ProblemException.badRequest("The request needs a JSON object body.");
    }
    checkJson(ctx.body().buffer().getBytes());
    Object parsed;
    try {
      parsed = ctx.body().buffer().toJsonValue();
    } catch (RuntimeException e) {
      throw malformed("The request body is not valid JSON.");
    }
    if (!(parsed instanceof JsonObject o)) {
      throw ProblemException.badRequest("The request body must be a JSON object.");
    }
    return o;
  }

  /**
   * Reads the JSON once as a stream before it is turned into objects: a key given twice (which the
   * object would silently keep the last of), a NUL character or an unpaired UTF-16 surrogate in any
   * key or string (PostgreSQL can't store the one, and the other is no text) is a 400.
   */
  static void checkJson(byte[] json) {
    try (JsonParser p = STRICT.createParser(json)) {
      JsonToken t;
      while ((t = p.nextToken()) != null) {
        if (t == JsonToken.FIELD_NAME || t == JsonToken.VALUE_STRING) {
          String problem = badText(p.getText());
          if (problem != null) {
            String at = p.getParsingContext().pathAsPointer().toString();
            throw ProblemException.badRequest(
                (t == JsonToken.FIELD_NAME ? "A key" : "A string")
                    + (at.isEmpty() ? "" : " at " + at)
                    + " contains "
                    + problem
                    + ".");
          }
        }
      }
    } catch (StreamReadException e) {
      String message = e.getOriginalMessage();
      if (message != null && message.startsWith("Duplicate field")) {
        throw malformed(
            "The JSON body gives a key twice: "
                + message.substring("Duplicate field ".length())
                + ".");
      }
      throw malformed("The request body is not valid JSON.");
    } catch (java.io.IOException e) {
      throw malformed("The request body is not valid JSON.");
    }
  }

  /** What is wrong with {@code s} as text, or null. */
  public static String badText(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\0') {
        return "a NUL character";
      }
      if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return "an unpaired UTF-16 surrogate";
      }
    }
    return null;
  }

  private static ProblemException malformed(String detail) {
    return new ProblemException(Problem.of(400, "malformed-json", "Malformed JSON", detail));
  }

  private static final JsonFactory STRICT =
      JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  /** Whether the request came without a body (or an empty one). */
  public static boolean isEmpty(RoutingContext ctx) {
    return ctx.body() == null || ctx.body().buffer() == null || ctx.body().buffer().length() == 0;
  }

  public static UUID uuidParam(RoutingContext ctx, String name) {
    String v = ctx.pathParam(name);
    try {
      return UUID.fromString(v);
    } catch (IllegalArgumentException e) {
      throw ProblemException.notFound("'" + v + "' is not an id of this API (ids are UUIDs).");
    }
  }

  /** A page size between 1 and {@code max}; anything else is a 400 naming the limit. */
  public static int limitParam(String v, int max) {
    try {
      int n = Integer.parseInt(v);
      if (n >= 1 && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    throw ProblemException.badRequest("limit must be a whole number from 1 to " + max + ".");
  }

  public static void send(RoutingContext ctx, int status, JsonObject json) {
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json; charset=utf-8")
        .end(json.encode() + "\n");
  }
}
