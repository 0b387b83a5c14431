package herald.api;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;
import io.vertx.core.json.JsonObject;
import jakarta.mail.internet.MimeMessage;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Herald Studio's accounts and sessions over HTTP against a real api, PostgreSQL and SMTP server:
 * the first admin, invitations, resets, CSRF, session fixation, cookie flags, throttling and roles.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StudioAuthIT {
  static final String ADMIN_EMAIL = "admin@herald.test";
  static final String ADMIN_PASSWORD = "correct horse battery";
  static final Pattern LINK =
      Pattern.compile("(/studio/(?:invitation|reset)\\?token=[A-Za-z0-9_-]+)");

  final ApiHarness api = new ApiHarness();
  final GreenMail smtp = new GreenMail(ServerSetupTest.SMTP.dynamicPort());
  String base;

  @BeforeAll
  void start() {
    smtp.start();
    api.extraEnv.put("HERALD_SMTP_HOST", "127.0.0.1");
    api.extraEnv.put("HERALD_SMTP_PORT", Integer.toString(smtp.getSmtp().getPort()));
    api.extraEnv.put("HERALD_STUDIO_SIGNIN_LIMIT", "3");
    ApiVerticle v = api.deploy();
    base = "http://127.0.0.1:" + v.actualPort();
    String setup = v.studioSetupPath().orElseThrow();

    StudioClient admin = new StudioClient(base);
    HttpResponse<String> form = admin.get(setup);
    assertEquals(200, form.statusCode(), form.body());
    String token = setup.substring(setup.indexOf("token=") + 6);
    HttpResponse<String> done =
        admin.post(
            "/studio/setup",
            List.of(
                "_csrf", StudioClient.csrf(form),
                "token", token,
                "email", ADMIN_EMAIL,
                "name", "Ana Admin",
                "password", ADMIN_PASSWORD));
    assertEquals(303, done.statusCode(), done.body());
    assertEquals("/studio/", done.headers().firstValue("Location").orElseThrow());
  }

  @AfterAll
  void stop() {
    api.close();
    smtp.stop();
  }

  @Test
  @DisplayName("the first admin's link works once, stores an Argon2id hash and is audited by name")
  void firstAdmin() throws Exception {
    try (Connection c = api.jdbc();
        ResultSet rs =
            c.createStatement()
                .executeQuery(
                    "select role, password_hash from studio_users where email = '"
                        + ADMIN_EMAIL
                        + "'")) {
      assertTrue(rs.next());
      assertEquals("admin", rs.getString(1));
      assertTrue(rs.getString(2).startsWith("$argon2id$v=19$m=19456,t=2,p=1$"), rs.getString(2));
    }
    assertEquals(
        1,
        api.count(
            "select count(*) from audit_log where action = 'user.setup' and actor_name ="
                + " 'Ana Admin <"
                + ADMIN_EMAIL
                + ">' and actor_key_id like 'user:%'"));
    // The set-up link is used up, however often it is tried again.
    assertEquals(
        0,
        api.count("select count(*) from studio_tokens where kind = 'setup' and used_at is null"));
  }

  @Test
  @DisplayName(
      "signing in sets an HttpOnly, SameSite=Lax session cookie for /studio, Secure behind TLS")
  void cookieFlags() {
    StudioClient plain = signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
    String cookie = plain.setCookie("herald_session");
    assertTrue(cookie.toLowerCase(java.util.Locale.ROOT).contains("; httponly"), cookie);
    assertTrue(cookie.contains("SameSite=Lax"), cookie);
    assertTrue(cookie.contains("Path=/studio"), cookie);
    assertFalse(cookie.contains("Secure"), "plain HTTP on loopback: " + cookie);

    StudioClient tls = new StudioClient(base);
    HttpResponse<String> form = tls.get("/studio/signin", "X-Forwarded-Proto", "https");
    assertTrue(tls.setCookie("herald_csrf").contains("Secure"));
    assertTrue(tls.setCookie("herald_csrf").contains("SameSite=Strict"));
    HttpResponse<String> r =
        tls.post(
            "/studio/signin",
            List.of(
                "_csrf", StudioClient.csrf(form), "email", ADMIN_EMAIL, "password", ADMIN_PASSWORD),
            "X-Forwarded-Proto",
            "https");
    assertEquals(303, r.statusCode());
    String secure = tls.setCookie("herald_session");
    assertTrue(secure.contains("; Secure") && secure.contains("; HTTPOnly"), secure);
  }

  @Test
  @DisplayName("a session id planted before sign-in is replaced and never becomes valid")
  void noFixation() {
    StudioClient victim = new StudioClient(base);
    String planted = "hs_plantedByAnAttackerAAAAAAAAAAAAAAAAAAAAAAAA";
    victim.cookies.put("herald_session", planted);
    HttpResponse<String> form = victim.get("/studio/signin");
    HttpResponse<String> r =
        victim.post(
            "/studio/signin",
            List.of(
                "_csrf",
                StudioClient.csrf(form),
                "email",
                ADMIN_EMAIL,
                "password",
                ADMIN_PASSWORD));
    assertEquals(303, r.statusCode(), r.body());
    String issued = victim.cookies.get("herald_session");
    assertNotEquals(planted, issued);
    assertEquals(200, victim.get("/studio/").statusCode());

    StudioClient attacker = new StudioClient(base);
    attacker.cookies.put("herald_session", planted);
    HttpResponse<String> denied = attacker.get("/studio/");
    assertEquals(303, denied.statusCode());
    assertTrue(denied.headers().firstValue("Location").orElseThrow().startsWith("/studio/signin"));

    // Signing in again from the same browser ends the session it had: the old token is dead.
    HttpResponse<String> again = victim.get("/studio/signin?next=/studio/account");
    assertEquals(303, again.statusCode(), "already signed in");
    victim.cookies.remove("herald_session");
    form = victim.get("/studio/signin");
    victim.cookies.put("herald_session", issued);
    victim.post(
        "/studio/signin",
        List.of(
            "_csrf", StudioClient.csrf(form), "email", ADMIN_EMAIL, "password", ADMIN_PASSWORD));
    assertNotEquals(issued, victim.cookies.get("herald_session"));
    StudioClient old = new StudioClient(base);
    old.cookies.put("herald_session", issued);
    assertEquals(303, old.get("/studio/").statusCode());
  }

  @Test
  @DisplayName("every state-changing request needs the CSRF token; nothing happens without it")
  void csrf() {
    StudioClient admin = signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
    HttpResponse<String> page = admin.get("/studio/users");
    String token = StudioClient.csrf(page);
    long before = api.count("select count(*) from studio_tokens where kind = 'invite'");

    HttpResponse<String> none =
        admin.post("/studio/users/invite", List.of("email", "x1@herald.test", "role", "author"));
    assertEquals(403, none.statusCode());
    assertTrue(none.body().contains("Request refused"), none.body());
    HttpResponse<String> wrong =
        admin.post(
            "/studio/users/invite",
            List.of("_csrf", token + "x", "email", "x2@herald.test", "role", "author"));
    assertEquals(403, wrong.statusCode());
    HttpResponse<String> crossSite =
        admin.post(
            "/studio/users/invite",
            List.of("_csrf", token, "email", "x3@herald.test", "role", "author"),
            "Sec-Fetch-Site",
            "cross-site");
    assertEquals(403, crossSite.statusCode());
    // Another session's token is no good either.
    String otherToken = StudioClient.csrf(signIn(ADMIN_EMAIL, ADMIN_PASSWORD).get("/studio/users"));
    assertEquals(
        403,
        admin
            .post(
                "/studio/users/invite",
                List.of("_csrf", otherToken, "email", "x4@herald.test", "role", "author"))
            .statusCode());
    // Signing out is a state change too.
    assertEquals(403, admin.post("/studio/signout", List.of()).statusCode());
    assertEquals(before, api.count("select count(*) from studio_tokens where kind = 'invite'"));

    // The header htmx sends works like the form field.
    HttpResponse<String> ok =
        admin.post(
            "/studio/users/invite",
            List.of("email", "x5@herald.test", "role", "author"),
            "X-CSRF-Token",
            token);
    assertEquals(303, ok.statusCode(), ok.body());
    assertEquals(before + 1, api.count("select count(*) from studio_tokens where kind = 'invite'"));
    // The sign-in form needs its own (pre-session) token.
    StudioClient anonymous = new StudioClient(base);
    anonymous.get("/studio/signin");
    assertEquals(
        403,
        anonymous
            .post("/studio/signin", List.of("email", ADMIN_EMAIL, "password", ADMIN_PASSWORD))
            .statusCode());
    assertNull(anonymous.cookies.get("herald_session"));
  }

  @Test
  @DisplayName("failed sign-ins are throttled per address, even when the right password follows")
  void throttling() {
    String email = "throttled@herald.test";
    StudioClient admin = signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
    StudioClient user = join(admin, email, "author", "Tara Throttled", "a long enough secret");
    assertNotNull(user);
    StudioClient guesser = new StudioClient(base);
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> form = guesser.get("/studio/signin");
      HttpResponse<String> r =
          guesser.post(
              "/studio/signin",
              List.of("_csrf", StudioClient.csrf(form), "email", email, "password", "guess " + i));
      assertEquals(401, r.statusCode());
      assertTrue(r.body().contains("is not right"), r.body());
    }
    HttpResponse<String> form = guesser.get("/studio/signin");
    HttpResponse<String> blocked =
        guesser.post(
            "/studio/signin",
            List.of(
                "_csrf",
                StudioClient.csrf(form),
                "email",
                email,
                "password",
                "a long enough secret"));
    assertEquals(429, blocked.statusCode(), blocked.body());
    long retry = Long.parseLong(blocked.headers().firstValue("Retry-After").orElseThrow());
    assertTrue(retry > 0 && retry <= 15 * 60, "Retry-After " + retry);
    assertNull(guesser.cookies.get("herald_session"));
    // Another address is not affected.
    assertNotNull(signIn(ADMIN_EMAIL, ADMIN_PASSWORD).cookies.get("herald_session"));
  }

  @Test
  @DisplayName("an invited editor gets the mail, joins, and cannot reach an admin's screens by URL")
  void invitationAndRoles() throws Exception {
    StudioClient admin = signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
    StudioClient editor =
        join(admin, "eda@herald.test", "editor", "Eda Editor", "editor's long secret");
    HttpResponse<String> home = editor.get("/studio/");
    assertEquals(200, home.statusCode());
    assertTrue(home.body().contains("Eda Editor"));
    assertFalse(
        home.body().contains("href=\"/studio/users\""), "no admin navigation for an editor");

    HttpResponse<String> users = editor.get("/studio/users");
    assertEquals(403, users.statusCode());
    assertTrue(users.body().contains("Your role (editor) may not do this"), users.body());
    // Every admin screen and action, by URL: a 403, and nothing done.
    for (String path :
        List.of(
            "/studio/admin",
            "/studio/admin/types",
            "/studio/admin/types/note",
            "/studio/admin/keys",
            "/studio/admin/webhooks",
            "/studio/admin/partners",
            "/studio/admin/audit",
            "/studio/admin/index")) {
      HttpResponse<String> r = editor.get(path);
      assertEquals(403, r.statusCode(), path);
      assertTrue(r.body().contains("Your role (editor) may not do this"), path);
    }
    String csrf = StudioClient.csrf(editor.get("/studio/account"));
    long keys = api.count("select count(*) from api_keys");
    for (String path :
        List.of(
            "/studio/admin/types",
            "/studio/admin/keys",
            "/studio/admin/webhooks",
            "/studio/admin/index/rebuild")) {
      HttpResponse<String> r =
          editor.post(
              path,
              List.of("_csrf", csrf, "id", "x", "name", "Sneaky", "role", "admin", "url", "x"));
      assertEquals(403, r.statusCode(), path);
    }
    assertEquals(keys, api.count("select count(*) from api_keys"), "no key made by an editor");
    long invites = api.count("select count(*) from studio_tokens where kind = 'invite'");
    HttpResponse<String> invite =
        editor.post(
            "/studio/users/invite",
            List.of("_csrf", csrf, "email", "sneaky@herald.test", "role", "admin"));
    assertEquals(403, invite.statusCode());
    assertEquals(invites, api.count("select count(*) from studio_tokens where kind = 'invite'"));

    // The session is also a bearer credential of the REST API, with the same role checks.
    String session = editor.cookies.get("herald_session");
    HttpResponse<String> key =
        api.send("POST", "/v1/manage/keys", session, "{\"name\":\"k\",\"role\":\"admin\"}");
    assertEquals(403, key.statusCode());
    assertTrue(key.body().contains("role 'editor' may not do this"), key.body());
    api.admin(
        "POST",
        "/v1/manage/types",
        new JsonObject(
            "{\"id\":\"note\",\"name\":\"Note\",\"fields\":[{\"id\":\"title\",\"type\":\"text\",\"required\":true}]}"));
    HttpResponse<String> created =
        api.send(
            "POST",
            "/v1/manage/entries",
            session,
            "{\"type\":\"note\",\"fields\":{\"title\":\"By Eda\"}}");
    assertEquals(201, created.statusCode(), created.body());
    String id = new JsonObject(created.body()).getString("id");
    assertEquals(
        1,
        api.count(
            "select count(*) from audit_log where entity_id = '"
                + id
                + "' and actor_name = 'Eda Editor <eda@herald.test>'"));

    // An author may write but not publish.
    StudioClient author =
        join(admin, "ari@herald.test", "author", "Ari Author", "author's long secret");
    HttpResponse<String> publish =
        api.send(
            "POST",
            "/v1/manage/entries/" + id + "/publish",
            author.cookies.get("herald_session"),
            null);
    assertEquals(403, publish.statusCode());
    // Nor reach the newsletter (an editor's), by URL or by form.
    for (String path :
        List.of(
            "/studio/newsletter",
            "/studio/newsletter/subscribers",
            "/studio/newsletter/subscribers/export",
            "/studio/admin/keys")) {
      HttpResponse<String> r = author.get(path);
      assertEquals(403, r.statusCode(), path);
      assertTrue(r.body().contains("Your role (author) may not do this"), path);
    }
    HttpResponse<String> issue =
        author.post(
            "/studio/newsletter/issues",
            List.of("_csrf", StudioClient.csrf(author.get("/studio/account")), "subject", "x"));
    assertEquals(403, issue.statusCode());
    assertEquals(
        0,
        api.count(
            "select count(*) from entries where id = '" + id + "' and published is not null"));
  }

  @Test
  @DisplayName("signing out everywhere ends every session of the user, and only theirs")
  void signOutEverywhere() {
    StudioClient admin = signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
    StudioClient laptop =
        join(admin, "sam@herald.test", "author", "Sam Sessions", "sam's long secret!");
    StudioClient phone = signIn("sam@herald.test", "sam's long secret!");
    assertEquals(200, phone.get("/studio/").statusCode());
    HttpResponse<String> r =
        laptop.post(
            "/studio/signout-everywhere",
            List.of("_csrf", StudioClient.csrf(laptop.get("/studio/account"))));
    assertEquals(303, r.statusCode());
    assertEquals(303, phone.get("/studio/").statusCode());
    assertEquals(303, laptop.get("/studio/").statusCode());
    assertEquals(
        401,
        api.send("GET", "/v1/manage/audit", phone.cookies.get("herald_session"), null)
            .statusCode());
    assertEquals(200, admin.get("/studio/").statusCode(), "other users stay signed in");
  }

  @Test
  @DisplayName("a password reset link arrives by mail, works once and ends the old sessions")
  void passwordReset() throws Exception {
    StudioClient admin = signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
    StudioClient old =
        join(admin, "rita@herald.test", "author", "Rita Reset", "the first password");
    StudioClient browser = new StudioClient(base);
    int mails = smtp.getReceivedMessages().length;
    HttpResponse<String> form = browser.get("/studio/forgot");
    HttpResponse<String> sent =
        browser.post(
            "/studio/forgot",
            List.of("_csrf", StudioClient.csrf(form), "email", "rita@herald.test"));
    assertEquals(200, sent.statusCode());
    // An unknown address gets the same answer and no mail.
    HttpResponse<String> unknown =
        browser.post(
            "/studio/forgot",
            List.of("_csrf", StudioClient.csrf(form), "email", "nobody@herald.test"));
    assertEquals(
        sent.body().replace("rita@herald.test", ""),
        unknown.body().replace("nobody@herald.test", ""));
    String link = awaitLink("rita@herald.test", mails);
    assertTrue(link.startsWith("/studio/reset?token="));

    HttpResponse<String> resetForm = browser.get(link);
    assertEquals(200, resetForm.statusCode());
    String token = link.substring(link.indexOf('=') + 1);
    HttpResponse<String> done =
        browser.post(
            "/studio/reset",
            List.of(
                "_csrf",
                StudioClient.csrf(resetForm),
                "token",
                token,
                "password",
                "the second password"));
    assertEquals(303, done.statusCode(), done.body());
    assertEquals(200, browser.get("/studio/").statusCode());
    assertEquals(303, old.get("/studio/").statusCode(), "the old session ended");
    assertEquals(
        410,
        browser
            .post(
                "/studio/reset",
                List.of(
                    "_csrf",
                    StudioClient.csrf(resetForm),
                    "token",
                    token,
                    "password",
                    "a third password!"))
            .statusCode());
    assertNotNull(signIn("rita@herald.test", "the second password"));
  }

  @Test
  @DisplayName("the interface switches to Serbian (Latin) and follows the browser's language")
  void language() {
    StudioClient c = new StudioClient(base);
    assertTrue(c.get("/studio/signin").body().contains("E-mail address"));
    HttpResponse<String> sw = c.get("/studio/lang/sr-Latn?back=/studio/signin");
    assertEquals(303, sw.statusCode());
    assertEquals("/studio/signin", sw.headers().firstValue("Location").orElseThrow());
    HttpResponse<String> sr = c.get("/studio/signin");
    assertTrue(sr.body().contains("<html lang=\"sr-Latn\">"), sr.body());
    assertTrue(sr.body().contains("Adresa e-pošte"));
    assertTrue(
        new StudioClient(base)
            .get("/studio/signin", "Accept-Language", "sr-RS,sr;q=0.9")
            .body()
            .contains("Prijava"));
    // Leaving Studio through the switch is not possible.
    assertEquals(
        "/studio/",
        c.get("/studio/lang/en?back=https://evil.test/")
            .headers()
            .firstValue("Location")
            .orElseThrow());
  }

  // --- helpers ---

  StudioClient signIn(String email, String password) {
    StudioClient c = new StudioClient(base);
    HttpResponse<String> form = c.get("/studio/signin");
    HttpResponse<String> r =
        c.post(
            "/studio/signin",
            List.of("_csrf", StudioClient.csrf(form), "email", email, "password", password));
    assertEquals(303, r.statusCode(), r.body());
    return c;
  }

  /** The admin invites someone, who follows the mailed link and joins (signed in afterwards). */
  StudioClient join(StudioClient admin, String email, String role, String name, String password) {
    int mails = smtp.getReceivedMessages().length;
    HttpResponse<String> page = admin.get("/studio/users");
    HttpResponse<String> r =
        admin.post(
            "/studio/users/invite",
            List.of("_csrf", StudioClient.csrf(page), "email", email, "role", role));
    assertEquals(303, r.statusCode(), r.body());
    String link = awaitLink(email, mails);
    StudioClient c = new StudioClient(base);
    HttpResponse<String> form = c.get(link);
    assertEquals(200, form.statusCode(), form.body());
    assertTrue(form.body().contains(email));
    HttpResponse<String> joined =
        c.post(
            "/studio/invitation",
            List.of(
                "_csrf",
                StudioClient.csrf(form),
                "token",
                link.substring(link.indexOf('=') + 1),
                "name",
                name,
                "password",
                password));
    assertEquals(303, joined.statusCode(), joined.body());
    return c;
  }

  /** The Studio link in the newest mail to {@code to} after the first {@code seen} mails. */
  String awaitLink(String to, int seen) {
    await().atMost(Duration.ofSeconds(30)).until(() -> smtp.getReceivedMessages().length > seen);
    try {
      MimeMessage[] all = smtp.getReceivedMessages();
      for (int i = all.length - 1; i >= seen; i--) {
        if (all[i].getAllRecipients()[0].toString().equals(to)) {
          Matcher m = LINK.matcher(String.valueOf(all[i].getContent()));
          assertTrue(m.find(), String.valueOf(all[i].getContent()));
          return m.group(1);
        }
      }
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("no mail to " + to);
  }
}
