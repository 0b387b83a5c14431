package herald.publisher.channel.social;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mastodon and Bluesky on this machine, for the all-in-one mode (as {@code LocalSmtpSink} is for
 * mail): one HTTP server speaking the parts of Mastodon's REST API ({@code /api/v1/statuses}) and a
 * Bluesky PDS's XRPC ({@code com.atproto.server.createSession}, {@code repo.createRecord}, {@code
 * getRecord}, {@code deleteRecord}) that the social channel uses. Like the real services it makes
 * one status per {@code Idempotency-Key} and one record per record key, checks the account's token
 * or app password, and keeps what it received: each status as {@code mastodon/<id>.json} and each
 * record as {@code bluesky/<rkey>.json} under its directory (read again on the next start).
 */
public final class LocalSocialSink {

  /** The credentials the sink's one Mastodon and one Bluesky account accept. */
  public record Accounts(String mastodonToken, String blueskyHandle, String blueskyPassword) {

    /** The Bluesky account's DID. */
    public String did() {
      return "did:plc:" + blueskyHandle.replaceAll("[^a-z0-9]", "");
    }
  }

  private static final Logger LOG = LoggerFactory.getLogger(LocalSocialSink.class);
  private static final String STATUSES = "/api/v1/statuses";
  private static final String ACCOUNTS = "/api/v1/accounts/";

  /** The one Mastodon account's id. */
  static final String MASTODON_ACCOUNT_ID = "1";

  // Record keys and status ids become file names: nothing else is taken.
  private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9._:~-]{1,512}");

  private final Accounts accounts;
  private final Path dir;
  private final Map<String, JsonObject> statuses = new ConcurrentHashMap<>();
  private final Map<String, JsonObject> byIdempotencyKey = new ConcurrentHashMap<>();
  private final Map<String, JsonObject> records = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong(1000);
  private final AtomicLong sessions = new AtomicLong();
  private volatile String url = "";
  private HttpServer server;

  /**
   * A sink keeping what it receives under {@code dir} (null: in memory only), not yet listening;
   * see {@link #start}.
   */
  public LocalSocialSink(Accounts accounts, Path dir) {
    this.accounts = accounts;
    this.dir = dir;
    if (dir != null) {
      load();
    }
  }

  /** Listens on {@code host:port} (0: any free port). */
  public Future<LocalSocialSink> start(Vertx vertx, String host, int port) {
    return vertx
        .createHttpServer()
        .requestHandler(
            req ->
                req.body()
                    .onSuccess(b -> handle(req, b.toString(), true))
                    .onFailure(e -> req.response().setStatusCode(400).end()))
        .listen(port, host)
        .map(
            s -> {
              server = s;
              url = "http://" + host + ":" + s.actualPort();
              LOG.info("local Mastodon and Bluesky on {}, posts in {}", url, dir);
              return this;
            });
  }

  /** Where the networks are reached: the account URL of both. */
  public String url() {
    return url;
  }

  /** For a sink served by another server (a test's), the address it is reached at. */
  public void servedAt(String url) {
    this.url = url;
  }

  public Future<Void> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  /** The credentials it accepts. */
  public Accounts accounts() {
    return accounts;
  }

  /** Mastodon statuses there now, by id (live). */
  public Map<String, JsonObject> statuses() {
    return statuses;
  }

  /** Mastodon statuses made, by the {@code Idempotency-Key} that made them. */
  public Map<String, JsonObject> statusesByIdempotencyKey() {
    return Map.copyOf(byIdempotencyKey);
  }

  /** Bluesky records there now, by record key (live). */
  public Map<String, JsonObject> records() {
    return records;
  }

  /**
   * Answers a request to either network; with {@code answer} false the effect happens but no answer
   * is sent (for a test that loses answers on the way back). Returns false, answering nothing, for
   * a path that is neither network's.
   */
  public boolean handle(HttpServerRequest req, String body, boolean answer) {
    String path = req.path();
    if (path.startsWith(STATUSES)) {
      mastodon(req, body, answer);
      return true;
    }
    if (path.startsWith("/xrpc/")) {
      bluesky(req, body, answer);
      return true;
    }
    if (path.startsWith(ACCOUNTS)) {
      mastodonAccount(req);
      return true;
    }
    json(req, 404, new JsonObject().put("error", "not found"));
    return false;
  }

  /**
   * Forgets every {@code Idempotency-Key}, as Mastodon does about an hour after a key was used: a
   * repeat then makes a new status (tests of retries past that window).
   */
  public void forgetIdempotencyKeys() {
    byIdempotencyKey.clear();
  }

  /** {@code verify_credentials}, and the account's statuses, newest first ({@code limit}). */
  private void mastodonAccount(HttpServerRequest req) {
    if (!("Bearer " + accounts.mastodonToken()).equals(req.getHeader("Authorization"))) {
      json(req, 401, new JsonObject().put("error", "The access token is invalid"));
      return;
    }
    if (req.path().equals(ACCOUNTS + "verify_credentials")) {
      json(req, 200, new JsonObject().put("id", MASTODON_ACCOUNT_ID).put("acct", "herald"));
      return;
    }
    if (!req.path().equals(ACCOUNTS + MASTODON_ACCOUNT_ID + "/statuses")) {
      json(req, 404, new JsonObject().put("error", "Record not found"));
      return;
    }
    int limit = 20;
    try {
      limit = Math.min(40, Integer.parseInt(req.getParam("limit", "20")));
    } catch (NumberFormatException e) {
      // Mastodon ignores a limit it can't read
    }
    java.util.List<JsonObject> newest = new java.util.ArrayList<>(statuses.values());
    newest.sort(
        java.util.Comparator.comparingLong((JsonObject o) -> Long.parseLong(o.getString("id")))
            .reversed());
    io.vertx.core.json.JsonArray out = new io.vertx.core.json.JsonArray();
    newest.stream().limit(limit).forEach(out::add);
    req.response().putHeader("content-type", "application/json").end(out.encode());
  }

  private void mastodon(HttpServerRequest req, String body, boolean answer) {
    if (!("Bearer " + accounts.mastodonToken()).equals(req.getHeader("Authorization"))) {
      json(req, 401, new JsonObject().put("error", "The access token is invalid"));
      return;
    }
    String id = req.path().substring(STATUSES.length()).replace("/", "");
    switch (req.method().name()) {
      case "POST" -> {
        JsonObject in = parse(req, body);
        if (in == null) {
          return;
        }
        String key = req.getHeader("Idempotency-Key");
        JsonObject status =
            byIdempotencyKey.computeIfAbsent(
                key == null ? "none-" + ids.get() : key,
                k -> {
                  String newId = Long.toString(ids.incrementAndGet());
                  JsonObject s =
                      new JsonObject()
                          .put("id", newId)
                          .put("url", url + "/@herald/" + newId)
                          .put("created_at", Instant.now().toString())
                          .put("content", in.getString("status"))
                          .put("idempotencyKey", k);
                  statuses.put(newId, s);
                  save("mastodon", newId, s);
                  return s;
                });
        if (answer) {
          json(req, 200, status);
        }
      }
      case "PUT" -> {
        JsonObject in = parse(req, body);
        JsonObject s = statuses.get(id);
        if (in == null) {
          return;
        }
        if (s == null) {
          json(req, 404, new JsonObject().put("error", "Record not found"));
          return;
        }
        s.put("content", in.getString("status")).put("edited_at", Instant.now().toString());
        save("mastodon", id, s);
        json(req, 200, s);
      }
      case "DELETE" -> {
        JsonObject s = statuses.remove(id);
        if (s != null) {
          delete("mastodon", id);
        }
        json(
            req,
            s == null ? 404 : 200,
            s == null ? new JsonObject().put("error", "Record not found") : s);
      }
      default -> json(req, 405, new JsonObject().put("error", "method not allowed"));
    }
  }

  private void bluesky(HttpServerRequest req, String body, boolean answer) {
    String method = req.path().substring("/xrpc/".length());
    if (method.equals("com.atproto.server.createSession")) {
      JsonObject in = parse(req, body);
      if (in == null) {
        return;
      }
      if (!accounts.blueskyHandle().equals(in.getString("identifier"))
          || !accounts.blueskyPassword().equals(in.getString("password"))) {
        json(
            req,
            401,
            new JsonObject()
                .put("error", "AuthenticationRequired")
                .put("message", "Invalid identifier or password"));
        return;
      }
      json(
          req,
          200,
          new JsonObject()
              .put("did", accounts.did())
              .put("handle", accounts.blueskyHandle())
              .put("accessJwt", "jwt-" + sessions.incrementAndGet())
              .put("refreshJwt", "refresh"));
      return;
    }
    String auth = req.getHeader("Authorization");
    if (auth == null || !auth.startsWith("Bearer jwt-")) {
      json(req, 401, new JsonObject().put("error", "AuthenticationRequired"));
      return;
    }
    switch (method) {
      case "com.atproto.repo.createRecord" -> {
        JsonObject in = parse(req, body);
        if (in == null) {
          return;
        }
        String rkey = in.getString("rkey", "");
        if (!SAFE_NAME.matcher(rkey).matches() || in.getJsonObject("record") == null) {
          json(req, 400, new JsonObject().put("error", "InvalidRequest"));
          return;
        }
        String uri = "at://" + in.getString("repo") + "/" + in.getString("collection") + "/" + rkey;
        JsonObject record = in.getJsonObject("record").copy().put("uri", uri);
        if (records.putIfAbsent(rkey, record) != null) {
          json(
              req,
              400,
              new JsonObject()
                  .put("error", "InvalidRequest")
                  .put("message", "Record already exists"));
          return;
        }
        save("bluesky", rkey, record);
        if (answer) {
          json(req, 200, new JsonObject().put("uri", uri).put("cid", "bafyrei" + rkey));
        }
      }
      case "com.atproto.repo.getRecord" -> {
        JsonObject r = records.get(String.valueOf(req.getParam("rkey")));
        if (r == null) {
          json(req, 400, new JsonObject().put("error", "RecordNotFound"));
        } else {
          json(req, 200, new JsonObject().put("uri", r.getString("uri")).put("value", r));
        }
      }
      case "com.atproto.repo.deleteRecord" -> {
        JsonObject in = parse(req, body);
        if (in == null) {
          return;
        }
        String rkey = in.getString("rkey", "");
        if (records.remove(rkey) != null) {
          delete("bluesky", rkey);
        }
        json(req, 200, new JsonObject());
      }
      default -> json(req, 404, new JsonObject().put("error", "MethodNotImplemented"));
    }
  }

  private static JsonObject parse(HttpServerRequest req, String body) {
    try {
      return new JsonObject(body);
    } catch (RuntimeException e) {
      json(req, 400, new JsonObject().put("error", "InvalidRequest").put("message", "not JSON"));
      return null;
    }
  }

  private void save(String network, String name, JsonObject value) {
    if (dir == null || !SAFE_NAME.matcher(name).matches()) {
      return;
    }
    try {
      Path folder = Files.createDirectories(dir.resolve(network));
      Path tmp = folder.resolve("." + name + ".tmp");
      Files.writeString(tmp, value.encodePrettily() + "\n", StandardCharsets.UTF_8);
      Files.move(
          tmp,
          folder.resolve(name + ".json"),
          StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      LOG.warn("could not keep the {} post {} in {}", network, name, dir, e);
    }
  }

  private void delete(String network, String name) {
    if (dir == null || !SAFE_NAME.matcher(name).matches()) {
      return;
    }
    try {
      Files.deleteIfExists(dir.resolve(network).resolve(name + ".json"));
    } catch (IOException e) {
      LOG.warn("could not remove the {} post {} from {}", network, name, dir, e);
    }
  }

  /** What an earlier run kept, so that ids and idempotency keys survive a restart. */
  private void load() {
    for (String network : new String[] {"mastodon", "bluesky"}) {
      Path folder = dir.resolve(network);
      if (!Files.isDirectory(folder)) {
        continue;
      }
      try (Stream<Path> files = Files.list(folder)) {
        for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
          String name = f.getFileName().toString().replaceFirst("\\.json$", "");
          JsonObject value = new JsonObject(Files.readString(f, StandardCharsets.UTF_8));
          if (network.equals("mastodon")) {
            statuses.put(name, value);
            byIdempotencyKey.put(value.getString("idempotencyKey", "none-" + name), value);
            try {
              ids.accumulateAndGet(Long.parseLong(name), Math::max);
            } catch (NumberFormatException ignored) {
              // Not one of ours: kept, but it does not move the ids on.
            }
          } else {
            records.put(name, value);
          }
        }
      } catch (IOException | RuntimeException e) {
        throw new UncheckedIOException(
            "could not read the local social posts in " + folder,
            e instanceof IOException io ? io : new IOException(e));
      }
    }
  }

  private static void json(HttpServerRequest req, int status, JsonObject body) {
    req.response()
        .setStatusCode(status)
        .putHeader("content-type", "application/json")
        .end(body.encode() + "\n");
  }
}
