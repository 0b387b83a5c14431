package herald.deploy;

import herald.api.content.Slugs;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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

  /** Loads the demo content unless the marker file says it was loaded before. */
  public void loadOnce(Path marker) throws IOException, InterruptedException {
    if (Files.exists(marker)) {
      return;
    }
    int published = load();
    Files.writeString(marker, "demo content loaded\n", StandardCharsets.UTF_8);
    LOG.info("loaded the demo content model and published {} seed entries", published);
  }

  /**
   * Creates the types and publishes the entries; whatever exists already (409) is left alone, so an
   * interrupted load can simply run again.
   */
  public int load() throws IOException, InterruptedException {
    JsonArray types = new JsonArray(resource("seed/model.json"));
    for (Object t : types) {
      HttpResponse<String> r = send("POST", "/v1/manage/types", ((JsonObject) t).encode());
      if (r.statusCode() != 201 && r.statusCode() != 409) {
        throw new IllegalStateException("could not create demo type: " + r.body());
      }
    }
    int published = 0;
    JsonArray entries = new JsonArray(resource("seed/entries.json"));
    for (Object o : entries) {
      JsonObject entry = ((JsonObject) o).copy();
      String title = entry.getJsonObject("fields").getJsonObject("title").getString("en");
      entry.put("slug", Slugs.of(title, "en"));
      HttpResponse<String> created = send("POST", "/v1/manage/entries", entry.encode());
      if (created.statusCode() == 409) {
        continue;
      }
      if (created.statusCode() != 201) {
        throw new IllegalStateException("could not create demo entry: " + created.body());
      }
      String id = new JsonObject(created.body()).getString("id");
      HttpResponse<String> pub = send("POST", "/v1/manage/entries/" + id + "/publish", null);
      if (pub.statusCode() != 200) {
        throw new IllegalStateException("could not publish demo entry: " + pub.body());
      }
      published++;
    }
    return published;
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
