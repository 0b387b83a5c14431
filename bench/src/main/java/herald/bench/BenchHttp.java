package herald.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

/** The HTTP calls and clean-up every benchmark needs. */
public final class BenchHttp {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private BenchHttp() {}

  /** A request with an optional key and JSON body. */
  public static HttpResponse<String> send(
      String base, String key, String method, String path, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(60))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Fails the benchmark when a setup call did not get the expected status; else the response. */
  public static HttpResponse<String> check(HttpResponse<String> r, int status) {
    if (r.statusCode() != status) {
      throw new IllegalStateException(
          "expected " + status + ", got " + r.statusCode() + ": " + r.body());
    }
    return r;
  }

  /**
   * Settings for an all-in-one stack in {@code dataDir} with random ports, no demo content and the
   * given admin key; a mutable map, for settings of a benchmark's own.
   */
  public static java.util.Map<String, String> allInOneEnv(Path dataDir, String adminKey) {
    java.util.Map<String, String> env = new java.util.HashMap<>();
    env.put("HERALD_DATA_DIR", dataDir.toString());
    env.put("HERALD_API_PORT", "0");
    env.put("HERALD_INDEXER_PORT", "0");
    env.put("HERALD_PUBLISHER_PORT", "0");
    env.put("HERALD_SEED", "false");
    env.put("HERALD_ADMIN_KEY", adminKey);
    return env;
  }

  /** Removes a benchmark's data directory. */
  public static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
