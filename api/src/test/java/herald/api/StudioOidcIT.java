package herald.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Studio's single sign-on with OpenID Connect against a real provider (mock-oauth2-server, which
 * speaks the protocol: discovery, authorization with PKCE, token endpoint, JWKS): the browser's
 * trip is followed by hand, so that each check (state, nonce, PKCE verifier, verified e-mail) can
 * be shown to refuse what it must.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StudioOidcIT {
  static final String ISSUER_ID = "herald";
  static final String CLIENT = "herald-studio";

  final ApiHarness api = new ApiHarness();
  final MockOAuth2Server provider = new MockOAuth2Server();
  final HttpClient http =
      HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(5))
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();
  String base;

  @BeforeAll
  void start() {
    provider.start();
    api.extraEnv.put("HERALD_OIDC_ISSUER", provider.issuerUrl(ISSUER_ID).toString());
    api.extraEnv.put("HERALD_OIDC_CLIENT_ID", CLIENT);
    api.extraEnv.put("HERALD_OIDC_CLIENT_SECRET", "client's secret");
    api.extraEnv.put("HERALD_OIDC_LABEL", "Herald ID");
    api.extraEnv.put("HERALD_OIDC_DEFAULT_ROLE", "author");
    ApiVerticle v = api.deploy();
    base = "http://127.0.0.1:" + v.actualPort();
  }

  @AfterAll
  void stop() {
    api.close();
    provider.shutdown();
  }

  /** The provider will issue its next token for this person. */
  private void nextUser(String subject, String email, boolean verified, String name) {
    provider.enqueueCallback(
        new DefaultOAuth2TokenCallback(
            ISSUER_ID,
            subject,
            "JWT",
            List.of(CLIENT),
            Map.of("email", email, "email_verified", verified, "name", name),
            3600));
  }

  /** Studio's start: a 303 to the provider's authorization endpoint. */
  private URI startAt(StudioClient browser, String next) {
    HttpResponse<String> r = browser.get("/studio/oidc/start?next=" + next);
    assertEquals(303, r.statusCode(), r.body());
    return URI.create(r.headers().firstValue("Location").orElseThrow());
  }

  /** The provider's answer to the authorization request: the path back to Studio's callback. */
  private String authorize(URI at) throws Exception {
    HttpResponse<String> r =
        http.send(HttpRequest.newBuilder(at).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(302, r.statusCode(), r.body());
    URI back = URI.create(r.headers().firstValue("Location").orElseThrow());
    assertEquals("/studio/oidc/callback", back.getPath());
    return back.getPath() + "?" + back.getRawQuery();
  }

  private static String param(URI u, String name) {
    for (String p : u.getRawQuery().split("&")) {
      if (p.startsWith(name + "=")) {
        return java.net.URLDecoder.decode(
            p.substring(name.length() + 1), java.nio.charset.StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  private static URI with(URI u, String name, String value) {
    String q = u.getRawQuery().replaceAll("(^|&)" + name + "=[^&]*", "$1" + name + "=" + value);
    return URI.create(u.getScheme() + "://" + u.getRawAuthority() + u.getRawPath() + "?" + q);
  }

  @Test
  @DisplayName(
      "a new person signs in with a verified e-mail address: code flow with PKCE, a user with the"
          + " default role, a fresh session; the answer cannot be used twice")
  void signInAndProvision() throws Exception {
    StudioClient browser = new StudioClient(base);
    HttpResponse<String> signin = browser.get("/studio/signin");
    assertTrue(signin.body().contains("Sign in with Herald ID"), signin.body());
    String before = browser.cookies.get("herald_session");

    URI at = startAt(browser, "/studio/account");
    assertTrue(at.toString().startsWith(provider.issuerUrl(ISSUER_ID).toString()), at.toString());
    assertEquals("code", param(at, "response_type"));
    assertEquals("S256", param(at, "code_challenge_method"));
    assertEquals(43, param(at, "code_challenge").length());
    assertNotNull(param(at, "nonce"));
    String flowCookie = browser.setCookie("herald_oidc");
    assertTrue(
        flowCookie.toLowerCase(java.util.Locale.ROOT).contains("; httponly")
            && flowCookie.contains("SameSite=Lax"),
        flowCookie);
    assertEquals(param(at, "state"), browser.cookies.get("herald_oidc"));

    nextUser("olga-1", "olga@herald.test", true, "Olga Oidc");
    String back = authorize(at);
    HttpResponse<String> done = browser.get(back);
    assertEquals(303, done.statusCode(), done.body());
    assertEquals("/studio/account", done.headers().firstValue("Location").orElseThrow());
    assertNotNull(browser.cookies.get("herald_session"));
    assertFalse(browser.cookies.get("herald_session").equals(before));
    assertNull(browser.cookies.get("herald_oidc"), "the flow's cookie is cleared");
    HttpResponse<String> account = browser.get("/studio/account");
    assertEquals(200, account.statusCode());
    assertTrue(account.body().contains("Olga Oidc"), account.body());

    try (Connection c = api.jdbc();
        ResultSet rs =
            c.createStatement()
                .executeQuery(
                    "select role, password_hash from studio_users where email ="
                        + " 'olga@herald.test'")) {
      assertTrue(rs.next());
      assertEquals("author", rs.getString(1));
      assertNull(rs.getString(2), "no password for someone who signs in through OIDC");
    }
    assertEquals(
        1,
        api.count(
            "select count(*) from audit_log where action = 'user.signin'"
                + " and actor_name = 'Olga Oidc <olga@herald.test>' and detail->>'via' = 'oidc'"));

    // The same answer again (a replayed or leaked callback URL): the flow is used up.
    StudioClient replay = new StudioClient(base);
    replay.cookies.put("herald_oidc", param(URI.create(base + back), "state"));
    HttpResponse<String> again = replay.get(back);
    assertEquals(400, again.statusCode(), again.body());
    assertNull(replay.cookies.get("herald_session"));
  }

  @Test
  @DisplayName(
      "an existing user is matched by the verified address (any case) and keeps their role")
  void existingUser() throws Exception {
    try (Connection c = api.jdbc()) {
      c.createStatement()
          .execute(
              "insert into studio_users (id, email, name, role) values"
                  + " (gen_random_uuid(), 'eda@herald.test', 'Eda Editor', 'editor')");
    }
    StudioClient browser = new StudioClient(base);
    URI at = startAt(browser, "/studio/");
    nextUser("eda-1", "EDA@herald.test", true, "Someone Else");
    HttpResponse<String> done = browser.get(authorize(at));
    assertEquals(303, done.statusCode(), done.body());
    HttpResponse<String> home = browser.get("/studio/");
    assertEquals(200, home.statusCode());
    assertTrue(home.body().contains("Eda Editor"), home.body());
    assertEquals(
        1, api.count("select count(*) from studio_users where lower(email) = 'eda@herald.test'"));
    assertEquals(
        1,
        api.count(
            "select count(*) from studio_users where email = 'eda@herald.test' and role = 'editor'"));
  }

  @Test
  @DisplayName("a callback with another browser's state signs nobody in")
  void stateOfAnotherBrowser() throws Exception {
    StudioClient victim = new StudioClient(base);
    StudioClient attacker = new StudioClient(base);
    URI attackers = startAt(attacker, "/studio/");
    startAt(victim, "/studio/");
    nextUser("mallory", "mallory@herald.test", true, "Mallory");
    String back = authorize(attackers);
    HttpResponse<String> r = victim.get(back);
    assertEquals(400, r.statusCode(), r.body());
    assertTrue(r.body().contains("not the one this browser started"), r.body());
    assertNull(victim.cookies.get("herald_session"));
    // Without any flow cookie at all, likewise.
    StudioClient bare = new StudioClient(base);
    assertEquals(400, bare.get(back).statusCode());
    assertNull(bare.cookies.get("herald_session"));
  }

  @Test
  @DisplayName("an ID token with another nonce is refused")
  void nonceChecked() throws Exception {
    StudioClient browser = new StudioClient(base);
    URI at = with(startAt(browser, "/studio/"), "nonce", "forged-nonce");
    nextUser("nina", "nina@herald.test", true, "Nina Nonce");
    HttpResponse<String> r = browser.get(authorize(at));
    assertEquals(401, r.statusCode(), r.body());
    assertTrue(r.body().contains("nonce"), r.body());
    assertNull(browser.cookies.get("herald_session"));
    assertEquals(
        0, api.count("select count(*) from studio_users where email = 'nina@herald.test'"));
  }

  @Test
  @DisplayName("a code issued for another PKCE challenge is not exchanged")
  void pkceChecked() throws Exception {
    StudioClient browser = new StudioClient(base);
    URI at =
        with(
            startAt(browser, "/studio/"),
            "code_challenge",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    nextUser("pat", "pat@herald.test", true, "Pat Pkce");
    HttpResponse<String> r = browser.get(authorize(at));
    assertEquals(401, r.statusCode(), r.body());
    assertTrue(r.body().contains("the provider answered 400"), r.body());
    assertNull(browser.cookies.get("herald_session"));
    assertEquals(0, api.count("select count(*) from studio_users where email = 'pat@herald.test'"));
    // The same person, the challenge left as Studio made it: the token the provider kept for them
    // is issued now, and they are in.
    HttpResponse<String> ok = browser.get(authorize(startAt(browser, "/studio/")));
    assertEquals(303, ok.statusCode(), ok.body());
    assertNotNull(browser.cookies.get("herald_session"));
    assertEquals(1, api.count("select count(*) from studio_users where email = 'pat@herald.test'"));
  }

  @Test
  @DisplayName("an address the provider has not verified makes no user and opens no session")
  void unverifiedEmail() throws Exception {
    StudioClient browser = new StudioClient(base);
    URI at = startAt(browser, "/studio/");
    nextUser("uma", "uma@herald.test", false, "Uma Unverified");
    HttpResponse<String> r = browser.get(authorize(at));
    assertEquals(401, r.statusCode(), r.body());
    assertTrue(r.body().contains("verified"), r.body());
    assertNull(browser.cookies.get("herald_session"));
    assertEquals(0, api.count("select count(*) from studio_users where email = 'uma@herald.test'"));
  }

  @Test
  @DisplayName("the provider's error (the person declined) is shown and signs nobody in")
  void providerError() {
    StudioClient browser = new StudioClient(base);
    URI at = startAt(browser, "/studio/");
    String state = param(at, "state");
    HttpResponse<String> r =
        browser.get("/studio/oidc/callback?error=access_denied&state=" + state);
    assertEquals(401, r.statusCode(), r.body());
    assertTrue(r.body().contains("access_denied"), r.body());
    assertNull(browser.cookies.get("herald_session"));
  }
}
