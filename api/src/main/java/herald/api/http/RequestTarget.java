package herald.api.http;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The first handler of the api's router: a path or query string whose percent-encoding is broken
 * ({@code %zz}), that is not UTF-8 once decoded, or that holds a NUL is a 400 problem before any
 * handler tries to decode it (where it used to end in a 500).
 */
public final class RequestTarget implements Handler<RoutingContext> {

  @Override
  public void handle(RoutingContext ctx) {
    check(ctx.request().path(), "path");
    String query = ctx.request().query();
    if (query != null) {
      check(query, "query string");
    }
    ctx.next();
  }

  /** Throws a 400 problem unless {@code s} decodes to UTF-8 text without NUL. */
  static void check(String s, String where) {
    ByteArrayOutputStream bytes = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c != '%') {
        if (bytes != null) {
          bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
        }
        continue;
      }
      if (bytes == null) {
        bytes = new ByteArrayOutputStream(s.length());
        bytes.writeBytes(s.substring(0, i).getBytes(StandardCharsets.UTF_8));
      }
      int hi = i + 1 < s.length() ? Character.digit(s.charAt(i + 1), 16) : -1;
      int lo = i + 2 < s.length() ? Character.digit(s.charAt(i + 2), 16) : -1;
      if (hi < 0 || lo < 0) {
        throw ProblemException.badRequest(
            "The "
                + where
                + " has broken percent-encoding at character "
                + (i + 1)
                + ": '%' must be followed by two hexadecimal digits.");
      }
      bytes.write(hi * 16 + lo);
      i += 2;
    }
    if (bytes == null) {
      return; // nothing encoded: the text is what the client sent
    }
    String decoded;
    try {
      decoded =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes.toByteArray()))
              .toString();
    } catch (CharacterCodingException e) {
      throw ProblemException.badRequest(
          "The " + where + " is not UTF-8 once its percent-encoding is decoded.");
    }
    if (decoded.indexOf('\0') >= 0) {
      throw ProblemException.badRequest("The " + where + " contains a NUL character (%00).");
    }
  }
}
