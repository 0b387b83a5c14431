package herald.publisher.channel.social;

import herald.publisher.channel.RetryLaterException;
import herald.publisher.channel.UndeliverableException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;

/**
 * Blocking JSON calls to a network, with one timeout and one mapping of failures: 429, 408 and 5xx
 * (and no answer in time) are worth retrying, honouring {@code Retry-After}; other 4xx are not.
 */
final class SocialHttp {

  private static final int MAX_ERROR_BODY = 300;

  private final HttpClient client;
  private final Duration timeout;
  private final Clock clock;

  SocialHttp(HttpClient client, Duration timeout, Clock clock) {
    this.client = client;
    this.timeout = timeout;
    this.clock = clock;
  }

  /** Sends a request with a JSON body (or none) and returns the answer, whatever its status. */
  HttpResponse<String> send(
      String method, String url, Map<String, String> headers, JsonObject body, String what)
      throws IOException {
    return exchange(method, url, headers, body == null ? null : body.encode(), what);
  }

  /** POSTs a JSON body given as the exact text to send (a signed webhook's). */
  HttpResponse<String> sendRaw(String url, Map<String, String> headers, String json, String what)
      throws IOException {
    return exchange("POST", url, headers, json, what);
  }

  private HttpResponse<String> exchange(
      String method, String url, Map<String, String> headers, String body, String what)
      throws IOException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(timeout)
            .header("Accept", "application/json")
            .header("User-Agent", "Herald-Publisher/1.0")
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    if (body != null) {
      b.header("Content-Type", "application/json; charset=utf-8");
    }
    headers.forEach(b::header);
    // The whole call, body included, is bounded in time and size: a network that streams without
    // end can neither hold a delivery worker nor fill the heap.
    java.util.concurrent.CompletableFuture<HttpResponse<String>> call =
        client.sendAsync(b.build(), bounded(MAX_RESPONSE_BYTES));
    try {
      return call.get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      call.cancel(true);
      throw new RetryLaterException(what + ": no answer within " + timeout, null, e);
    } catch (InterruptedException e) {
      call.cancel(true);
      Thread.currentThread().interrupt();
      InterruptedIOException io = new InterruptedIOException(what + ": interrupted");
      io.initCause(e);
      throw io;
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (cause instanceof HttpTimeoutException) {
        throw new RetryLaterException(what + ": no answer within " + timeout, null, cause);
      }
      throw new RetryLaterException(what + ": " + cause, null, cause);
    }
  }

  /** The most of a network's answer read; a longer one fails the call. */
  static final int MAX_RESPONSE_BYTES = 1024 * 1024;

  /** The body as text, or a failure once it is longer than {@code max} bytes. */
  static HttpResponse.BodyHandler<String> bounded(int max) {
    return info ->
        new HttpResponse.BodySubscriber<String>() {
          private final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
          private final java.util.concurrent.CompletableFuture<String> body =
              new java.util.concurrent.CompletableFuture<>();
          private java.util.concurrent.Flow.Subscription subscription;

          @Override
          public java.util.concurrent.CompletionStage<String> getBody() {
            return body;
          }

          @Override
          public void onSubscribe(java.util.concurrent.Flow.Subscription s) {
            subscription = s;
            s.request(Long.MAX_VALUE);
          }

          @Override
          public void onNext(java.util.List<java.nio.ByteBuffer> items) {
            for (java.nio.ByteBuffer b : items) {
              if (body.isDone()) {
                return;
              }
              if (out.size() + b.remaining() > max) {
                // The failure first: cancelling makes the client fail the call its own way.
                body.completeExceptionally(
                    new IOException("the answer is longer than " + max + " bytes"));
                subscription.cancel();
                return;
              }
              byte[] bytes = new byte[b.remaining()];
              b.get(bytes);
              out.writeBytes(bytes);
            }
          }

          @Override
          public void onError(Throwable t) {
            body.completeExceptionally(t);
          }

          @Override
          public void onComplete() {
            body.complete(out.toString(StandardCharsets.UTF_8));
          }
        };
  }

  /**
   * Returns the JSON body of a 2xx answer, or throws the failure the status stands for.
   *
   * @throws RetryLaterException on 408, 425, 429 and 5xx
   * @throws UndeliverableException on any other status
   */
  JsonObject check(HttpResponse<String> response, String what) throws RetryLaterException {
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      return json(response.body());
    }
    String detail = what + ": HTTP " + status + errorText(response.body());
    if (status == 408 || status == 425 || status == 429 || status >= 500) {
      throw new RetryLaterException(detail, retryAfter(response));
    }
    throw new UndeliverableException(detail);
  }

  /** The JSON object of a body; an empty or non-object body gives an empty object. */
  static JsonObject json(String body) {
    if (body == null || body.isBlank()) {
      return new JsonObject();
    }
    try {
      return new JsonObject(body);
    } catch (DecodeException | ClassCastException e) {
      return new JsonObject();
    }
  }

  /** {@code Retry-After} as delay-seconds or an HTTP date, if the answer has one. */
  Duration retryAfter(HttpResponse<String> response) {
    String v = response.headers().firstValue("Retry-After").orElse("").trim();
    if (v.isEmpty()) {
      return null;
    }
    try {
      return Duration.ofSeconds(Math.max(0, Long.parseLong(v)));
    } catch (NumberFormatException e) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
        Duration d = Duration.between(clock.instant(), at.toInstant());
        return d.isNegative() ? Duration.ZERO : d;
      } catch (DateTimeParseException notADate) {
        return null;
      }
    }
  }

  /** The error a network gave, shortened, for the delivery's reason. */
  private static String errorText(String body) {
    JsonObject json = json(body);
    String text =
        json.getValue("error_description") != null
            ? String.valueOf(json.getValue("error_description"))
            : json.getValue("message") != null
                ? String.valueOf(json.getValue("message"))
                : json.getValue("error") != null ? String.valueOf(json.getValue("error")) : "";
    if (text.length() > MAX_ERROR_BODY) {
      text = text.substring(0, MAX_ERROR_BODY) + "…";
    }
    return text.isEmpty() ? "" : " (" + text + ")";
  }
}
