package herald.api.studio;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.function.IntSupplier;

/**
 * Studio's way to the REST API: a request over loopback to this api, with the signed-in user's
 * session as the bearer credential, so the route's own role check, validation, preconditions and
 * audit apply exactly as for any client. Answers are JSON (or problem+json).
 */
final class ApiClient {
  /** An answer of the api: status, headers, and the body as JSON (null when it has none). */
  record Answer(int status, MultiMap headers, Object body) {
    boolean ok() {
      return status >= 200 && status < 300;
    }

    JsonObject json() {
      return body instanceof JsonObject o ? o : new JsonObject();
    }

    String etag() {
      return headers.get("ETag");
    }
  }

  private final HttpClient client;
  private final IntSupplier port;
  private final String host;
  private final String relaySecret;

  /**
   * @param relaySecret sent with every call, so that the api counts a stale session against the
   *     browser's address rather than against loopback, which every Studio user shares
   */
  ApiClient(Vertx vertx, String host, IntSupplier port, String relaySecret) {
    this.relaySecret = relaySecret;
    this.client =
        vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(2_000).setKeepAlive(true));
    this.host = host;
    this.port = port;
  }

  Future<Answer> get(StudioSessions.Session s, String pathAndQuery) {
    return send(s, HttpMethod.GET, pathAndQuery, null, null);
  }

  Future<Answer> send(
      StudioSessions.Session s,
      HttpMethod method,
      String pathAndQuery,
      JsonObject body,
      MultiMap headers) {
    RequestOptions opts =
        new RequestOptions()
            .setMethod(method)
            .setHost(host)
            .setPort(port.getAsInt())
            .setURI(pathAndQuery)
            .setTimeout(30_000)
            .putHeader("Authorization", "Bearer " + s.token())
            .putHeader("Accept", "application/json");
    if (s.client() != null) {
      opts.putHeader(StudioSessions.RELAY_HEADER, relaySecret)
          .putHeader(StudioSessions.CLIENT_HEADER, s.client());
    }
    if (headers != null) {
      headers.forEach(opts::putHeader);
    }
    Buffer payload = body == null ? null : body.toBuffer();
    if (payload != null) {
      opts.putHeader("Content-Type", "application/json");
    }
    return client
        .request(opts)
        .compose(req -> payload == null ? req.send() : req.send(payload))
        .compose(
            resp ->
                resp.body()
                    .map(
                        b -> {
                          Object parsed = null;
                          if (b.length() > 0) {
                            try {
                              parsed = b.toJsonValue();
                            } catch (RuntimeException e) {
                              parsed = b.toString();
                            }
                          }
                          return new Answer(resp.statusCode(), resp.headers(), parsed);
                        }));
  }

  void close() {
    client.close();
  }
}
