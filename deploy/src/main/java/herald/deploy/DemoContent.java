package herald.deploy;

import herald.api.content.Slugs;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo content model and the seed newsletter's items, loaded through the public API (the same
 * path an editor takes) on first start.
 */
public final class DemoContent {
  private static final Logger LOG = LoggerFactory.getLogger(DemoContent.class);
  private final String apiUrl;
  private final String adminKey;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  public DemoContent(String apiUrl, String adminKey) {
    this.apiUrl = apiUrl;
    this.adminKey = adminKey;
  }

  /**
   * Loads the demo content unless the marker file says it was loaded before; returns the ids of the
   * entries it published (none when it was loaded before).
   */
  public Set<String> loadOnce(Path marker) throws IOException, InterruptedException {
    if (Files.exists(marker)) {
      return Set.of();
    }
    Set<String> published = load();
    Files.writeString(marker, "demo content loaded\n", StandardCharsets.UTF_8);
    LOG.info(
        "loaded the demo content model and published {} entries from the seed newsletter",
        published.size());
    return published;
  }

  /**
   * Of {@code ids}, those that the search does not find yet: the indexer catches up with the
   * publishes a little after they are made.
   */
  public Set<String> notYetSearchable(Set<String> ids) throws IOException, InterruptedException {
    Set<String> missing = new HashSet<>(ids);
    String types =
        new JsonArray(resource("seed/model.json"))
            .stream().map(t -> ((JsonObject) t).getString("id")).collect(Collectors.joining(","));
    String cursor = null;
    do {
      String path =
          "/v1/search?limit=100&type="
              + types
              + (cursor == null
                  ? ""
                  : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
      HttpResponse<String> page = send("GET", path, null);
      if (page.statusCode() != 200) {
        return missing;
      }
      JsonObject body = new JsonObject(page.body());
      body.getJsonArray("hits").forEach(h -> missing.remove(((JsonObject) h).getString("id")));
      cursor = body.getString("nextCursor");
    } while (cursor != null && !missing.isEmpty());
    return missing;
  }

  /**
   * Creates the types and publishes the entries; whatever exists already (409) is left alone, so an
   * interrupted load can simply run again. Returns the ids of the entries published.
   */
  public Set<String> load() throws IOException, InterruptedException {
    JsonArray types = new JsonArray(resource("seed/model.json"));
    for (Object t : types) {
      HttpResponse<String> r = send("POST", "/v1/manage/types", ((JsonObject) t).encode());
      if (r.statusCode() != 201 && r.statusCode() != 409) {
        throw new IllegalStateException("could not create demo type: " + r.body());
      }
    }
    Set<String> published = new HashSet<>();
    Map<String, String> ids = new HashMap<>();
    JsonArray entries = new JsonArray(resource("seed/entries.json"));
    for (Object o : entries) {
      JsonObject entry = ((JsonObject) o).copy();
      String key = (String) entry.remove("key");
      JsonObject fields = (JsonObject) resolve(entry.getJsonObject("fields"), ids);
      entry.put("fields", fields);
      Object title = fields.getValue("title");
      String text =
          title instanceof JsonObject perLocale
              ? perLocale.getString("en")
              : fields.getString("name");
      String slug = Slugs.of(text, "en");
      entry.put("slug", slug);
      HttpResponse<String> created = send("POST", "/v1/manage/entries", entry.encode());
      if (created.statusCode() == 409) {
        // Loaded by an earlier, interrupted run: find it to keep references right.
        HttpResponse<String> existing =
            send("GET", "/v1/preview/types/" + entry.getString("type") + "/entries/" + slug, null);
        if (key != null && existing.statusCode() == 200) {
          ids.put(key, new JsonObject(existing.body()).getString("id"));
        }
        continue;
      }
      if (created.statusCode() != 201) {
        throw new IllegalStateException("could not create demo entry: " + created.body());
      }
      String id = new JsonObject(created.body()).getString("id");
      if (key != null) {
        ids.put(key, id);
      }
      HttpResponse<String> pub = send("POST", "/v1/manage/entries/" + id + "/publish", null);
      if (pub.statusCode() != 200) {
        throw new IllegalStateException("could not publish demo entry: " + pub.body());
      }
      published.add(id);
    }
    return published;
  }

  /** Replaces {@code "@key"} strings with the ids of the entries created under those keys. */
  private static Object resolve(Object v, Map<String, String> ids) {
    if (v instanceof String s && s.startsWith("@")) {
      String id = ids.get(s.substring(1));
      if (id == null) {
        throw new IllegalStateException("seed entry refers to " + s + " before it is defined");
      }
      return id;
    }
    if (v instanceof JsonObject o) {
      JsonObject out = new JsonObject();
      o.forEach(e -> out.put(e.getKey(), resolve(e.getValue(), ids)));
      return out;
    }
    if (v instanceof JsonArray a) {
      JsonArray out = new JsonArray();
      a.forEach(x -> out.add(resolve(x, ids)));
      return out;
    }
    return v;
  }

  private HttpResponse<String> send(String method, String path, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(apiUrl + path))
            .timeout(Duration.ofSeconds(30))
            .header("Authorization", "Bearer " + adminKey)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String resource(String name) {
    try (InputStream in = DemoContent.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
