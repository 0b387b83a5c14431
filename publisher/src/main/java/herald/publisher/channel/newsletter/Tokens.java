package herald.publisher.channel.newsletter;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signed links for subscribers: {@code base64url(payload).base64url(HMAC-SHA256(payload))} where
 * the payload names the purpose, the subscriber and an expiry (none for unsubscribing, which must
 * work from any old mail). Nothing is stored: the signature is the proof.
 */
final class Tokens {

  /** What a token allows. */
  enum Purpose {
    CONFIRM("c"),
    UNSUBSCRIBE("u");

    private final String code;

    Purpose(String code) {
      this.code = code;
    }
  }

  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getUrlDecoder();

  private final byte[] key;
  private final Clock clock;

  Tokens(byte[] key, Clock clock) {
    this.key = key.clone();
    this.clock = clock;
  }

  String confirm(UUID subscriber, Instant expires) {
    return sign(Purpose.CONFIRM, subscriber, expires.getEpochSecond());
  }

  String unsubscribe(UUID subscriber) {
    return sign(Purpose.UNSUBSCRIBE, subscriber, 0);
  }

  /** The subscriber of a valid, unexpired token for the purpose. */
  Optional<UUID> verify(String token, Purpose purpose) {
    if (token == null || token.length() > 200) {
      return Optional.empty();
    }
    int dot = token.indexOf('.');
    if (dot < 0) {
      return Optional.empty();
    }
    try {
      byte[] payload = B64D.decode(token.substring(0, dot));
      byte[] mac = B64D.decode(token.substring(dot + 1));
      if (!MessageDigest.isEqual(mac, mac(payload))) {
        return Optional.empty();
      }
      String[] parts = new String(payload, StandardCharsets.UTF_8).split("\\|");
      if (parts.length != 3 || !parts[0].equals(purpose.code)) {
        return Optional.empty();
      }
      long expires = Long.parseLong(parts[2]);
      if (expires != 0 && clock.instant().getEpochSecond() > expires) {
        return Optional.empty();
      }
      return Optional.of(UUID.fromString(parts[1]));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private String sign(Purpose purpose, UUID subscriber, long expires) {
    byte[] payload =
        (purpose.code + "|" + subscriber + "|" + expires).getBytes(StandardCharsets.UTF_8);
    return B64.encodeToString(payload) + "." + B64.encodeToString(mac(payload));
  }

  private byte[] mac(byte[] payload) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(payload);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}
