package herald.api.webhooks;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Standard Webhooks 1.0 signatures: {@code v1,<base64 HMAC-SHA256 of id.timestamp.body>} under a
 * secret {@code whsec_<base64 key>}; several signatures are separated by spaces.
 */
public final class WebhookSigner {
  public static final String SECRET_PREFIX = "whsec_";
  private static final SecureRandom RANDOM = new SecureRandom();

  private WebhookSigner() {}

  /** A new secret: 32 random bytes. */
  public static String newSecret() {
    byte[] key = new byte[32];
    RANDOM.nextBytes(key);
    return SECRET_PREFIX + Base64.getEncoder().encodeToString(key);
  }

  /** The {@code webhook-signature} header value: one signature per secret, in order. */
  public static String signatures(List<String> secrets, String id, long timestamp, String body) {
    StringBuilder out = new StringBuilder();
    for (String s : secrets) {
      if (out.length() > 0) {
        out.append(' ');
      }
      out.append("v1,").append(sign(s, id, timestamp, body));
    }
    return out.toString();
  }

  static String sign(String secret, String id, long timestamp, String body) {
    byte[] key =
        Base64.getDecoder()
            .decode(
                secret.startsWith(SECRET_PREFIX)
                    ? secret.substring(SECRET_PREFIX.length())
                    : secret);
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      byte[] sig =
          mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
      return Base64.getEncoder().encodeToString(sig);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
