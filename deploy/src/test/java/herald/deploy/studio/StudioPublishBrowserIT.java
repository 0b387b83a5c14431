package herald.deploy.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * Publishing from Studio in a real browser against the whole stack: an author writes but cannot
 * publish; an editor sees each locale's social posts with their counts, publishes, watches the
 * deliveries turn sent live (server-sent events), and opens the public page.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StudioPublishBrowserIT {
  static final String MASTODON_TOKEN = "a-token-for-the-local-mastodon";
  StudioStack stack;
  Browser browser;
  String entryId;
  int mastodonPort;
  io.vertx.core.Vertx vertx;

  @BeforeAll
  void start() throws Exception {
    // One Mastodon account whose server is not up yet: its delivery fails, and waits 10 minutes
    // for its next attempt unless someone presses Retry.
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      mastodonPort = free.getLocalPort();
    }
    String accounts =
        new io.vertx.core.json.JsonArray()
            .add(
                new JsonObject()
                    .put("id", "mastodon-later")
                    .put("network", "mastodon")
                    .put("url", "http://127.0.0.1:" + mastodonPort)
                    .put("token", MASTODON_TOKEN))
            .encode();
    stack =
        StudioStack.start(
            ".studio-publish-it",
            false,
            java.util.Map.of(
                "HERALD_SOCIAL_ACCOUNTS", accounts, "HERALD_DELIVERY_BACKOFF_MS", "600000"));
    browser = new Browser(stack.herald.apiUrl());
    stack.firstAdmin(browser, "ana@herald.test", "Ana Admin");
    stack.manage(
        "POST",
        "/v1/manage/types",
        new JsonObject(
            "{\"id\":\"article\",\"name\":\"Article\",\"fields\":["
                + "{\"id\":\"title\",\"type\":\"text\",\"required\":true,\"localized\":true},"
                + "{\"id\":\"summary\",\"type\":\"text\",\"localized\":true},"
                + "{\"id\":\"body\",\"type\":\"richtext\",\"localized\":true}]}"));
  }

  @AfterAll
  void stop() {
    if (vertx != null) {
      vertx.close();
    }
    if (browser != null) {
      browser.close();
    }
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  @Order(1)
  @DisplayName(
      "an author writes an article in two scripts but cannot publish it, by button or by URL")
  void authorCannotPublish() {
    stack.invite(browser, "ari@herald.test", "author", "Ari Author");
    browser.open("/studio/content/article/new?locales=en,sr-Cyrl");
    browser.type("f-fields-title-en", "Naloxone in every pharmacy");
    browser.type("f-fields-title-sr-Cyrl", "Налоксон у свакој апотеци");
    browser.type("f-fields-summary-en", "A peer network asks for naloxone without prescription.");
    browser.type("f-fields-summary-sr-Cyrl", "Мрежа вршњака тражи налоксон без рецепта.");
    for (String ch : new String[] {"social", "newsletter"}) {
      browser.find("input[name='channels'][value='" + ch + "']").click();
    }
    browser.find("form#entry button[type=submit]").click();
    browser.waiting().until(ExpectedConditions.textToBe(By.tagName("h1"), "Edit entry"));
    entryId = browser.path().substring("/studio/entries/".length());

    browser.find("a[href='/studio/entries/" + entryId + "/publish']").click();
    assertEquals("Publish", browser.heading());
    assertTrue(browser.find("main").getText().contains("an editor publishes"));
    assertTrue(!browser.find("form[action$='/publish'] button[type=submit]").isEnabled());
    // Sending the form anyway meets the api's own role check.
    browser.driver.executeScript(
        "document.querySelector(\"form[action$='/publish'] button[type=submit]\").disabled = false;");
    browser.find("form[action$='/publish'] button[type=submit]").click();
    browser.waiting().until(ExpectedConditions.textToBe(By.tagName("h1"), "Not allowed"));
    assertTrue(
        browser.find("main").getText().contains("needs role 'editor'"),
        browser.find("main").getText());
    assertEquals(
        "draft", stack.manage("GET", "/v1/manage/entries/" + entryId, null).getString("status"));
  }

  @Test
  @Order(2)
  @DisplayName(
      "an editor previews each locale's posts, publishes, sees the deliveries turn sent live and"
          + " opens the public page")
  void editorPublishes() {
    browser.forgetCookies();
    stack.signIn(browser, "ana@herald.test", "the admin's long password");
    stack.invite(browser, "eda@herald.test", "editor", "Eda Editor");
    browser.open("/studio/entries/" + entryId + "/publish");
    assertEquals(2, browser.all("article.preview").size(), "one preview per locale");
    String previews = browser.find("#previews + article.preview").getText();
    assertTrue(previews.contains("mastodon") && previews.contains("bluesky"), previews);
    assertTrue(
        previews.contains("of 500 characters") && previews.contains("of 300 characters"), previews);
    assertTrue(
        browser
            .find("article.preview[lang='sr-Cyrl']")
            .getText()
            .contains("Налоксон у свакој апотеци"));
    browser.check("publish");

    browser.find("form[action$='/publish'] button[type=submit]").click();
    browser.waiting().until(ExpectedConditions.textToBe(By.tagName("h1"), "Deliveries"));
    // The page is not reloaded: the panel follows the publisher's reports by server-sent events.
    browser.driver.executeScript("window.__sameDocument = true;");
    browser
        .waiting()
        .until(d -> !browser.all("tr[data-channel='website'][data-state='sent']").isEmpty());
    browser
        .waiting()
        .until(d -> !browser.all("tr[data-channel='newsletter'][data-state='sent']").isEmpty());
    assertEquals(
        Boolean.TRUE, browser.driver.executeScript("return window.__sameDocument === true;"));
    browser.check("deliveries");

    JsonObject e = stack.manage("GET", "/v1/manage/entries/" + entryId, null);
    assertEquals("published", e.getString("status"));
    String slug = e.getString("slug");
    browser.open(stack.herald.publisherUrl() + "/site/sr-Cyrl/article/" + slug + "/");
    assertTrue(browser.find("h1").getText().contains("Налоксон у свакој апотеци"));
    HttpResponse<String> page = stack.get("/v1/entries/" + entryId + "?locale=en");
    assertEquals(200, page.statusCode());
    assertEquals(
        1,
        stack
            .manage("GET", "/v1/manage/audit?entity=" + entryId, null)
            .getJsonArray("items")
            .stream()
            .filter(o -> ((JsonObject) o).getString("action").startsWith("entry.publish"))
            .filter(
                o ->
                    ((JsonObject) o)
                        .getJsonObject("actor")
                        .getString("name")
                        .equals("Eda Editor <eda@herald.test>"))
            .count());
  }

  @Test
  @Order(3)
  @DisplayName(
      "a failed social delivery shows its reason and, retried from the panel, turns sent live")
  void retryFailedSocialDelivery() throws Exception {
    browser.open("/studio/entries/" + entryId + "/deliveries");
    org.openqa.selenium.By failed = By.cssSelector("tr[data-channel='social']");
    browser
        .waiting()
        .until(
            d ->
                !browser.all("tr[data-channel='social']").isEmpty()
                    && !browser.find("tr[data-channel='social'] td.reason").getText().isBlank());
    // Read once the row holds still: the panel re-renders it as events arrive.
    String[] row = new String[2];
    browser
        .waiting()
        .until(
            d -> {
              row[0] = browser.driver.findElement(failed).getAttribute("data-state");
              row[1] = browser.driver.findElement(failed).getText();
              return true;
            });
    assertTrue(!"sent".equals(row[0]), row[0]);
    assertTrue(row[1].contains("mastodon-later"), row[1]);
    browser.check("deliveries-failed");
    // The dashboard lists it among the failed deliveries, with its reason.
    browser.open("/studio/");
    String failedCard = browser.find("section.failed").getText();
    assertTrue(
        failedCard.contains("Naloxone in every pharmacy") && failedCard.contains("mastodon-later"),
        failedCard);
    browser.check("dashboard-failed");
    browser.open("/studio/entries/" + entryId + "/deliveries");

    // The server comes up; Retry runs the delivery now instead of in 10 minutes.
    vertx = io.vertx.core.Vertx.vertx();
    herald.publisher.channel.social.LocalSocialSink sink =
        new herald.publisher.channel.social.LocalSocialSink(
            new herald.publisher.channel.social.LocalSocialSink.Accounts(
                MASTODON_TOKEN, "herald.localhost", "unused-password"),
            java.nio.file.Files.createTempDirectory(java.nio.file.Path.of("target"), "mastodon"));
    sink.start(vertx, "127.0.0.1", mastodonPort).toCompletionStage().toCompletableFuture().get();
    browser.click("tr[data-channel='social'] form button");
    browser.waiting().until(ExpectedConditions.textToBe(By.tagName("h1"), "Deliveries"));
    browser
        .waiting()
        .until(d -> !browser.all("tr[data-channel='social'][data-state='sent']").isEmpty());
    assertEquals(1, sink.statuses().size(), "one post on the local Mastodon");
    assertTrue(
        sink.statuses().values().iterator().next().encode().contains("naloxone-in-every-pharmacy"));
  }
}
