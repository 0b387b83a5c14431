package herald.api.sync;

import herald.api.http.ProblemException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Opaque, tamper-evident sync and page tokens: the position in the sync log as JSON, base64url,
 * with an HMAC-SHA256 (all 32 bytes) under a secret shared by the api instances.
 */
public final class SyncTokens {
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getUrlDecoder();
  private static final int MAX_LENGTH = 8192;
  private final SecretKeySpec key;

  /**
   * @param secret shared by all api instances; the token key is derived from it for this use only,
   *     so the same secret may sign other things (such as list cursors) without a token passing for
   *     one of them
   */
  public SyncTokens(byte[] secret) {
    try {
      Mac derive = Mac.getInstance("HmacSHA256");
      derive.init(new SecretKeySpec(secret, "HmacSHA256"));
      this.key =
          new SecretKeySpec(
              derive.doFinal("herald sync token v1".getBytes(StandardCharsets.UTF_8)),
              "HmacSHA256");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Where a client is.
   *
   * @param page false for a sync token (the start of the next delta), true for a page token
   * @param initial whether the page belongs to an initial sync
   * @param from the log position the delta starts at (for an initial sync: where its delta starts)
   * @param to for a delta page, the end of the delta being paged through; null otherwise
   * @param after the last entry id of the previous page, or null
   * @param type the type filter asked for, or null
   * @param locale the locale asked for, or null
   * @param limit the page size asked for, or 0 for the default
   */
  public record Token(
      boolean page,
      boolean initial,
      Map<Integer, Long> from,
      Map<Integer, Long> to,
      UUID after,
      String type,
      String locale,
      int limit) {}

  public String encode(Token t) {
    JsonObject o =
        new JsonObject()
            .put("v", 1)
            .put("k", t.page() ? "p" : "s")
            .put("i", t.initial())
            .put("f", positions(t.from()));
    if (t.to() != null) {
      o.put("t", positions(t.to()));
    }
    if (t.after() != null) {
      o.put("a", t.after().toString());
    }
    if (t.type() != null) {
      o.put("y", t.type());
    }
    if (t.locale() != null) {
      o.put("l", t.locale());
    }
    if (t.limit() > 0) {
      o.put("n", t.limit());
    }
    byte[] body = o.encode().getBytes(StandardCharsets.UTF_8);
    return B64.encodeToString(body) + "." + B64.encodeToString(mac(body));
  }

  public Token decode(String s) {
    int dot = s.indexOf('.');
    try {
      if (dot > 0 && s.length() < MAX_LENGTH) {
        byte[] body = B64D.decode(s.substring(0, dot));
        byte[] sig = B64D.decode(s.substring(dot + 1));
        if (MessageDigest.isEqual(sig, mac(body))) {
          JsonObject o = new JsonObject(new String(body, StandardCharsets.UTF_8));
          if (o.getInteger("v") == 1) {
            return new Token(
                "p".equals(o.getString("k")),
                o.getBoolean("i", false),
                positions(o.getJsonObject("f")),
                o.containsKey("t") ? positions(o.getJsonObject("t")) : null,
                o.containsKey("a") ? UUID.fromString(o.getString("a")) : null,
                o.getString("y"),
                o.getString("l"),
                o.getInteger("n", 0));
          }
        }
      }
    } catch (IllegalArgumentException
        | DecodeException
        | ClassCastException
        | NullPointerException e) {
      // fall through to the problem below
    }
    throw ProblemException.badRequest(
        "The token is not one this API gave out (it may have been changed or cut).");
  }

  private static JsonObject positions(Map<Integer, Long> p) {
    JsonObject o = new JsonObject();
    p.forEach((k, v) -> o.put(Integer.toString(k), v));
    return o;
  }

  private static Map<Integer, Long> positions(JsonObject o) {
    Map<Integer, Long> out = new TreeMap<>();
    for (String k : o.fieldNames()) {
      out.put(Integer.parseInt(k), o.getLong(k));
    }
    return out;
  }

  private byte[] mac(byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      return mac.doFinal(body);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
