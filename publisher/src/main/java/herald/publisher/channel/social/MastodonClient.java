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

  /**
   * A status of the account's recent ones that an earlier try of this post made: created since
   * {@code since} (less a minute of clock skew) and showing the post's link, or its text when it
   * has no link. Mastodon forgets an {@code Idempotency-Key} after about an hour, so a retry past
   * that window asks here before posting again.
   */
  java.util.Optional<RemotePost> findEarlier(
      SocialAccount account, SocialPost post, java.time.Instant since) throws IOException {
    String what = "mastodon " + account.id() + " statuses";
    Map<String, String> auth = Map.of("Authorization", "Bearer " + account.secret());
    JsonObject me =
        http.check(
            http.send(
                "GET", account.url() + "/api/v1/accounts/verify_credentials", auth, null, what),
            what);
    String accountId = me.getString("id");
    if (accountId == null) {
      throw new herald.publisher.channel.RetryLaterException(
          what + ": the account has no id", null);
    }
    HttpResponse<String> r =
        http.send(
            "GET",
            account.url() + "/api/v1/accounts/" + encode(accountId) + "/statuses?limit=40",
            auth,
            null,
            what);
    if (r.statusCode() < 200 || r.statusCode() > 299) {
      http.check(r, what);
    }
    io.vertx.core.json.JsonArray statuses;
    try {
      statuses = new io.vertx.core.json.JsonArray(r.body());
    } catch (RuntimeException e) {
      throw new herald.publisher.channel.RetryLaterException(
          what + ": the answer is not a list of statuses", null, e);
    }
    java.time.Instant from = since.minus(java.time.Duration.ofMinutes(1));
    for (Object o : statuses) {
      if (!(o instanceof JsonObject status) || status.getString("id") == null) {
        continue;
      }
      java.time.Instant created;
      try {
        created = java.time.Instant.parse(status.getString("created_at", ""));
      } catch (java.time.format.DateTimeParseException e) {
        continue;
      }
      String content = status.getString("content", "");
      boolean ours =
          post.url() != null && !post.url().isEmpty()
              ? content.contains(post.url())
              : content.replaceAll("<[^>]*>", "").contains(post.text());
      if (!created.isBefore(from) && ours) {
        return java.util.Optional.of(
            new RemotePost(
                status.getString("id"), status.getString("url", status.getString("uri"))));
      }
    }
    return java.util.Optional.empty();
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
