package herald.api.content;

import herald.api.http.ProblemException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Opaque, tamper-evident list cursors: the position as JSON, base64url, with an HMAC. */
public final class CursorCodec {
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getUrlDecoder();
  private final SecretKeySpec key;

  /**
   * @param secret shared by all api instances, so a cursor works on any of them
   */
  public CursorCodec(byte[] secret) {
    this.key = new SecretKeySpec(secret, "HmacSHA256");
  }

  String encode(EntryQuery.Cursor c) {
    JsonObject o =
        new JsonObject().put("k", c.key()).put("i", c.id().toString()).put("q", c.query());
    byte[] body = o.encode().getBytes(StandardCharsets.UTF_8);
    return B64.encodeToString(body) + "." + B64.encodeToString(mac(body));
  }

  EntryQuery.Cursor decode(String s) {
    int dot = s.indexOf('.');
    try {
      if (dot > 0 && s.length() < 2048) {
        byte[] body = B64D.decode(s.substring(0, dot));
        byte[] sig = B64D.decode(s.substring(dot + 1));
        if (MessageDigest.isEqual(sig, mac(body))) {
          JsonObject o = new JsonObject(new String(body, StandardCharsets.UTF_8));
          return new EntryQuery.Cursor(
              o.getString("k"), UUID.fromString(o.getString("i")), o.getString("q"));
        }
      }
    } catch (IllegalArgumentException | DecodeException | ClassCastException e) {
      // fall through to the problem below
    }
    throw ProblemException.badRequest("The cursor is not one this API gave out.");
  }

  private byte[] mac(byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      return Arrays.copyOf(mac.doFinal(body), 16);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
