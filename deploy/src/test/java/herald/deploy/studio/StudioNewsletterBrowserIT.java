package herald.deploy.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * The newsletter and the channel previews in a real browser against the whole stack: a draft's
 * website page and newsletter item before publishing; an issue composed from the queue (reorder,
 * drop, add), previewed for desktop and mobile, test-sent (the mail lands in the all-in-one's SMTP
 * sink), sent with its progress followed live; subscribers found, exported and unsubscribed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StudioNewsletterBrowserIT {
  static final Pattern CONFIRM =
      Pattern.compile("(/v1/newsletter/confirm\\?token=[A-Za-z0-9_.-]+)");
  static final String[] TITLES = {
    "Naloxone saves lives in Podgorica",
    "Drug checking comes to Skopje",
    "Peer workers meet in Sofia"
  };
  StudioStack stack;
  Browser browser;
  Mailbox mail;
  final List<String> ids = new ArrayList<>();
  String draftId;
  String issueId;

  @BeforeAll
  void start() throws Exception {
    stack = StudioStack.start(".studio-newsletter-it", false);
    mail = new Mailbox(stack.herald.mailDir());
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
    for (String title : TITLES) {
      String id = article(title);
      stack.manage("POST", "/v1/manage/entries/" + id + "/publish", null);
      ids.add(id);
    }
    draftId = article("Harm reduction budget for Belgrade");
    // Two readers subscribe and confirm from the mail, as anyone would.
    for (String reader : List.of("reader0@herald.test", "reader1@herald.test")) {
      var r =
          stack.send(
              "POST",
              "/v1/newsletter/subscribe",
              new JsonObject().put("email", reader).put("locale", "en").encode());
      assertEquals(202, r.statusCode(), r.body());
      String link = mail.await(reader, CONFIRM);
      assertEquals(200, stack.get(link).statusCode());
    }
    Awaitility.await()
        .atMost(StudioStack.WAIT)
        .until(
            () ->
                stack
                        .manage("GET", "/v1/manage/newsletter/entries", null)
                        .getJsonArray("entries")
                        .size()
                    == TITLES.length);
  }

  private String article(String title) {
    return stack
        .manage(
            "POST",
            "/v1/manage/entries",
            new JsonObject()
                .put("type", "article")
                .put(
                    "fields",
                    new JsonObject()
                        .put("title", new JsonObject().put("en", title))
                        .put("summary", new JsonObject().put("en", "What " + title + " means."))
                        .put("body", new JsonObject().put("en", "**" + title + "**, in short.")))
                .put("channels", new JsonArray().add("website").add("newsletter")))
        .getString("id");
  }

  @AfterAll
  void stop() {
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
      "before publishing, the publish page shows the draft's website page and newsletter item as"
          + " the publisher's own renderers make them")
  void channelPreviews() {
    // The Markdown toolbar links another entry, found by its title.
    browser.open("/studio/entries/" + draftId);
    browser.find(".md-tools[data-for='f-fields-body-en'] button.md-entry").click();
    browser.find("#elq-f-fields-body-en").sendKeys("Podgorica");
    browser.waiting().until(d -> !browser.all("#el-f-fields-body-en button.pick").isEmpty());
    browser.check("editor-entry-link");
    browser.find("#el-f-fields-body-en button.pick").click();
    String body = browser.find("#f-fields-body-en").getAttribute("value");
    assertTrue(
        body.contains("[Naloxone saves lives in Podgorica](")
            && body.contains("/go/" + ids.get(0) + "/)"),
        body);
    browser.find("form#entry button[type=submit]").click();
    browser.waiting().until(d -> !browser.all("p.notice").isEmpty());

    browser.open("/studio/entries/" + draftId + "/publish");
    WebElement site = browser.find("iframe[data-channel='website']");
    WebElement item = browser.find("iframe[data-channel='newsletter']");
    browser.check("publish-previews");
    browser.driver.switchTo().frame(site);
    browser.waiting().until(d -> !d.findElements(By.tagName("h1")).isEmpty());
    assertEquals("Harm reduction budget for Belgrade", browser.find("h1").getText());
    assertTrue(browser.find("main").getText().contains("in short"));
    // The link to the other entry is a direct link to its page.
    assertEquals(
        1,
        browser.all("main a[href='../../../en/article/naloxone-saves-lives-in-podgorica/']").size(),
        browser.find("main").getAttribute("innerHTML"));
    browser.driver.switchTo().defaultContent();
    browser.driver.switchTo().frame(item);
    browser.waiting().until(d -> d.findElement(By.tagName("body")).getText().contains("Belgrade"));
    assertTrue(browser.find("body").getText().contains("What Harm reduction budget"));
    browser.driver.switchTo().defaultContent();
    // Nothing was published by looking.
    assertEquals(
        "draft", stack.manage("GET", "/v1/manage/entries/" + draftId, null).getString("status"));
  }

  @Test
  @Order(2)
  @DisplayName(
      "an editor composes an issue from the queue: reorders, drops and adds items, and previews"
          + " it for desktop and mobile")
  void compose() {
    browser.open("/studio/newsletter");
    assertEquals("Newsletter", browser.heading());
    assertTrue(browser.find("main").getText().contains("Items queued for the next issue: 3"));
    browser.check("newsletter");
    browser.type("f-subject", "Herald test issue");
    browser.find("form[action='/studio/newsletter/issues'] button").click();
    browser.waiting().until(ExpectedConditions.textToBe(By.tagName("h1"), "Newsletter issue"));
    issueId = browser.path().substring("/studio/newsletter/issues/".length());
    assertEquals(List.of(TITLES), itemTitles());

    item(ids.get(2), "up");
    assertEquals(List.of(TITLES[0], TITLES[2], TITLES[1]), itemTitles());
    item(ids.get(1), "drop");
    assertEquals(List.of(TITLES[0], TITLES[2]), itemTitles());
    assertEquals(1, browser.all("ul.queue li").size(), "the dropped item can be added again");
    browser.find("ul.queue li[data-entry='" + ids.get(1) + "'] button").click();
    browser.waiting().until(d -> browser.all("ol.issue-items li").size() == 3);
    assertEquals(List.of(TITLES[0], TITLES[2], TITLES[1]), itemTitles());
    // The order is the issue's, as the api keeps it.
    List<String> stored = new ArrayList<>();
    stack
        .manage("GET", "/v1/manage/newsletter/issues/" + issueId, null)
        .getJsonArray("items")
        .forEach(o -> stored.add(((JsonObject) o).getString("title")));
    assertEquals(List.of(TITLES[0], TITLES[2], TITLES[1]), stored);

    for (String kind : List.of("desktop", "mobile")) {
      browser.driver.switchTo().frame(browser.find("figure." + kind + " iframe"));
      browser.waiting().until(d -> d.findElement(By.tagName("body")).getText().contains("Sofia"));
      String text = browser.find("body").getText();
      assertTrue(text.indexOf("Skopje") > text.indexOf("Sofia"), "items in the issue's order");
      browser.driver.switchTo().defaultContent();
    }
    assertEquals("375", browser.find("figure.mobile iframe").getAttribute("width"));
    browser.check("newsletter-issue");
  }

  @Test
  @Order(3)
  @DisplayName("a test copy reaches the local SMTP sink with [Test] before the subject")
  void testSend() {
    // The dashboard names the issue being prepared.
    browser.open("/studio/");
    browser
        .waiting()
        .until(d -> !browser.all("#d-newsletter-card [data-next='" + issueId + "']").isEmpty());
    assertTrue(browser.find("#d-newsletter-card").getText().contains("Herald test issue"));
    browser.check("dashboard-newsletter");
    browser.open("/studio/newsletter/issues/" + issueId);
    browser.type("f-test", "eda@herald.test");
    browser.find("form[action$='/test'] button").click();
    browser.waiting().until(d -> !browser.all("p.notice").isEmpty());
    assertTrue(browser.find("p.notice").getText().contains("eda@herald.test"));
    String subject =
        mail.await("eda@herald.test", Pattern.compile("Subject: (\\[Test\\] Herald test issue)"));
    assertEquals("[Test] Herald test issue", subject);
    assertEquals("draft", issue().getString("status"), "a test sends nothing else");
  }

  @Test
  @Order(4)
  @DisplayName("sending the issue is followed live until every subscriber has it")
  void send() {
    browser.open("/studio/newsletter/issues/" + issueId);
    browser.driver.executeScript("window.__sameDocument = true;");
    browser.find("form[action$='/send'] button[type=submit]").click();
    browser.waiting().until(d -> !browser.all("p.notice").isEmpty());
    browser.driver.executeScript("window.__sameDocument = true;");
    browser
        .waiting()
        .until(d -> "sent".equals(browser.find("#progress").getAttribute("data-status")));
    assertEquals("2", browser.find("#progress dd[data-count='sent']").getText());
    assertEquals(
        Boolean.TRUE,
        browser.driver.executeScript("return window.__sameDocument === true;"),
        "the progress followed without reloading the page");
    for (String reader : List.of("reader0@herald.test", "reader1@herald.test")) {
      assertEquals(
          "Herald test issue",
          mail.await(reader, Pattern.compile("Subject: (Herald test issue)\\r?\\n")));
    }
    assertTrue(browser.all("form[action$='/send']").isEmpty(), "a sent issue cannot be sent");
    browser.check("newsletter-sent");
  }

  @Test
  @Order(5)
  @DisplayName("subscribers are found as one types, exported as CSV and unsubscribed")
  void subscribers() {
    browser.open("/studio/newsletter/subscribers");
    assertEquals(2, browser.all("table.subscribers tbody tr").size());
    browser.check("subscribers");
    browser.find("#f-q").sendKeys("reader1");
    browser.waiting().until(d -> browser.all("table.subscribers tbody tr").size() == 1);
    assertEquals(
        "reader1@herald.test",
        browser.find("table.subscribers tbody tr").getAttribute("data-email"));
    String csv = stack.adminSees("/studio/newsletter/subscribers/export");
    assertTrue(csv.startsWith("email,locale,topics,status"), csv);
    assertTrue(csv.contains("reader0@herald.test,en,,confirmed"), csv);
    browser.find("tr[data-email='reader1@herald.test'] button.danger").click();
    browser.waiting().until(d -> !browser.all("p.notice").isEmpty());
    assertTrue(browser.find("p.notice").getText().contains("reader1@herald.test"));
    assertEquals(
        "unsubscribed",
        browser.find("tr[data-email='reader1@herald.test']").getAttribute("data-status"));
  }

  private JsonObject issue() {
    return stack.manage("GET", "/v1/manage/newsletter/issues/" + issueId, null);
  }

  private void item(String entryId, String op) {
    int before = itemTitles().hashCode();
    browser
        .find("ol.issue-items li[data-entry='" + entryId + "'] button[data-op='" + op + "']")
        .click();
    browser.waiting().until(d -> itemTitles().hashCode() != before);
  }

  private List<String> itemTitles() {
    try {
      return browser.all("ol.issue-items li .item-title").stream()
          .map(WebElement::getText)
          .toList();
    } catch (org.openqa.selenium.StaleElementReferenceException e) {
      return List.of("(the page is changing)");
    }
  }
}
