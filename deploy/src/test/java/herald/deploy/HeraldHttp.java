package herald.deploy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** HTTP calls to a running all-in-one: plain GETs, and the api's routes with the admin key. */
final class HeraldHttp {
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final AllInOne herald;

  HeraldHttp(AllInOne herald) {
    this.herald = herald;
  }

  /** GET of any URL, without a key, given {@code timeout} to answer. */
  HttpResponse<String> get(String url, Duration timeout) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(timeout).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** A call of the api with the admin key; a body is sent as JSON. */
  HttpResponse<String> send(String method, String path, String body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(herald.apiUrl() + path))
            .timeout(Duration.ofSeconds(60))
            .header("Authorization", "Bearer " + herald.adminKey())
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    try {
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError("request failed: " + method + " " + path, e);
    }
  }
}
