package herald.publisher.channel.social;

import herald.publisher.channel.RetryLaterException;
import herald.publisher.channel.UndeliverableException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bluesky through its PDS's XRPC API: {@code com.atproto.server.createSession} with an app
 * password, then {@code com.atproto.repo.createRecord} of an {@code app.bsky.feed.post} and {@code
 * deleteRecord}.
 *
 * <p>The record key is chosen by Herald, derived from the delivery: a retry after a crash writes
 * the same record, and when the first try did get through, the PDS refuses the duplicate and {@code
 * getRecord} shows that it is there.
 */
final class BlueskyClient {

  static final String POST = "app.bsky.feed.post";
  private static final String TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz";

  private final SocialHttp http;
  private final Map<String, Session> sessions = new ConcurrentHashMap<>();

  private record Session(String did, String accessJwt) {}

  BlueskyClient(SocialHttp http) {
    this.http = http;
  }

  /** Creates the post under the given record key, or finds it there from an earlier try. */
  RemotePost create(SocialAccount account, SocialPost post, String rkey, Instant createdAt)
      throws IOException {
    JsonObject record =
        new JsonObject()
            .put("$type", POST)
            .put("text", post.text())
            .put("createdAt", createdAt.truncatedTo(ChronoUnit.MILLIS).toString())
            .put("langs", new JsonArray().add(post.locale()));
    if (!post.facets().isEmpty()) {
      record.put("facets", post.facets().copy());
    }
    String what = "bluesky " + account.id() + " createRecord";
    HttpResponse<String> r =
        authorized(
            account,
            s ->
                http.send(
                    "POST",
                    xrpc(account, "com.atproto.repo.createRecord"),
                    Map.of("Authorization", "Bearer " + s.accessJwt()),
                    new JsonObject()
                        .put("repo", s.did())
                        .put("collection", POST)
                        .put("rkey", rkey)
                        .put("record", record),
                    what));
    if (r.statusCode() == 400 || r.statusCode() == 409) {
      // Perhaps the record exists from a try whose answer was lost: then it is done.
      String existing = existingUri(account, rkey);
      if (existing != null) {
        return new RemotePost(rkey, existing);
      }
    }
    JsonObject created = http.check(r, what);
    String uri = created.getString("uri");
    if (uri == null) {
      throw new RetryLaterException(what + ": the PDS answered without a uri", null);
    }
    return new RemotePost(rkeyOf(uri), uri);
  }

  /** Deletes the post; deleting a record that is not there succeeds in atproto. */
  void delete(SocialAccount account, String rkey) throws IOException {
    String what = "bluesky " + account.id() + " deleteRecord";
    HttpResponse<String> r =
        authorized(
            account,
            s ->
                http.send(
                    "POST",
                    xrpc(account, "com.atproto.repo.deleteRecord"),
                    Map.of("Authorization", "Bearer " + s.accessJwt()),
                    new JsonObject().put("repo", s.did()).put("collection", POST).put("rkey", rkey),
                    what));
    http.check(r, what);
  }

  private String existingUri(SocialAccount account, String rkey) throws IOException {
    Session s = session(account);
    String url =
        xrpc(account, "com.atproto.repo.getRecord")
            + "?repo="
            + enc(s.did())
            + "&collection="
            + POST
            + "&rkey="
            + enc(rkey);
    HttpResponse<String> r =
        http.send(
            "GET",
            url,
            Map.of("Authorization", "Bearer " + s.accessJwt()),
            null,
            "bluesky getRecord");
    return r.statusCode() == 200 ? SocialHttp.json(r.body()).getString("uri") : null;
  }

  private interface Call {
    HttpResponse<String> send(Session session) throws IOException;
  }

  /** Runs a call with the account's session, logging in again once if the token expired. */
  private HttpResponse<String> authorized(SocialAccount account, Call call) throws IOException {
    HttpResponse<String> r = call.send(session(account));
    if (r.statusCode() == 401 || isExpired(r)) {
      sessions.remove(account.id());
      r = call.send(session(account));
    }
    return r;
  }

  private static boolean isExpired(HttpResponse<String> r) {
    return r.statusCode() == 400
        && "ExpiredToken".equals(SocialHttp.json(r.body()).getString("error"));
  }

  private Session session(SocialAccount account) throws IOException {
    Session s = sessions.get(account.id());
    if (s != null) {
      return s;
    }
    String what = "bluesky " + account.id() + " createSession";
    HttpResponse<String> r =
        http.send(
            "POST",
            xrpc(account, "com.atproto.server.createSession"),
            Map.of(),
            new JsonObject().put("identifier", account.handle()).put("password", account.secret()),
            what);
    if (r.statusCode() == 400 || r.statusCode() == 401) {
      // A wrong handle or app password: no retry fixes it until someone changes the config.
      throw new UndeliverableException(
          what + ": HTTP " + r.statusCode() + ", check the handle and app password");
    }
    JsonObject json = http.check(r, what);
    String did = json.getString("did");
    String jwt = json.getString("accessJwt");
    if (did == null || jwt == null) {
      throw new RetryLaterException(what + ": no session in the answer", null);
    }
    s = new Session(did, jwt);
    sessions.put(account.id(), s);
    return s;
  }

  private static String xrpc(SocialAccount account, String method) {
    return account.url() + "/xrpc/" + method;
  }

  /** The record key at the end of an {@code at://did/collection/rkey} URI. */
  static String rkeyOf(String uri) {
    return uri.substring(uri.lastIndexOf('/') + 1);
  }

  /**
   * A record key in atproto's TID form (13 characters of base32-sortable: 53 bits of microseconds
   * since the epoch and a 10-bit clock id), derived from a time and a key so that it is the same on
   * every try.
   */
  static String tid(Instant time, String key) {
    long micros = ChronoUnit.MICROS.between(Instant.EPOCH, time) & ((1L << 53) - 1);
    long clockId = Math.floorMod(key.hashCode(), 1024);
    long v = (micros << 10) | clockId;
    char[] out = new char[13];
    for (int i = 12; i >= 0; i--) {
      out[i] = TID_ALPHABET.charAt((int) (v & 31));
      v >>>= 5;
    }
    return new String(out);
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
