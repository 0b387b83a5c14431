package herald.publisher.delivery;

import herald.events.ContentPublished;
import herald.events.ContentUnpublished;
import herald.publisher.channel.Channel;
import herald.publisher.channel.DeliveryContext;
import herald.publisher.channel.RetryLaterException;
import herald.publisher.channel.UndeliverableException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;

/**
 * A channel that posts to a {@link TargetServer} the way a real adapter talks to a network: an
 * {@code Idempotency-Key} on every call, 401/403/404/410/422 as undeliverable, 429/503 with {@code
 * Retry-After} as retry-later, anything else non-2xx as a failure worth retrying.
 */
final class HttpTestChannel implements Channel {

  static final String NAME = "partner";
  private static final Set<Integer> PERMANENT = Set.of(401, 403, 404, 410, 422);

  private final String baseUrl;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  HttpTestChannel(String baseUrl) {
    this.baseUrl = baseUrl;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void publish(ContentPublished event) {
    throw new UnsupportedOperationException("needs a delivery context");
  }

  @Override
  public void unpublish(ContentUnpublished event) {
    throw new UnsupportedOperationException("needs a delivery context");
  }

  @Override
  public void publish(ContentPublished event, DeliveryContext delivery) throws IOException {
    send(
        HttpRequest.newBuilder(URI.create(baseUrl + "/posts"))
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"entryId\":\""
                        + event.entryId()
                        + "\",\"version\":"
                        + event.version()
                        + "}")),
        delivery);
  }

  @Override
  public void unpublish(ContentUnpublished event, DeliveryContext delivery) throws IOException {
    send(
        HttpRequest.newBuilder(URI.create(baseUrl + "/posts/" + event.entryId())).DELETE(),
        delivery);
  }

  private void send(HttpRequest.Builder b, DeliveryContext delivery) throws IOException {
    HttpResponse<String> r;
    try {
      r =
          http.send(
              b.header("Idempotency-Key", delivery.idempotencyKey())
                  .timeout(Duration.ofSeconds(30))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    int s = r.statusCode();
    if (s >= 200 && s < 300) {
      return;
    }
    if (PERMANENT.contains(s)) {
      throw new UndeliverableException("the target answered " + s + ": " + r.body());
    }
    if (s == 429 || s == 503) {
      Duration after =
          r.headers()
              .firstValue("Retry-After")
              .map(v -> Duration.ofSeconds(Long.parseLong(v.trim())))
              .orElse(null);
      throw new RetryLaterException("the target answered " + s, after);
    }
    throw new IOException("the target answered " + s);
  }
}
