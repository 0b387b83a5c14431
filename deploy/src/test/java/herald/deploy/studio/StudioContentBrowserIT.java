package herald.deploy.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.List;
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
import org.openqa.selenium.support.ui.Select;

/**
 * Writing content in Studio in a real browser against the whole stack with the seed content: an
 * invited editor finds entries as they type, writes the seed's kind of webinar (programme with two
 * speakers picked from the person entries, organisers, registration link) in English and Serbian
 * Cyrillic, sees the api's validation at the field, transliterates, reorders, goes back in history,
 * and merges a conflicting save.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StudioContentBrowserIT {
  StudioStack stack;
  Browser browser;
  String entryId;

  @BeforeAll
  void start() throws Exception {
    stack = StudioStack.start(".studio-content-it", true);
    browser = new Browser(stack.herald.apiUrl());
    stack.firstAdmin(browser, "ana@herald.test", "Ana Admin");
    stack.invite(browser, "eda@herald.test", "editor", "Eda Editor");
    // The seed is searchable before the pickers are used.
    stack.awaitSearchable("Milošević");
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
  @DisplayName("the event list finds the seed's webinar as you type and filters by status")
  void listAndSearch() {
    browser.open("/studio/content");
    browser.find("a[href='/studio/content/event']").click();
    assertEquals("Content", browser.heading());
    assertTrue(browser.all("table.entries tbody tr").size() >= 2, "the seed's events are listed");
    browser.check("content-list");
    browser.find("#f-q").sendKeys("decriminal");
    browser
        .waiting()
        .until(
            d ->
                browser.all("table.entries tbody tr").size() == 1
                    && browser
                        .find("table.entries")
                        .getText()
                        .contains("Webinar on decriminalisation"));
    assertTrue(
        browser.driver.getCurrentUrl().contains("q=decriminal"), "the search is in the address");
    browser.find("#f-q").clear();
    new Select(browser.find("#f-status")).selectByValue("draft");
    browser.waiting().until(d -> browser.all("p.empty").size() == 1);
  }

  @Test
  @Order(2)
  @DisplayName(
      "an editor writes a webinar in English and Serbian Cyrillic with its programme, speakers,"
          + " organisers and registration link; the api's 422 shows at the field")
  void writeWebinar() {
    browser.open("/studio/content/event/new?locales=en,sr-Cyrl");
    assertEquals("New entry", browser.heading());
    assertEquals(
        2, browser.all("#f-fields-title .cell").size(), "title side by side in two locales");
    // Nothing typed: the api's validator says what is missing, at the field.
    browser.find("form#entry button[type=submit]").click();
    browser.waiting().until(d -> browser.all("#problems").size() == 1);
    assertTrue(
        browser.find("#f-fields-title").getText().contains("required"),
        browser.find("#f-fields-title").getText());
    browser.check("editor-errors");

    browser.type("f-fields-title-en", "Webinar on harm reduction in prisons");
    browser.type("f-fields-title-sr-Cyrl", "Вебинар о смањењу штете у затворима");
    browser.type("f-fields-summary-en", "Peer-led programmes behind bars.");
    browser.type("f-fields-body-en", "Join **peer workers** from the region.");
    browser
        .waiting()
        .until(
            d ->
                browser
                    .find("#f-fields-body-en ~ .md-preview")
                    .getDomProperty("innerHTML")
                    .contains("<strong>peer workers</strong>"));
    new Select(browser.find("#f-fields-format")).selectByValue("webinar");
    setDateTime("f-fields-startsAt", "2026-03-12T14:00");
    browser.find("input[name='fields.startsAt.zone']").sendKeys("Europe/Belgrade");
    browser.type("f-fields-registrationUrl", "https://example.org/register");
    browser.type("f-fields-timeZone", "Europe/Belgrade");
    addProgrammeItem(0, "Opening", "Milutin", "Milutin Milošević");
    addProgrammeItem(1, "Prisons and peers", "Atzemis", "Marios Atzemis");
    pick("f-fields-organisers", "Drug Policy Network", "Drug Policy Network South East Europe");
    browser.check("editor-new");
    browser.find("form#entry button[type=submit]").click();
    browser.waiting().until(ExpectedConditions.textToBe(By.tagName("h1"), "Edit entry"));
    assertTrue(browser.find("p.notice").getText().contains("created"));
    entryId = browser.path().substring("/studio/entries/".length());
    browser.screenshot("editor");

    JsonObject e = stack.manage("GET", "/v1/manage/entries/" + entryId, null);
    JsonObject f = e.getJsonObject("fields");
    assertEquals(
        "Вебинар о смањењу штете у затворима", f.getJsonObject("title").getString("sr-Cyrl"));
    assertEquals("2026-03-12T14:00+01:00", f.getString("startsAt"));
    assertEquals("https://example.org/register", f.getString("registrationUrl"));
    JsonArray programme = f.getJsonArray("programme");
    assertEquals(2, programme.size());
    assertEquals("Opening", programme.getJsonObject(0).getString("title"));
    assertEquals(
        stack.idOf("person", "Milutin Milošević"),
        programme.getJsonObject(0).getJsonArray("speakers").getString(0));
    assertEquals(
        stack.idOf("person", "Marios Atzemis"),
        programme.getJsonObject(1).getJsonArray("speakers").getString(0));
    assertEquals(
        stack.idOf("organisation", "Drug Policy Network South East Europe"),
        f.getJsonArray("organisers").getString(0));
    assertEquals("Join **peer workers** from the region.", f.getJsonObject("body").getString("en"));
    assertTrue(e.getJsonArray("channels").contains("website"));
    assertEquals("draft", e.getString("status"));
  }

  @Test
  @Order(3)
  @DisplayName("Serbian Latin is transliterated from Cyrillic and saved automatically")
  void transliterateAndAutosave() {
    browser.open("/studio/entries/" + entryId + "?locales=en,sr-Cyrl,sr-Latn");
    assertEquals(3, browser.all("#f-fields-title .cell").size());
    browser.find("#f-fields-title button.translit[data-to='f-fields-title-sr-Latn']").click();
    browser
        .waiting()
        .until(
            d ->
                "Vebinar o smanjenju štete u zatvorima"
                    .equals(browser.find("#f-fields-title-sr-Latn").getDomProperty("value")));
    browser
        .waiting()
        .until(
            d ->
                browser.find("#save-status").getText().contains("Saved automatically (version 2)"));
    JsonObject e = stack.manage("GET", "/v1/manage/entries/" + entryId, null);
    assertEquals(2L, e.getLong("version"));
    assertEquals(
        "Vebinar o smanjenju štete u zatvorima",
        e.getJsonObject("fields").getJsonObject("title").getString("sr-Latn"));
    assertEquals(
        "Вебинар о смањењу штете у затворима",
        e.getJsonObject("fields").getJsonObject("title").getString("sr-Cyrl"));
  }

  @Test
  @Order(4)
  @DisplayName("programme items are reordered, and the history compares and restores versions")
  void reorderAndHistory() {
    browser.open("/studio/entries/" + entryId);
    List<WebElement> items = browser.all("#f-fields-programme ol.items > li.item");
    assertEquals(2, items.size());
    items.get(1).findElement(By.cssSelector("button[data-item='up']")).click();
    browser.find("form#entry button[type=submit]").click();
    browser.waiting().until(d -> browser.all("p.notice").size() == 1);
    JsonArray programme =
        stack
            .manage("GET", "/v1/manage/entries/" + entryId, null)
            .getJsonObject("fields")
            .getJsonArray("programme");
    assertEquals("Prisons and peers", programme.getJsonObject(0).getString("title"));
    assertEquals("Opening", programme.getJsonObject(1).getString("title"));
    assertEquals(3L, stack.manage("GET", "/v1/manage/entries/" + entryId, null).getLong("version"));

    browser.find("a[href='/studio/entries/" + entryId + "/versions']").click();
    assertEquals("History", browser.heading());
    assertEquals(3, browser.all("table.list tbody tr").size());
    browser.check("versions");
    browser.find("a[href*='diff?from=1&to=3']").click();
    assertEquals("Compare versions", browser.heading());
    String changed = browser.find("table.diff").getText();
    assertTrue(changed.contains("title.sr-Latn"), changed);
    assertTrue(browser.all("table.diff tr.changed").size() >= 2);
    browser.check("diff");
    browser.driver.navigate().back();
    browser.find("form[action$='/versions/1/restore'] button").click();
    browser.waiting().until(d -> browser.all("p.notice").size() == 1);
    JsonObject e = stack.manage("GET", "/v1/manage/entries/" + entryId, null);
    assertEquals(4L, e.getLong("version"));
    assertFalse(e.getJsonObject("fields").getJsonObject("title").containsKey("sr-Latn"));
    assertEquals(
        "Opening",
        e.getJsonObject("fields").getJsonArray("programme").getJsonObject(0).getString("title"));
  }

  @Test
  @Order(5)
  @DisplayName(
      "a conflicting save shows their change beside mine and saves the merge; others see who has it open")
  void conflictAndPresence() {
    browser.open("/studio/entries/" + entryId);
    // Someone else is in the entry too, and saves a new summary first.
    assertTrue(stack.adminSees("/studio/entries/" + entryId + "/presence").contains("Eda Editor"));
    JsonObject current = stack.manage("GET", "/v1/manage/entries/" + entryId, null);
    JsonObject theirs =
        new JsonObject()
            .put("fields", current.getJsonObject("fields").copy())
            .put("channels", current.getJsonArray("channels"));
    theirs.getJsonObject("fields").put("summary", new JsonObject().put("en", "Their summary"));
    theirs.getJsonObject("fields").getJsonObject("title").put("en", "Their title");
    HttpResponse<String> put =
        stack.send(
            "PUT",
            "/v1/manage/entries/" + entryId,
            theirs.encode(),
            "If-Match",
            "\"" + entryId + "-v4\"");
    assertEquals(200, put.statusCode(), put.body());

    // Autosave must not run first: type and save at once.
    browser.type("f-fields-title-en", "My better title");
    browser.type("f-fields-registrationUrl", "https://example.org/register-now");
    browser.find("form#entry button[type=submit]").click();
    browser
        .waiting()
        .until(ExpectedConditions.textToBe(By.tagName("h1"), "Someone else saved meanwhile"));
    String table = browser.find("table.diff").getText();
    assertTrue(
        table.contains("title.en")
            && table.contains("Their title")
            && table.contains("My better title"),
        table);
    assertFalse(table.contains("registrationUrl"), "only I changed the link: no choice to make");
    browser.check("conflict");
    browser.find("input[name='pick.title.en'][value='mine']").click();
    browser.find("form.merge button[type=submit]").click();
    browser.waiting().until(ExpectedConditions.textToBe(By.tagName("h1"), "Edit entry"));
    JsonObject merged =
        stack.manage("GET", "/v1/manage/entries/" + entryId, null).getJsonObject("fields");
    assertEquals("My better title", merged.getJsonObject("title").getString("en"));
    assertEquals("Their summary", merged.getJsonObject("summary").getString("en"));
    assertEquals("https://example.org/register-now", merged.getString("registrationUrl"));
  }

  void setDateTime(String id, String value) {
    browser.driver.executeScript(
        "var e = document.getElementById(arguments[0]); e.value = arguments[1];"
            + " e.dispatchEvent(new Event('input', {bubbles: true}));",
        id,
        value);
  }

  void addProgrammeItem(int i, String title, String query, String speaker) {
    browser.find("#f-fields-programme button[data-item='add']").click();
    browser.type("f-fields-programme-" + i + "--title", title);
    setDateTime("f-fields-programme-" + i + "--start", "2026-03-12T14:0" + i);
    browser
        .find("input[name='fields.programme[" + i + "].start.zone']")
        .sendKeys("Europe/Belgrade");
    pick("f-fields-programme-" + i + "--speakers", query, speaker);
  }

  /** Types into a reference picker and picks the hit whose label starts with {@code label}. */
  void pick(String id, String query, String label) {
    browser.find("#" + id).sendKeys(query);
    By hit = By.cssSelector("#" + id + " ~ .picks button.pick[data-label^='" + label + "']");
    browser.waiting().until(ExpectedConditions.elementToBeClickable(hit)).click();
    browser.waiting().until(d -> browser.find("#" + id + "-list").getText().contains(label));
  }
}
