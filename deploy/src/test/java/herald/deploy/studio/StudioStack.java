package herald.deploy.studio;

import herald.deploy.AllInOne;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
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
import java.util.Map;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * The whole stack for one browser test class (the all-in-one: PostgreSQL, Kafka, api, indexer,
 * publisher), with the steps most stories start with: the first admin, an invited user.
 */
final class StudioStack implements AutoCloseable {
  static final Duration WAIT = Duration.ofSeconds(60);
  static final Pattern INVITATION = Pattern.compile("(/studio/invitation\\?token=[A-Za-z0-9_-]+)");

  final AllInOne herald;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  String adminSession;

  private StudioStack(AllInOne herald) {
    this.herald = herald;
  }

  static StudioStack start(String name, boolean seed) throws Exception {
    return start(name, seed, Map.of());
  }

  /** The stack with settings of the test's own on top of the defaults. */
  static StudioStack start(String name, boolean seed, Map<String, String> extra) throws Exception {
    Path dataDir = Files.createTempDirectory(Path.of("target"), name);
    Map<String, String> env = new HashMap<>();
    env.put("HERALD_DATA_DIR", dataDir.toString());
    env.put("HERALD_API_PORT", "0");
    env.put("HERALD_INDEXER_PORT", "0");
    env.put("HERALD_PUBLISHER_PORT", "0");
    env.put("HERALD_SMTP_PORT", "0");
    env.put("HERALD_SEED", Boolean.toString(seed));
    env.putAll(extra);
    return new StudioStack(AllInOne.start(env));
  }

  /** Creates the first admin through the start-up link; the browser stays signed in as them. */
  void firstAdmin(Browser browser, String email, String name) {
    browser.open(herald.studioSetupPath().orElseThrow());
    browser.type("f-email", email);
    browser.type("f-name", name);
    browser.type("f-password", "the admin's long password");
    browser.find("form.card button[type=submit]").click();
    browser.waiting().until(ExpectedConditions.textToBe(By.tagName("h1"), "Dashboard"));
    adminSession = browser.driver.manage().getCookieNamed("herald_session").getValue();
  }

  /** Signs in through the form; the browser is theirs then. */
  void signIn(Browser browser, String email, String password) {
    browser.open("/studio/signin");
    browser.type("f-email", email);
    browser.type("f-password", password);
    browser.find("form.card button[type=submit]").click();
    browser.waiting().until(ExpectedConditions.textToBe(By.tagName("h1"), "Dashboard"));
  }

  /** The signed-in admin invites someone, who joins from the mail; the browser is theirs then. */
  void invite(Browser browser, String email, String role, String name) {
    browser.open("/studio/users");
    browser.type("f-email", email);
    new org.openqa.selenium.support.ui.Select(browser.find("#f-role")).selectByValue(role);
    browser.find("form[action='/studio/users/invite'] button").click();
    browser.waiting().until(d -> browser.all("p.notice").size() == 1);
    String link = new Mailbox(herald.mailDir()).await(email, INVITATION);
    browser.forgetCookies();
    browser.open(link);
    browser.type("f-name", name);
    browser.type("f-password", name + "'s long password");
    browser.find("form.card button[type=submit]").click();
    browser.waiting().until(ExpectedConditions.textToBe(By.tagName("h1"), "Dashboard"));
  }

  /** Waits until the index finds something for the query (the seed is loaded and indexed). */
  void awaitSearchable(String q) {
    Awaitility.await()
        .atMost(WAIT)
        .until(
            () -> new JsonObject(get("/v1/search?q=" + enc(q)).body()).getInteger("total", 0) > 0);
  }

  /** The id of the published entry of a type with a title or name, found by the index. */
  String idOf(String type, String title) {
    JsonArray hits =
        new JsonObject(get("/v1/search?type=" + type + "&q=" + enc(title)).body())
            .getJsonArray("hits");
    for (Object o : hits) {
      JsonObject h = (JsonObject) o;
      if (title.equals(h.getString("title"))) {
        return h.getString("id");
      }
    }
    throw new AssertionError("no " + type + " called " + title + " in " + hits.encode());
  }

  /** A management call with the admin key, answering JSON. */
  JsonObject manage(String method, String path, JsonObject body) {
    HttpResponse<String> r = send(method, path, body == null ? null : body.encode());
    if (r.statusCode() >= 300) {
      throw new AssertionError(method + " " + path + " → " + r.statusCode() + " " + r.body());
    }
    return r.body().isEmpty() ? new JsonObject() : new JsonObject(r.body());
  }

  HttpResponse<String> send(String method, String path, String body, String... headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(herald.apiUrl() + path))
            .timeout(Duration.ofSeconds(30))
            .header("Authorization", "Bearer " + herald.adminKey())
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    try {
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  HttpResponse<String> get(String path) {
    try {
      return http.send(
          HttpRequest.newBuilder(URI.create(herald.apiUrl() + path))
              .timeout(Duration.ofSeconds(30))
              .build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** A Studio page (or fragment) as the admin's own session sees it. */
  String adminSees(String path) {
    try {
      return http.send(
              HttpRequest.newBuilder(URI.create(herald.apiUrl() + path))
                  .header("Cookie", "herald_session=" + adminSession)
                  .timeout(Duration.ofSeconds(30))
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .body();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    herald.close();
  }
}
