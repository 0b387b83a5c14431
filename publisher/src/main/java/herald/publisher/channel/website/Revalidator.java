package herald.publisher.channel.website;

import herald.publisher.channel.UndeliverableException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HexFormat;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The revalidation hook for front-ends that render pages themselves (Next.js on-demand revalidation
 * and the like): after each change, a POST of {@code {"paths": [...], "entryId", "version"}} signed
 * with HMAC-SHA256.
 *
 * <p>Headers: {@code X-Herald-Timestamp} (Unix seconds) and {@code X-Herald-Signature: sha256=<hex
 * of HMAC(secret, timestamp + "." + body)>}; a receiver recomputes it and rejects old timestamps,
 * so a captured request cannot be replayed later.
 */
public final class Revalidator {

  /** Answers that retrying will not change: the delivery is dead with the reason. */
  private static final Set<Integer> PERMANENT = Set.of(401, 403, 404, 410, 422);

  private final URI url;
  private final byte[] secret;
  private final HttpClient http;

  public Revalidator(String url, String secret) {
    this.url = URI.create(url);
    this.secret = secret == null ? new byte[0] : secret.getBytes(StandardCharsets.UTF_8);
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  /** Posts the changed paths. */
  public void changed(String entryId, long version, Collection<String> paths) throws IOException {
    String body =
        new JsonObject()
            .put("entryId", entryId)
            .put("version", version)
            .put("paths", new JsonArray(paths.stream().sorted().distinct().toList()))
            .encode();
    String timestamp = Long.toString(Instant.now().getEpochSecond());
    HttpRequest request =
        HttpRequest.newBuilder(url)
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/json")
            .header("X-Herald-Timestamp", timestamp)
            .header("X-Herald-Signature", "sha256=" + sign(secret, timestamp + "." + body))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    HttpResponse<Void> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.discarding());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while calling the revalidation hook", e);
    }
    int status = response.statusCode();
    if (PERMANENT.contains(status)) {
      throw new UndeliverableException("the revalidation hook answered " + status);
    }
    if (status < 200 || status >= 300) {
      throw new IOException("the revalidation hook answered " + status);
    }
  }

  /** Hex HMAC-SHA256 of the text. */
  public static String sign(byte[] secret, String text) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.length == 0 ? new byte[1] : secret, "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is always present", e);
    }
  }
}
