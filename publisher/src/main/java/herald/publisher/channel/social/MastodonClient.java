package herald.publisher.channel.social;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * Mastodon's REST API: {@code POST /api/v1/statuses} with an {@code Idempotency-Key}, {@code PUT}
 * to edit and {@code DELETE} to remove a status.
 */
final class MastodonClient {

  private final SocialHttp http;

  MastodonClient(SocialHttp http) {
    this.http = http;
  }

  /** Posts a public status; the same key within Mastodon's window returns the same status. */
  RemotePost create(SocialAccount account, SocialPost post, String idempotencyKey)
      throws IOException {
    HttpResponse<String> r =
        http.send(
            "POST",
            account.url() + "/api/v1/statuses",
            Map.of(
                "Authorization", "Bearer " + account.secret(), "Idempotency-Key", idempotencyKey),
            status(post).put("visibility", "public"),
            "mastodon " + account.id() + " post");
    JsonObject status = http.check(r, "mastodon " + account.id() + " post");
    String id = status.getString("id");
    if (id == null) {
      throw new herald.publisher.channel.RetryLaterException(
          "mastodon " + account.id() + " answered without a status id", null);
    }
    return new RemotePost(id, status.getString("url", status.getString("uri")));
  }

  /** Replaces the text of a status (Mastodon 3.5+ keeps the edit history). */
  void edit(SocialAccount account, String statusId, SocialPost post) throws IOException {
    String what = "mastodon " + account.id() + " edit";
    http.check(
        http.send(
            "PUT",
            account.url() + "/api/v1/statuses/" + encode(statusId),
            Map.of("Authorization", "Bearer " + account.secret()),
            status(post),
            what),
        what);
  }

  /** Deletes a status; one that is gone already (404, 410) counts as deleted. */
  void delete(SocialAccount account, String statusId) throws IOException {
    String what = "mastodon " + account.id() + " delete";
    HttpResponse<String> r =
        http.send(
            "DELETE",
            account.url() + "/api/v1/statuses/" + encode(statusId),
            Map.of("Authorization", "Bearer " + account.secret()),
            null,
            what);
    if (r.statusCode() == 404 || r.statusCode() == 410) {
      return;
    }
    http.check(r, what);
  }

  private static JsonObject status(SocialPost post) {
    // Mastodon wants an ISO 639 language code: "sr-Cyrl" is "sr".
    String language = Locale.forLanguageTag(post.locale()).getLanguage();
    JsonObject json = new JsonObject().put("status", post.text());
    if (!language.isEmpty()) {
      json.put("language", language);
    }
    return json;
  }

  private static String encode(String id) {
    return URLEncoder.encode(id, StandardCharsets.UTF_8);
  }
}
