package herald.deploy.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import herald.deploy.AllInOne;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * Studio's accounts in a real browser against the whole all-in-one stack: the first admin's link,
 * an invitation by mail, roles by URL, the language switch, keyboard use, and axe-core on each
 * screen.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StudioAccountsBrowserIT {
  static final Pattern INVITATION = Pattern.compile("(/studio/invitation\\?token=[A-Za-z0-9_-]+)");

  AllInOne herald;
  Browser browser;

  @BeforeAll
  void start() throws Exception {
    Path dataDir = Files.createTempDirectory(Path.of("target"), ".studio-accounts-it");
    Map<String, String> env = new HashMap<>();
    env.put("HERALD_DATA_DIR", dataDir.toString());
    env.put("HERALD_API_PORT", "0");
    env.put("HERALD_INDEXER_PORT", "0");
    env.put("HERALD_PUBLISHER_PORT", "0");
    env.put("HERALD_SMTP_PORT", "0");
    env.put("HERALD_SEED", "false");
    herald = AllInOne.start(env);
    browser = new Browser(herald.apiUrl());
  }

  @AfterAll
  void stop() {
    if (browser != null) {
      browser.close();
    }
    if (herald != null) {
      herald.close();
    }
  }

  @Test
  @DisplayName(
      "the first admin joins by the start-up link and invites an editor, who joins from the mail"
          + " and cannot open an admin's screen")
  void firstAdminThenInvitedEditor() {
    // Nobody is signed in: Studio asks to sign in, and keyboard users can skip to the content.
    browser.open("/studio/");
    assertEquals("/studio/signin", browser.path());
    browser.find("body").sendKeys(Keys.TAB);
    WebElement first = browser.driver.switchTo().activeElement();
    assertEquals("skip", first.getAttribute("class"));
    browser.check("signin");

    String setup = herald.studioSetupPath().orElseThrow();
    browser.open(setup);
    assertEquals("Create the first admin", browser.heading());
    browser.check("setup");
    browser.type("f-email", "ana@herald.test");
    browser.type("f-name", "Ana Admin");
    browser.type("f-password", "short");
    browser.find("form.card button[type=submit]").click();
    // The browser's own check or the server's: the field says what is wrong.
    browser.type("f-password", "an admin's long password");
    browser.find("form.card button[type=submit]").click();
    browser
        .waiting()
        .until(ExpectedConditions.textToBe(org.openqa.selenium.By.tagName("h1"), "Dashboard"));
    assertTrue(browser.find("main").getText().contains("Welcome, Ana Admin."));
    browser.check("dashboard");

    browser.find("nav a[href='/studio/users']").click();
    assertEquals("Users", browser.heading());
    browser.type("f-email", "eda@herald.test");
    new org.openqa.selenium.support.ui.Select(browser.find("#f-role")).selectByValue("editor");
    browser.find("form[action='/studio/users/invite'] button").click();
    browser.waiting().until(d -> browser.all("p.notice").size() == 1);
    assertTrue(browser.find("p.notice").getText().contains("eda@herald.test"));
    assertTrue(browser.find("table.list").getText().contains("Ana Admin"));
    browser.check("users");

    String link = new Mailbox(herald.mailDir()).await("eda@herald.test", INVITATION);
    browser.forgetCookies();
    browser.open(link);
    assertEquals("Join Herald Studio", browser.heading());
    assertTrue(browser.find("main").getText().contains("eda@herald.test"));
    browser.check("invitation");
    browser.type("f-name", "Eda Editor");
    browser.type("f-password", "an editor's long password");
    browser.find("form.card button[type=submit]").click();
    browser
        .waiting()
        .until(ExpectedConditions.textToBe(org.openqa.selenium.By.tagName("h1"), "Dashboard"));
    assertTrue(browser.find("header").getText().contains("Eda Editor"));
    assertTrue(browser.all("nav a[href='/studio/users']").isEmpty(), "no Users link for an editor");

    browser.open("/studio/users");
    assertEquals("Not allowed", browser.heading());
    assertTrue(browser.find("main").getText().contains("Your role (editor) may not do this"));
    browser.check("forbidden");

    // Serbian (Latin), switched from the header, stays for the next pages.
    browser.open("/studio/account");
    browser.check("account");
    browser.find("header a[hreflang='sr-Latn']").click();
    assertEquals("Vaš nalog", browser.heading());
    assertEquals("sr-Latn", browser.find("html").getAttribute("lang"));
    browser.check("account-sr");
    browser.find("header a[hreflang='en']").click();
    assertEquals("Your account", browser.heading());

    browser.find("header form[action='/studio/signout'] button").click();
    browser
        .waiting()
        .until(ExpectedConditions.textToBe(org.openqa.selenium.By.tagName("h1"), "Sign in"));
    browser.open("/studio/");
    assertEquals("/studio/signin", browser.path());
    browser.open("/studio/forgot");
    browser.check("forgot");
    assertFalse(
        browser.driver.manage().getCookies().stream()
            .anyMatch(c -> c.getName().equals("herald_session")));
  }
}
