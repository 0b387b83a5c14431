package herald.publisher.channel.newsletter;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import herald.embedded.PgSettings;
import herald.embedded.TestInfrastructure;
import herald.events.ContentPublished;
import herald.events.ContentUnpublished;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mail.MailClient;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import jakarta.mail.BodyPart;
import jakarta.mail.Message;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The newsletter against real PostgreSQL and a real SMTP server (GreenMail): subscriptions with
 * double opt-in, issues from the channel's pool, sending with list headers, resumption after a
 * crash.
 */
@DisplayName("The newsletter")
class NewsletterIT {

  static final String PUBLIC = "https://news.example.org";
  static final String SITE = "https://dpnsee.example.org";
  static final Duration WAIT = Duration.ofSeconds(30);
  static final Pattern LINK =
      Pattern.compile(Pattern.quote(PUBLIC) + "(/v1/newsletter/[a-z]+\\?token=[A-Za-z0-9_.-]+)");

  @RegisterExtension
  static GreenMailExtension smtp =
      new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort()).withPerMethodLifecycle(true);

  static Vertx vertx;
  static Pool pool;
  static WebClient web;

  NewsletterModule module;
  HttpServer server;

  @BeforeAll
  static void database() {
    PgSettings pg = TestInfrastructure.freshDatabase();
    Flyway.configure()
        .dataSource(pg.jdbcUrl(), pg.user(), pg.password())
        .schemas("publisher")
        .locations("classpath:db/publisher")
        .load()
        .migrate();
    vertx = Vertx.vertx();
    pool =
        PgBuilder.pool()
            .with(new io.vertx.sqlclient.PoolOptions().setMaxSize(8))
            .connectingTo(
                new PgConnectOptions()
                    .setHost(pg.host())
                    .setPort(pg.port())
                    .setDatabase(pg.database())
                    .setUser(pg.user())
                    .setPassword(pg.password()))
            .using(vertx)
            .build();
    web = WebClient.create(vertx);
  }

  @AfterAll
  static void close() throws Exception {
    web.close();
    pool.close().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @BeforeEach
  void setUp() throws Exception {
    sql(
        "TRUNCATE publisher.newsletter_recipient, publisher.newsletter_issue_item,"
            + " publisher.newsletter_issue, publisher.newsletter_entry, publisher.newsletter_subscriber");
    module = module(Map.of(), IssueSender.Hooks.NONE);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (server != null) {
      server.close().await(10, TimeUnit.SECONDS);
      server = null;
    }
    module.close().await(30, TimeUnit.SECONDS);
  }

  NewsletterModule module(Map<String, String> extra, IssueSender.Hooks hooks) throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("HERALD_SMTP_HOST", "127.0.0.1");
    env.put("HERALD_SMTP_PORT", Integer.toString(smtp.getSmtp().getPort()));
    env.put("HERALD_NEWSLETTER_SECRET", "an integration test secret, 32 b");
    env.put("HERALD_NEWSLETTER_PUBLIC_URL", PUBLIC);
    env.put("HERALD_SITE_URL", SITE);
    env.put("HERALD_NEWSLETTER_NAME", "DPNSEE Newsletter");
    env.put("HERALD_NEWSLETTER_RATE", "0");
    env.put("HERALD_NEWSLETTER_CONCURRENCY", "4");
    env.putAll(extra);
    NewsletterConfig config = NewsletterConfig.fromEnv(env);
    NewsletterModule m =
        new NewsletterModule(
            vertx,
            pool,
            config,
            MailClient.create(vertx, NewsletterModule.mailConfig(config)),
            Clock.systemUTC(),
            hooks);
    Router router = Router.router(vertx);
    m.mount(router);
    if (server != null) {
      server.close().await(10, TimeUnit.SECONDS);
    }
    server =
        vertx
            .createHttpServer()
            .requestHandler(router)
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS);
    return m;
  }

  // --- subscriptions ------------------------------------------------------------------------

  @Test
  @DisplayName(
      "subscribing answers 202 alike for new and known addresses and mails one signed confirmation link")
  void doubleOptIn() throws Exception {
    JsonObject request =
        new JsonObject()
            .put("email", "Ana.Petrovic@Example.ORG")
            .put("locale", "sr-Cyrl")
            .put("topics", new JsonArray().add("harm reduction"));
    HttpResponse<Buffer> first = post("/v1/newsletter/subscribe", request);
    HttpResponse<Buffer> again = post("/v1/newsletter/subscribe", request);
    assertEquals(202, first.statusCode());
    assertEquals(202, again.statusCode());
    assertEquals(first.bodyAsString(), again.bodyAsString());

    assertTrue(smtp.waitForIncomingEmail(WAIT.toMillis(), 1));
    MimeMessage confirmation = smtp.getReceivedMessages()[0];
    assertEquals(
        "Ana.Petrovic@example.org",
        confirmation.getRecipients(Message.RecipientType.TO)[0].toString());
    // In the words of the locale the subscriber asked in.
    assertEquals("Потврдите пријаву на DPNSEE Newsletter", confirmation.getSubject());
    assertEquals(null, confirmation.getHeader("List-Unsubscribe"), "not a list message");
    String link = link(part(confirmation, "text/plain"), "confirm");
    assertEquals("pending", subscriber("Ana.Petrovic@example.org").getString("status"));

    HttpResponse<Buffer> confirmed = get(link);
    assertEquals(200, confirmed.statusCode());
    assertTrue(confirmed.getHeader("content-type").startsWith("text/html"));
    Row row = subscriber("ana.petrovic@example.org");
    assertEquals("confirmed", row.getString("status"));
    assertEquals("sr-Cyrl", row.getString("locale"));
    assertEquals(List.of("harm reduction"), List.of(row.getArrayOfStrings("topics")));
    // The second request came within minutes of the first: no second mail to that inbox.
    Thread.yield();
    assertEquals(1, smtp.getReceivedMessages().length);

    // A confirmed address asking again gets the same answer and no mail.
    assertEquals(first.bodyAsString(), post("/v1/newsletter/subscribe", request).bodyAsString());
    HttpResponse<Buffer> tampered = get(link.replace("token=", "token=x"));
    assertEquals(400, tampered.statusCode());
    assertEquals("application/problem+json", tampered.getHeader("content-type"));
    assertEquals(
        "https://herald.dev/problems/invalid-token", tampered.bodyAsJsonObject().getString("type"));
  }

  @Test
  @DisplayName("a bad address, locale or topic is a 422 problem and stores nothing")
  void badSubscription() throws Exception {
    HttpResponse<Buffer> r =
        post(
            "/v1/newsletter/subscribe",
            new JsonObject()
                .put("email", "not an address")
                .put("locale", "xx")
                .put("topics", new JsonArray().add("<b>")));
    assertEquals(422, r.statusCode());
    assertEquals("application/problem+json", r.getHeader("content-type"));
    JsonObject problem = r.bodyAsJsonObject();
    assertEquals(422, problem.getInteger("status"));
    assertEquals(
        List.of("email", "locale", "topics"),
        problem.getJsonArray("errors").stream()
            .map(e -> ((JsonObject) e).getString("field"))
            .toList());
    assertEquals(0L, count("SELECT count(*) FROM publisher.newsletter_subscriber"));
    assertEquals(400, postRaw("/v1/newsletter/subscribe", "{nope").statusCode());
    assertEquals(0, smtp.getReceivedMessages().length);
  }

  // --- issues -------------------------------------------------------------------------------

  @Test
  @DisplayName(
      "an issue collects the channel's entries; editors reorder, preview, test and send it with list headers")
  void issueLifecycle() throws Exception {
    List<ContentPublished> seed = SeedIssue.entries();
    for (ContentPublished e : seed.subList(0, 4)) {
      module.channel().publish(e);
    }
    module.channel().publish(seed.get(0)); // a replay changes nothing
    UUID ana = confirmed("ana@example.org", "en", List.of());
    UUID milos = confirmed("milos@example.rs", "ru", List.of("webinar"));
    UUID zora = confirmed("zora@example.org", "en", List.of("nothing-matches"));
    confirmed("gone@example.org", "en", List.of());
    sql(
        "UPDATE publisher.newsletter_subscriber SET status = 'unsubscribed' WHERE email = 'gone@example.org'");

    HttpResponse<Buffer> created =
        post(
            "/v1/manage/newsletter/issues",
            new JsonObject().put("subject", "DPNSEE Newsletter – January 2026"));
    assertEquals(201, created.statusCode(), created.bodyAsString());
    JsonObject issue = created.bodyAsJsonObject();
    String id = issue.getString("id");
    assertEquals("/v1/manage/newsletter/issues/" + id, created.getHeader("location"));
    assertEquals("draft", issue.getString("status"));
    List<String> items =
        issue.getJsonArray("items").stream()
            .map(i -> ((JsonObject) i).getString("entryId"))
            .toList();
    assertEquals(seed.subList(0, 4).stream().map(e -> e.entryId().toString()).toList(), items);

    // Reorder and drop one: the webinar (first) goes last, the statement goes.
    List<String> edited = List.of(items.get(2), items.get(3), items.get(0));
    HttpResponse<Buffer> put =
        put(
            "/v1/manage/newsletter/issues/" + id,
            new JsonObject().put("items", new JsonArray(new ArrayList<>(edited))));
    assertEquals(200, put.statusCode(), put.bodyAsString());
    assertEquals(
        edited,
        put.bodyAsJsonObject().getJsonArray("items").stream()
            .map(i -> ((JsonObject) i).getString("entryId"))
            .toList());
    HttpResponse<Buffer> unknown =
        put(
            "/v1/manage/newsletter/issues/" + id,
            new JsonObject().put("items", new JsonArray().add(UUID.randomUUID().toString())));
    assertEquals(422, unknown.statusCode());

    HttpResponse<Buffer> preview = get("/v1/manage/newsletter/issues/" + id + "/preview?locale=en");
    assertEquals(200, preview.statusCode());
    String html = preview.bodyAsString();
    assertTrue(
        html.indexOf(seed.get(2).title("en")) < html.indexOf(seed.get(0).title("en")),
        "in the edited order");
    assertFalse(html.contains(seed.get(1).title("en")), "the dropped item is gone");
    assertTrue(preview.getHeader("content-security-policy").startsWith("default-src 'none'"));

    assertEquals(
        202,
        post(
                "/v1/manage/newsletter/issues/" + id + "/test",
                new JsonObject().put("email", "editor@example.org"))
            .statusCode());
    assertTrue(smtp.waitForIncomingEmail(WAIT.toMillis(), 1));
    assertEquals(
        "[Test] DPNSEE Newsletter – January 2026", smtp.getReceivedMessages()[0].getSubject());

    HttpResponse<Buffer> send =
        post("/v1/manage/newsletter/issues/" + id + "/send", new JsonObject());
    assertEquals(202, send.statusCode(), send.bodyAsString());
    await()
        .atMost(WAIT)
        .until(
            () ->
                "sent"
                    .equals(
                        get("/v1/manage/newsletter/issues/" + id)
                            .bodyAsJsonObject()
                            .getString("status")));
    JsonObject done = get("/v1/manage/newsletter/issues/" + id).bodyAsJsonObject();
    assertEquals(
        new JsonObject()
            .put("pending", 0)
            .put("sending", 0)
            .put("sent", 2)
            .put("failed", 0)
            .put("skipped", 1),
        done.getJsonObject("recipients"));
    assertEquals(
        409, post("/v1/manage/newsletter/issues/" + id + "/send", new JsonObject()).statusCode());

    // Two issues went out (and the test): to Ana all three items in English, to Miloš the webinar
    // in Russian.
    Map<String, MimeMessage> byRecipient = new HashMap<>();
    for (MimeMessage m : smtp.getReceivedMessages()) {
      if (!m.getSubject().startsWith("[Test]")) {
        byRecipient.put(m.getRecipients(Message.RecipientType.TO)[0].toString(), m);
      }
    }
    assertEquals(Set.of("ana@example.org", "milos@example.rs"), byRecipient.keySet());
    MimeMessage toAna = byRecipient.get("ana@example.org");
    assertEquals("DPNSEE Newsletter – January 2026", toAna.getSubject());
    assertEquals("<" + id + "." + ana + "@herald.localhost>", toAna.getHeader("Message-ID")[0]);
    assertEquals("List-Unsubscribe=One-Click", toAna.getHeader("List-Unsubscribe-Post")[0]);
    String unsubscribe = toAna.getHeader("List-Unsubscribe")[0];
    assertTrue(
        unsubscribe.startsWith("<" + PUBLIC + "/v1/newsletter/unsubscribe?token="), unsubscribe);
    String anaHtml = part(toAna, "text/html");
    String anaText = part(toAna, "text/plain");
    for (int i : new int[] {0, 2, 3}) {
      assertTrue(
          anaText.contains("== " + seed.get(i).title("en") + " =="), seed.get(i).title("en"));
    }
    assertTrue(
        anaHtml.contains("https://us02web.zoom.us") || anaHtml.contains(SITE + "/en/event/"));
    assertTrue(
        anaHtml.contains(unsubscribe.substring(1, unsubscribe.length() - 1).replace("&", "&amp;")));
    MimeMessage toMilos = byRecipient.get("milos@example.rs");
    assertEquals("<" + id + "." + milos + "@herald.localhost>", toMilos.getHeader("Message-ID")[0]);
    String milosText = part(toMilos, "text/plain");
    assertTrue(milosText.contains(seed.get(0).title("en")), "the webinar (tagged webinar)");
    assertFalse(milosText.contains(seed.get(2).title("en")), "not tagged webinar");
    assertEquals("skipped", recipient(id, zora).getString("status"));
    assertEquals("sent", recipient(id, ana).getString("status"));
    assertEquals(
        seed.get(0).entryId().toString(),
        get("/v1/manage/newsletter/entries?all=true")
            .bodyAsJsonObject()
            .getJsonArray("entries")
            .getJsonObject(0)
            .getString("entryId"));
    assertTrue(
        get("/v1/manage/newsletter/entries").bodyAsJsonObject().getJsonArray("entries").stream()
            .map(e -> ((JsonObject) e).getString("entryId"))
            .toList()
            .equals(List.of(seed.get(1).entryId().toString())),
        "only the dropped item is still pending");

    // RFC 8058 one-click: a POST to the header's URL; a GET only shows a button.
    String path =
        URI.create(unsubscribe.substring(1, unsubscribe.length() - 1)).getRawPath()
            + "?"
            + URI.create(unsubscribe.substring(1, unsubscribe.length() - 1)).getRawQuery();
    HttpResponse<Buffer> page = get(path);
    assertEquals(200, page.statusCode());
    assertTrue(page.bodyAsString().contains("<form method=\"post\""));
    assertEquals("confirmed", subscriber("ana@example.org").getString("status"));
    HttpResponse<Buffer> oneClick =
        web.post(server.actualPort(), "127.0.0.1", path)
            .putHeader("content-type", "application/x-www-form-urlencoded")
            .sendBuffer(Buffer.buffer("List-Unsubscribe=One-Click"))
            .await(10, TimeUnit.SECONDS);
    assertEquals(200, oneClick.statusCode());
    assertEquals("unsubscribed", subscriber("ana@example.org").getString("status"));
  }

  @Test
  @DisplayName("after a crash mid-issue, the resumed sending reaches everyone exactly once")
  void resumeAfterCrash() throws Exception {
    for (ContentPublished e : SeedIssue.entries().subList(0, 2)) {
      module.channel().publish(e);
    }
    for (int i = 0; i < 25; i++) {
      confirmed("reader" + i + "@example.org", "en", List.of());
    }
    AtomicInteger calls = new AtomicInteger();
    NewsletterModule crashing =
        module(
            Map.of(),
            new IssueSender.Hooks() {
              @Override
              public void beforeSend(UUID subscriberId) {
                if (calls.incrementAndGet() == 10) {
                  throw new IllegalStateException("simulated crash");
                }
              }
            });
    Issue issue = crashing.issues().create("Crash test").await(10, TimeUnit.SECONDS);
    assertTrue(crashing.issues().start(issue.id()).await(10, TimeUnit.SECONDS));
    assertThrows(IllegalStateException.class, () -> crashing.sendNow(issue.id()));
    await()
        .atMost(WAIT)
        .until(
            () ->
                count("SELECT count(*) FROM publisher.newsletter_recipient WHERE status = 'sent'")
                    == 9);
    assertEquals(9, smtp.getReceivedMessages().length);
    assertEquals(
        1L,
        count("SELECT count(*) FROM publisher.newsletter_recipient WHERE status = 'sending'"),
        "the one the crash interrupted");
    crashing.close().await(30, TimeUnit.SECONDS);

    // A fresh process: the scheduler finds the issue still sending and resumes it.
    NewsletterModule restarted = module(Map.of(), IssueSender.Hooks.NONE);
    restarted.start().await(10, TimeUnit.SECONDS);
    await()
        .atMost(WAIT)
        .until(
            () ->
                count("SELECT count(*) FROM publisher.newsletter_issue WHERE status = 'sent'")
                    == 1);
    restarted.close().await(30, TimeUnit.SECONDS);

    MimeMessage[] all = smtp.getReceivedMessages();
    assertEquals(25, all.length);
    Set<String> recipients = new HashSet<>();
    Set<String> messageIds = new HashSet<>();
    for (MimeMessage m : all) {
      recipients.add(m.getRecipients(Message.RecipientType.TO)[0].toString());
      messageIds.add(m.getHeader("Message-ID")[0]);
    }
    assertEquals(25, recipients.size(), "no one twice");
    assertEquals(25, messageIds.size());
    assertEquals(
        25L, count("SELECT count(*) FROM publisher.newsletter_recipient WHERE status = 'sent'"));
  }

  @Test
  @DisplayName(
      "a message the server took but whose answer was lost is sent again with the same Message-ID")
  void answerLostAfterData() throws Exception {
    for (ContentPublished e : SeedIssue.entries().subList(0, 1)) {
      module.channel().publish(e);
    }
    UUID reader = confirmed("lost@example.org", "en", List.of());
    try (AnswerLosingSmtp lossy = new AnswerLosingSmtp()) {
      module.close().await(30, TimeUnit.SECONDS);
      module =
          module(
              Map.of("HERALD_SMTP_PORT", Integer.toString(lossy.port())), IssueSender.Hooks.NONE);
      Issue issue = module.issues().create("Lost answer").await(10, TimeUnit.SECONDS);
      assertTrue(module.issues().start(issue.id()).await(10, TimeUnit.SECONDS));
      module.sendNow(issue.id());
      Row row = recipient(issue.id().toString(), reader);
      assertEquals("sent", row.getString("status"));
      assertEquals(2, row.getInteger("attempts"), "the first try's answer was lost");
      // The promise: at least once. The server kept both copies; they carry one Message-ID, by
      // which mail stores drop the second.
      List<String> got = lossy.messages();
      assertEquals(2, got.size());
      Set<String> ids = new HashSet<>();
      for (String m : got) {
        Matcher id = Pattern.compile("(?im)^Message-ID: *(<[^>]+>)").matcher(m);
        assertTrue(id.find(), m);
        ids.add(id.group(1));
      }
      assertEquals(Set.of(row.getString("message_id")), ids);
    }
  }

  /**
   * An SMTP server that reads the first message whole and then drops the connection without
   * answering: the message is in its hands, but the sender never hears so. Later ones it takes.
   */
  static final class AnswerLosingSmtp implements AutoCloseable {
    private final java.net.ServerSocket socket =
        new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
    private final List<String> messages = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Thread acceptor = new Thread(this::serve, "answer-losing-smtp");

    AnswerLosingSmtp() throws java.io.IOException {
      acceptor.setDaemon(true);
      acceptor.start();
    }

    int port() {
      return socket.getLocalPort();
    }

    List<String> messages() {
      return List.copyOf(messages);
    }

    private void serve() {
      while (!socket.isClosed()) {
        try {
          java.net.Socket c = socket.accept();
          Thread t = new Thread(() -> session(c), "answer-losing-smtp-session");
          t.setDaemon(true);
          t.start();
        } catch (java.io.IOException e) {
          return;
        }
      }
    }

    private void session(java.net.Socket c) {
      try (c;
          var in =
              new java.io.BufferedReader(
                  new java.io.InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8));
          var out = new java.io.PrintWriter(c.getOutputStream(), true, StandardCharsets.UTF_8)) {
        out.print("220 lossy.test ESMTP\r\n");
        out.flush();
        String line;
        while ((line = in.readLine()) != null) {
          String command = line.toUpperCase(java.util.Locale.ROOT);
          if (command.startsWith("DATA")) {
            out.print("354 end with <CRLF>.<CRLF>\r\n");
            out.flush();
            StringBuilder message = new StringBuilder();
            while ((line = in.readLine()) != null && !line.equals(".")) {
              message.append(line).append("\n");
            }
            messages.add(message.toString());
            if (messages.size() == 1) {
              return; // taken, and the answer lost: the connection just ends
            }
            out.print("250 2.0.0 queued\r\n");
          } else if (command.startsWith("QUIT")) {
            out.print("221 bye\r\n");
            out.flush();
            return;
          } else if (command.startsWith("EHLO") || command.startsWith("HELO")) {
            out.print("250 lossy.test\r\n");
          } else {
            out.print("250 OK\r\n");
          }
          out.flush();
        }
      } catch (java.io.IOException e) {
        // the client went away
      }
    }

    @Override
    public void close() throws java.io.IOException {
      socket.close();
    }
  }

  @Test
  @DisplayName("an issue scheduled for a time is sent by the scheduler once due")
  void scheduledIssue() throws Exception {
    module.channel().publish(SeedIssue.entries().get(0));
    confirmed("ana@example.org", "en", List.of());
    module.start().await(10, TimeUnit.SECONDS);
    String id =
        post("/v1/manage/newsletter/issues", new JsonObject()).bodyAsJsonObject().getString("id");
    HttpResponse<Buffer> r =
        post(
            "/v1/manage/newsletter/issues/" + id + "/send",
            new JsonObject().put("at", Instant.now().plusSeconds(2).toString()));
    assertEquals(202, r.statusCode());
    assertEquals("scheduled", r.bodyAsJsonObject().getString("status"));
    assertEquals(0, smtp.getReceivedMessages().length);
    assertTrue(smtp.waitForIncomingEmail(WAIT.toMillis(), 1));
    await()
        .atMost(WAIT)
        .until(
            () ->
                "sent"
                    .equals(
                        get("/v1/manage/newsletter/issues/" + id)
                            .bodyAsJsonObject()
                            .getString("status")));
  }

  @Test
  @DisplayName("unpublishing takes the entry out of the pool and of the draft issue")
  void unpublishLeavesThePool() throws Exception {
    ContentPublished e = SeedIssue.entries().get(0);
    module.channel().publish(e);
    String id =
        post("/v1/manage/newsletter/issues", new JsonObject()).bodyAsJsonObject().getString("id");
    module
        .channel()
        .unpublish(
            new ContentUnpublished(
                e.entryId(),
                2,
                e.contentType(),
                e.slug(),
                e.locales(),
                e.channels(),
                Instant.now()));
    assertEquals(
        0,
        get("/v1/manage/newsletter/issues/" + id).bodyAsJsonObject().getJsonArray("items").size());
    assertEquals(
        0,
        get("/v1/manage/newsletter/entries?all=true")
            .bodyAsJsonObject()
            .getJsonArray("entries")
            .size());
  }

  @Test
  @DisplayName("errors of the editors' endpoints are problems; public stays public")
  void problems() throws Exception {
    HttpResponse<Buffer> missing = get("/v1/manage/newsletter/issues/" + UUID.randomUUID());
    assertEquals(404, missing.statusCode());
    assertEquals("application/problem+json", missing.getHeader("content-type"));
    assertEquals(404, missing.bodyAsJsonObject().getInteger("status"));
    assertEquals(
        202,
        post("/v1/newsletter/subscribe", new JsonObject().put("email", "a@example.org"))
            .statusCode());
  }

  @Test
  @DisplayName(
      "editors find subscribers by part of the address, page through them, export them as CSV"
          + " and unsubscribe one")
  void subscribersForEditors() throws Exception {
    UUID ana = confirmed("ana.petrovic@example.org", "sr-Cyrl", List.of("harm reduction"));
    confirmed("marko_100%@example.org", "en", List.of());
    confirmed("=cmd()@example.org", "en", List.of());
    for (int i = 0; i < 3; i++) {
      confirmed("reader" + i + "@example.net", "en", List.of());
    }
    HttpResponse<Buffer> found = get("/v1/manage/newsletter/subscribers/search?q=PETROVIC");
    assertEquals(200, found.statusCode(), found.bodyAsString());
    JsonArray items = found.bodyAsJsonObject().getJsonArray("items");
    assertEquals(1, items.size());
    assertEquals("ana.petrovic@example.org", items.getJsonObject(0).getString("email"));
    assertEquals("confirmed", items.getJsonObject(0).getString("status"));
    // LIKE's wildcards are taken literally: "_1" and "%" match only Marko's address.
    assertEquals(
        List.of("marko_100%@example.org"),
        emails(get("/v1/manage/newsletter/subscribers/search?q=_100%25")));
    // Pages of two, in address order, until there is no next cursor.
    List<String> all = new java.util.ArrayList<>();
    String cursor = null;
    do {
      JsonObject page =
          get("/v1/manage/newsletter/subscribers/search?limit=2"
                  + (cursor == null ? "" : "&cursor=" + cursor))
              .bodyAsJsonObject();
      page.getJsonArray("items").forEach(o -> all.add(((JsonObject) o).getString("email")));
      cursor = page.getString("nextCursor");
    } while (cursor != null);
    assertEquals(6, all.size());
    assertEquals(all.stream().sorted().toList(), all);
    assertEquals(400, get("/v1/manage/newsletter/subscribers/search?cursor=nonsense").statusCode());
    assertEquals(400, get("/v1/manage/newsletter/subscribers/search?status=gone").statusCode());

    HttpResponse<Buffer> csv = get("/v1/manage/newsletter/subscribers/export");
    assertEquals(200, csv.statusCode());
    assertTrue(csv.getHeader("content-type").startsWith("text/csv"));
    assertTrue(csv.getHeader("content-disposition").startsWith("attachment"));
    String[] lines = csv.bodyAsString().split("\r\n");
    assertEquals("email,locale,topics,status,created_at,confirmed_at,unsubscribed_at", lines[0]);
    assertEquals(7, lines.length);
    // A cell a spreadsheet would run as a formula is defused.
    assertTrue(csv.bodyAsString().contains("\r\n'=cmd()@example.org,en,,confirmed,"));
    assertTrue(
        csv.bodyAsString().contains("ana.petrovic@example.org,sr-Cyrl,harm reduction,confirmed"));

    HttpResponse<Buffer> gone =
        post("/v1/manage/newsletter/subscribers/" + ana + "/unsubscribe", new JsonObject());
    assertEquals(200, gone.statusCode(), gone.bodyAsString());
    assertEquals("unsubscribed", gone.bodyAsJsonObject().getString("status"));
    assertEquals("unsubscribed", subscriber("ana.petrovic@example.org").getString("status"));
    assertEquals(
        404,
        post("/v1/manage/newsletter/subscribers/" + UUID.randomUUID() + "/unsubscribe", null)
            .statusCode());
    assertEquals(
        List.of("ana.petrovic@example.org"),
        emails(get("/v1/manage/newsletter/subscribers/search?status=unsubscribed")));
  }

  @Test
  @DisplayName("an entry not yet published is previewed as the item the next issue would show")
  void itemPreview() throws Exception {
    ContentPublished webinar = SeedIssue.entries().get(1);
    HttpResponse<Buffer> r =
        web.post(server.actualPort(), "127.0.0.1", "/v1/preview/newsletter?locale=en")
            .sendBuffer(Buffer.buffer(herald.events.ContentEventCodec.data(webinar)))
            .await(10, TimeUnit.SECONDS);
    assertEquals(200, r.statusCode(), r.bodyAsString());
    assertTrue(r.getHeader("content-type").startsWith("text/html"));
    assertTrue(r.getHeader("content-security-policy").contains("default-src 'none'"));
    String html = r.bodyAsString();
    assertTrue(html.contains(IssueRenderer.escape(webinar.title("en"))), html);
    assertTrue(html.contains("DPNSEE Newsletter</td>"), "no issue number before it has one");
    // Nothing was stored: the pool is as empty as before.
    assertEquals(0L, count("SELECT count(*) FROM publisher.newsletter_entry"));
    HttpResponse<Buffer> bad =
        web.post(server.actualPort(), "127.0.0.1", "/v1/preview/newsletter?locale=xx")
            .sendBuffer(Buffer.buffer(herald.events.ContentEventCodec.data(webinar)))
            .await(10, TimeUnit.SECONDS);
    assertEquals(422, bad.statusCode());
    assertEquals("application/problem+json", bad.getHeader("content-type"));
  }

  static List<String> emails(HttpResponse<Buffer> r) {
    return r.bodyAsJsonObject().getJsonArray("items").stream()
        .map(o -> ((JsonObject) o).getString("email"))
        .toList();
  }

  @Test
  @DisplayName("the module closes even when its SMTP connections failed")
  void closesAfterSmtpFailure() throws Exception {
    module.close().await(30, TimeUnit.SECONDS);
    int nobody;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      nobody = s.getLocalPort();
    }
    module = module(Map.of("HERALD_SMTP_PORT", Integer.toString(nobody)), IssueSender.Hooks.NONE);
    // Each confirmation is sent at once, and fails: nobody listens there.
    for (int i = 0; i < 3; i++) {
      post("/v1/newsletter/subscribe", new JsonObject().put("email", "c" + i + "@example.org"));
    }
    // tearDown() closes the module: it must not fail.
  }

  // --- helpers ------------------------------------------------------------------------------

  UUID confirmed(String email, String locale, List<String> topics) throws Exception {
    UUID id = UUID.randomUUID();
    pool.preparedQuery(
            "INSERT INTO publisher.newsletter_subscriber (id, email, locale, topics, status, confirmed_at)"
                + " VALUES ($1, $2, $3, $4, 'confirmed', now())")
        .execute(Tuple.of(id, email, locale, topics.toArray(new String[0])))
        .await(10, TimeUnit.SECONDS);
    return id;
  }

  Row subscriber(String email) throws Exception {
    return pool.preparedQuery(
            "SELECT * FROM publisher.newsletter_subscriber WHERE lower(email) = lower($1)")
        .execute(Tuple.of(email))
        .await(10, TimeUnit.SECONDS)
        .iterator()
        .next();
  }

  Row recipient(String issue, UUID subscriber) throws Exception {
    return pool.preparedQuery(
            "SELECT * FROM publisher.newsletter_recipient WHERE issue_id = $1 AND subscriber_id = $2")
        .execute(Tuple.of(UUID.fromString(issue), subscriber))
        .await(10, TimeUnit.SECONDS)
        .iterator()
        .next();
  }

  static long count(String sql) throws Exception {
    return pool.query(sql).execute().await(10, TimeUnit.SECONDS).iterator().next().getLong(0);
  }

  static void sql(String sql) throws Exception {
    pool.query(sql).execute().await(10, TimeUnit.SECONDS);
  }

  HttpResponse<Buffer> get(String path) throws Exception {
    return web.get(server.actualPort(), "127.0.0.1", path).send().await(10, TimeUnit.SECONDS);
  }

  HttpResponse<Buffer> post(String path, JsonObject body) throws Exception {
    return web.post(server.actualPort(), "127.0.0.1", path)
        .sendJsonObject(body)
        .await(10, TimeUnit.SECONDS);
  }

  HttpResponse<Buffer> postRaw(String path, String body) throws Exception {
    return web.post(server.actualPort(), "127.0.0.1", path)
        .putHeader("content-type", "application/json")
        .sendBuffer(Buffer.buffer(body))
        .await(10, TimeUnit.SECONDS);
  }

  HttpResponse<Buffer> put(String path, JsonObject body) throws Exception {
    return web.put(server.actualPort(), "127.0.0.1", path)
        .sendJsonObject(body)
        .await(10, TimeUnit.SECONDS);
  }

  static String link(String text, String kind) {
    Matcher m = LINK.matcher(text);
    while (m.find()) {
      if (m.group(1).startsWith("/v1/newsletter/" + kind)) {
        return m.group(1);
      }
    }
    throw new AssertionError("no " + kind + " link in " + text);
  }

  static String part(MimeMessage m, String type) throws Exception {
    Object content = m.getContent();
    if (content instanceof String s) {
      return s;
    }
    MimeMultipart mp = (MimeMultipart) content;
    for (int i = 0; i < mp.getCount(); i++) {
      BodyPart p = mp.getBodyPart(i);
      if (p.isMimeType(type)) {
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      }
      if (p.getContent() instanceof MimeMultipart inner) {
        for (int j = 0; j < inner.getCount(); j++) {
          if (inner.getBodyPart(j).isMimeType(type)) {
            return new String(
                inner.getBodyPart(j).getInputStream().readAllBytes(), StandardCharsets.UTF_8);
          }
        }
      }
    }
    throw new AssertionError("no " + type + " part");
  }
}
