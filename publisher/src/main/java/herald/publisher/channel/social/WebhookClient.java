package herald.publisher.channel.social;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.Base64;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A signed webhook in the Standard Webhooks style: headers {@code webhook-id} (the same on every
 * retry, for the receiver to deduplicate), {@code webhook-timestamp} and {@code webhook-signature}
 * ({@code v1,<base64 HMAC-SHA256 of "id.timestamp.body">}).
 */
final class WebhookClient {

  static final String SECRET_PREFIX = "whsec_";

  private final SocialHttp http;
  private final Clock clock;

  WebhookClient(SocialHttp http, Clock clock) {
    this.http = http;
    this.clock = clock;
  }

  /** Posts one event ({@code type}, {@code timestamp}, {@code data}) to the account's URL. */
  void send(SocialAccount account, String webhookId, String type, JsonObject data)
      throws IOException {
    String timestamp = Long.toString(clock.instant().getEpochSecond());
    JsonObject body =
        new JsonObject()
            .put("type", type)
            .put("timestamp", clock.instant().toString())
            .put("data", data);
    String payload = body.encode();
    String what = "webhook " + account.id() + " " + type;
    // The body is sent as the exact string that was signed.
    http.check(
        http.sendRaw(
            account.url(),
            Map.of(
                "webhook-id",
                webhookId,
                "webhook-timestamp",
                timestamp,
                "webhook-signature",
                "v1," + sign(account.secret(), webhookId + "." + timestamp + "." + payload)),
            payload,
            what),
        what);
  }

  /** Base64 HMAC-SHA256; a {@code whsec_} secret is base64 of the key bytes. */
  static String sign(String secret, String content) {
    byte[] key =
        secret.startsWith(SECRET_PREFIX)
            ? Base64.getDecoder().decode(secret.substring(SECRET_PREFIX.length()))
            : secret.getBytes(StandardCharsets.UTF_8);
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return Base64.getEncoder()
          .encodeToString(mac.doFinal(content.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}
