package herald.deploy.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
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
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

/**
 * The admin's screens in a real browser against the whole stack: the content model (a field added,
 * a field in use removed only after the api's 409 is explained and forced), a key whose secret is
 * shown once and which is revoked, a partner's scope, a webhook endpoint whose failed delivery is
 * sent again from its log, the audit log by user and by entry, and the search index.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StudioAdminBrowserIT {
  StudioStack stack;
  Browser browser;
  HttpServer receiver;
  final AtomicInteger receiverStatus = new AtomicInteger(503);
  final AtomicInteger received = new AtomicInteger();
  String entryId;
  String partnerSecret;

  @BeforeAll
  void start() throws Exception {
    // A partner's webhook receiver: it fails until the test lets it succeed.
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext(
        "/hook",
        x -> {
          x.getRequestBody().readAllBytes();
          received.incrementAndGet();
          byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
          x.sendResponseHeaders(receiverStatus.get(), body.length);
          x.getResponseBody().write(body);
          x.close();
        });
    receiver.start();
    stack =
        StudioStack.start(
            ".studio-admin-it",
            false,
            Map.of(
                "HERALD_WEBHOOK_ALLOW", "127.0.0.1",
                "HERALD_WEBHOOK_PORTS", Integer.toString(receiver.getAddress().getPort()),
                // One attempt, then the delivery is failed until someone sends it again.
                "HERALD_WEBHOOK_RETRY_SCHEDULE", "0s",
                "HERALD_WEBHOOK_POLL_MS", "200"));
    browser = new Browser(stack.herald.apiUrl());
    stack.firstAdmin(browser, "ana@herald.test", "Ana Admin");
  }

  @AfterAll
  void stop() {
    if (browser != null) {
      browser.close();
    }
    if (stack != null) {
      stack.close();
    }
    if (receiver != null) {
      receiver.stop(0);
    }
  }

  @Test
  @Order(1)
  @DisplayName(
      "an admin defines a type and adds a field; removing a field entries use meets the api's 409,"
          + " explained, and goes through only when forced")
  void contentModel() {
    browser.open("/studio/admin");
    assertEquals("Administration", browser.heading());
    browser.check("admin");
    browser.find("a[href='/studio/admin/types']").click();
    browser.type("f-tid", "article");
    browser.type("f-tname", "Article");
    browser.find("form[action='/studio/admin/types'] button").click();
    browser.waiting().until(ExpectedConditions.textToBe(By.tagName("h1"), "Content type"));
    assertEquals(1, browser.all("table.fields tr[data-field='title']").size());
    browser.find("tr.new-field input[name$='.id']").sendKeys("summary");
    browser.find("tr.new-field input[name$='.localized']").click();
    browser.find("#type-form button.primary").click();
    browser.waiting().until(d -> !browser.all("tr[data-field='summary']").isEmpty());
    assertEquals("The type is saved.", browser.find("p.notice").getText());
    JsonArray fields = stack.manage("GET", "/v1/manage/types/article", null).getJsonArray("fields");
    assertEquals("summary", fields.getJsonObject(1).getString("id"));
    assertTrue(fields.getJsonObject(1).getBoolean("localized"));
    browser.check("admin-type");

    entryId =
        stack
            .manage(
                "POST",
                "/v1/manage/entries",
                new JsonObject(
                    "{\"type\":\"article\",\"channels\":[\"website\"],\"fields\":{"
                        + "\"title\":{\"en\":\"Opioid substitution in Tirana\"},"
                        + "\"summary\":{\"en\":\"Methadone for everyone who asks.\"}}}"))
            .getString("id");
    browser.find("tr[data-field='summary'] input[name$='.remove']").click();
    browser.find("#type-form button.primary").click();
    browser.waiting().until(d -> !browser.all(".alert.conflict").isEmpty());
    String why = browser.find(".alert.conflict").getText();
    assertTrue(why.contains("409") && why.contains("fields.summary"), why);
    assertTrue(why.contains("1 entries hold values"), why);
    assertEquals(2, fieldCount(), "nothing changed yet");
    browser.check("admin-type-conflict");
    assertTrue(
        browser.find("tr[data-field='summary'] input[name$='.remove']").isSelected(),
        "the removal is still chosen");
    browser.find("#type-form button[name='force']").click();
    browser.waiting().until(d -> browser.all("tr[data-field='summary']").isEmpty());
    assertEquals("The type is saved.", browser.find("p.notice").getText());
    assertEquals(1, fieldCount());
    assertNull(
        stack
            .manage("GET", "/v1/manage/entries/" + entryId, null)
            .getJsonObject("fields")
            .getValue("summary"),
        "the forced change removed the values from the draft");
  }

  private int fieldCount() {
    return stack.manage("GET", "/v1/manage/types/article", null).getJsonArray("fields").size();
  }

  @Test
  @Order(2)
  @DisplayName(
      "a partner key is created with role and expiry, its secret shown once; its scope is set")
  void keysAndPartners() {
    browser.open("/studio/admin/keys");
    browser.type("f-kname", "Partner feed");
    new Select(browser.find("#f-krole")).selectByValue("partner");
    browser.driver.executeScript(
        "document.getElementById('f-kexp').value = arguments[0];",
        LocalDate.now().plusYears(1).toString());
    browser.find("form[action='/studio/admin/keys'] button").click();
    browser.waiting().until(d -> !browser.all("#f-secret").isEmpty());
    partnerSecret = browser.find("#f-secret").getAttribute("value");
    assertTrue(partnerSecret.startsWith("hk_"), partnerSecret);
    browser.check("admin-keys");
    assertEquals(200, sync(partnerSecret).statusCode());
    browser.open("/studio/admin/keys");
    assertFalse(browser.driver.getPageSource().contains(partnerSecret), "shown once only");
    String row = browser.find("tr[data-key='Partner feed']").getText();
    assertTrue(
        row.contains("partner") && row.contains(LocalDate.now().plusYears(1).toString()), row);

    browser.open("/studio/admin/partners");
    browser.find("form[data-partner='Partner feed'] input[name='types'][value='article']").click();
    browser.find("form[data-partner='Partner feed'] input[name='locales'][value='en']").click();
    browser.find("form[data-partner='Partner feed'] button").click();
    browser.waiting().until(d -> !browser.all("p.notice").isEmpty());
    browser.check("admin-partners");
    String keyId = null;
    for (Object o : stack.manage("GET", "/v1/manage/keys", null).getJsonArray("items")) {
      if ("Partner feed".equals(((JsonObject) o).getString("name"))) {
        keyId = ((JsonObject) o).getString("id");
      }
    }
    JsonObject scope = stack.manage("GET", "/v1/manage/partners/" + keyId + "/scope", null);
    assertEquals(new JsonArray().add("article"), scope.getJsonArray("types"));
    assertEquals(new JsonArray().add("en"), scope.getJsonArray("locales"));

    browser.open("/studio/admin/keys");
    browser.find("tr[data-key='Partner feed'] button.danger").click();
    browser.waiting().until(d -> !browser.all("p.notice").isEmpty());
    assertEquals(401, sync(partnerSecret).statusCode(), "revoked at once");
  }

  private HttpResponse<String> sync(String secret) {
    try {
      return stack.http.send(
          java.net.http.HttpRequest.newBuilder(
                  java.net.URI.create(stack.herald.apiUrl() + "/v1/sync?initial=true&locale=en"))
              .header("Authorization", "Bearer " + secret)
              .build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  @Order(3)
  @DisplayName("a webhook's failed delivery is in its log and, sent again, succeeds")
  void webhooks() {
    browser.open("/studio/admin/webhooks");
    browser.type("f-wurl", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook");
    browser.type("f-wdesc", "Partner site");
    browser.find("form[action='/studio/admin/webhooks'] button").click();
    browser.waiting().until(d -> !browser.all("#f-wsecret").isEmpty());
    assertTrue(browser.find("#f-wsecret").getAttribute("value").startsWith("whsec_"));
    browser.check("admin-webhooks");

    stack.manage("POST", "/v1/manage/entries/" + entryId + "/publish", null);
    browser.find("table.hooks a").click();
    Awaitility.await()
        .atMost(StudioStack.WAIT)
        .until(
            () -> {
              browser.driver.navigate().refresh();
              return !browser.all("tr[data-status='failed']").isEmpty();
            });
    assertTrue(browser.find("tr[data-status='failed']").getText().contains("503"));
    browser.check("admin-webhook");
    receiverStatus.set(200);
    browser.find("tr[data-status='failed'] button").click();
    browser.waiting().until(d -> !browser.all("p.notice").isEmpty());
    Awaitility.await()
        .atMost(StudioStack.WAIT)
        .until(
            () -> {
              browser.driver.navigate().refresh();
              return !browser.all("tr[data-status='succeeded']").isEmpty();
            });
    assertEquals(2, received.get(), "one failed attempt, then the one sent again");
  }

  @Test
  @Order(4)
  @DisplayName("the audit log is read by user and by entry, and the index shows its state")
  void auditAndIndex() {
    browser.open("/studio/admin/audit");
    browser.check("admin-audit");
    Select who = new Select(browser.find("#f-actor"));
    who.selectByVisibleText("Ana Admin <ana@herald.test>");
    browser.find("form.filters button").click();
    browser.waiting().until(d -> browser.driver.getCurrentUrl().contains("actor=user"));
    assertFalse(browser.all("table.audit tbody tr").isEmpty());
    for (var row : browser.all("table.audit tbody tr")) {
      assertTrue(row.getText().contains("Ana Admin <ana@herald.test>"), row.getText());
    }
    // What the admin key did (the entry's creation and publication) is not Ana's.
    assertTrue(browser.all("tr[data-action='entry.publish']").isEmpty());
    browser.open("/studio/admin/audit?entity=" + entryId);
    assertFalse(browser.all("tr[data-action='entry.publish']").isEmpty());
    assertFalse(browser.all("tr[data-action='entry.create']").isEmpty());

    browser.open("/studio/admin/index");
    assertFalse(browser.all("dl.index-state dd").isEmpty());
    browser.check("admin-index");
    browser.find("form[action='/studio/admin/index/rebuild'] button").click();
    browser.waiting().until(d -> !browser.all("p.notice").isEmpty());
    assertTrue(browser.find("p.notice").getText().contains("rebuild"));
  }
}
