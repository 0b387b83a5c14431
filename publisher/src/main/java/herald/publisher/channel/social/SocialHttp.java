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
    try {
      return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (HttpTimeoutException e) {
      throw new RetryLaterException(what + ": no answer within " + timeout, null, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      InterruptedIOException io = new InterruptedIOException(what + ": interrupted");
      io.initCause(e);
      throw io;
    } catch (IOException e) {
      throw new RetryLaterException(what + ": " + e, null, e);
    }
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
