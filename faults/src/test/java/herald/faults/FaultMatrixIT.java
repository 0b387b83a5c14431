package herald.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import herald.publisher.channel.social.FakeNetworks;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fault matrix (RELIABILITY.md): Herald's services as separate processes under a steady, seeded
 * load of publishes, updates and unpublishes to every channel; each fault injected in turn on the
 * one running stack, healed, and then — the load paused and the backlogs drained — every invariant
 * checked for every entry of the run so far, with PostgreSQL as the oracle and the channels' own
 * servers counting what arrived. Prints the table and keeps it in {@code
 * target/fault-matrix/table.md}.
 *
 * <p>{@code -Dfaults.seed=N} replays another seed; {@code -Dfaults.only=name,…} runs some faults
 * (by the start of their names).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("the fault matrix")
class FaultMatrixIT {
  private static final Logger LOG = LoggerFactory.getLogger(FaultMatrixIT.class);
  private static final long SEED = Long.getLong("faults.seed", 14L);

  /** What readiness must take at most after a fault healed (the issue's promise). */
  private static final Duration READY_AFTER_HEAL = Duration.ofSeconds(30);

  /** How long the outages of the matrix last (the issue's 30 s). */
  private static final Duration OUTAGE = Duration.ofSeconds(30);

  /** A ceiling for things that take seconds, on a machine that may be very busy. */
  private static final Duration CEILING = Duration.ofMinutes(3);

  private static final List<String> SUBSCRIBERS =
      List.of("ana@example.org", "marko@example.org", "jelena@example.org");

  private final Path dir = Path.of("target", "fault-matrix").toAbsolutePath();
  private Stack stack;
  private EditorLoad load;
  private ReadinessWatch readiness;
  private Invariants invariants;
  private MatrixTable table;
  private long started;

  /** A fault: its name, how it is injected, and which services' readiness it must take down. */
  private record Fault(
      String name,
      String how,
      Set<String> down,
      Set<String> stayUp,
      boolean killsProcess,
      Injection injection) {}

  @FunctionalInterface
  private interface Injection {
    Hit inject() throws Exception;
  }

  /** When a fault began and healed, what shows it hit what it aimed at, and a check for after. */
  private record Hit(long injectedAt, long healedAt, String evidence, Check afterDrain) {
    Hit(long injectedAt, long healedAt, String evidence) {
      this(injectedAt, healedAt, evidence, List::of);
    }
  }

  @FunctionalInterface
  private interface Check {
    List<String> run() throws Exception;
  }

  @BeforeAll
  void start() throws Exception {
    started = System.nanoTime();
    deleteTree(dir);
    stack = new Stack(dir);
    stack.services().forEach(ServiceProcess::start);
    Map<String, String> urls = new LinkedHashMap<>();
    stack.services().forEach(s -> urls.put(s.name(), s.url()));
    readiness = new ReadinessWatch(urls);
    long t = System.nanoTime();
    awaitTrue("the services ready", CEILING, () -> readiness.allReadyAfter(t));
    LOG.info("stack ready in {}", seconds(System.nanoTime() - started));
    HttpResponse<String> type =
        stack.call("POST", "/v1/manage/types", EditorLoad.TYPE_JSON, Duration.ofSeconds(60));
    assertEquals(201, type.statusCode(), type.body());
    stack.subscribe(SUBSCRIBERS, CEILING);
    load = new EditorLoad(stack, SEED, Duration.ofMillis(250));
    invariants = new Invariants(stack, load);
    table = new MatrixTable(SEED);
  }

  @AfterAll
  void stop() throws Exception {
    try {
      if (table != null) {
        String header =
            String.format(
                Locale.ROOT,
                "Fault matrix, %d faults in %s (%d publishes, updates and unpublishes"
                    + " acknowledged, %d calls unanswered during faults):",
                faults().size(),
                seconds(System.nanoTime() - started),
                load.acknowledged(),
                load.unanswered());
        table.write(dir.resolve("table.md"), header);
        System.out.println(table.markdown(header));
      }
    } finally {
      if (load != null) {
        load.close();
      }
      if (readiness != null) {
        readiness.close();
      }
      if (stack != null) {
        stack.close();
      }
    }
  }

  @TestFactory
  Stream<DynamicTest> matrix() {
    String only = System.getProperty("faults.only", "");
    return faults().stream()
        .filter(
            f ->
                only.isBlank()
                    || Stream.of(only.split(",")).anyMatch(o -> f.name().startsWith(o.strip())))
        .map(f -> dynamicTest(f.name(), () -> run(f)));
  }

  private void run(Fault fault) throws Exception {
    LOG.info("fault: {}", fault.name());
    // Steady load first, so that the fault lands on work in flight.
    load.resume();
    int before = load.acknowledged();
    awaitTrue("the load going", CEILING, () -> load.acknowledged() >= before + 4);
    Hit hit = fault.injection().inject();
    long readyAt = -1;
    long deadline = hit.healedAt() + CEILING.toNanos();
    while (System.nanoTime() < deadline) {
      if (readiness.allReadyAfter(hit.healedAt())) {
        readyAt = System.nanoTime();
        break;
      }
      Thread.sleep(100);
    }
    // A little more load on the healed stack, then quiet, so that every backlog can drain.
    int healed = load.acknowledged();
    awaitTrue("the load going again", CEILING, () -> load.acknowledged() >= healed + 4);
    load.pause();
    long drainStart = System.nanoTime();
    List<String> drain = new ArrayList<>();
    Drain.await(stack).ifPresent(d -> drain.add("did not drain: " + d));
    Drain.sendIssue(stack, "After: " + fault.name()).ifPresent(drain::add);
    double drained = (System.nanoTime() - drainStart) / 1e9;

    Map<String, List<String>> found = new LinkedHashMap<>(invariants.check());
    found.merge("drained", drain, (a, b) -> concat(a, b));
    List<String> ready = new ArrayList<>();
    // A killed service is not ready from the kill until its new process is; one that stays up
    // must say so itself (503) while the fault lasts.
    long downUntil = readyAt < 0 ? System.nanoTime() : readyAt;
    for (String service : fault.down()) {
      boolean down =
          fault.killsProcess()
              ? readiness.sawNotReady(service, hit.injectedAt(), downUntil)
              : readiness.saw503(service, hit.injectedAt(), downUntil);
      if (!down) {
        ready.add(service + " never said it was not ready during the fault");
      }
    }
    for (String service : fault.stayUp()) {
      if (readiness.saw503(service, hit.injectedAt(), System.nanoTime())) {
        ready.add(service + " answered 503, though the fault is not its");
      }
    }
    double recover = readyAt < 0 ? Double.NaN : (readyAt - hit.healedAt()) / 1e9;
    if (readyAt < 0 || recover > READY_AFTER_HEAL.toSeconds()) {
      ready.add("not ready within " + READY_AFTER_HEAL.toSeconds() + " s of healing: " + recover);
    }
    found.put("ready", ready);
    found.put("hit", hit.afterDrain().run());
    MatrixTable.Row row =
        new MatrixTable.Row(
            fault.name(), fault.how() + "; " + hit.evidence(), found, recover, drained);
    table.add(row);
    LOG.info(
        "fault {}: {} (ready {} s after healing, drained in {} s) {}",
        fault.name(),
        row.passed() ? "pass" : "FAIL",
        recover,
        drained,
        found);
    if (!row.passed()) {
      throw new AssertionError(fault.name() + ": " + found);
    }
  }

  private List<Fault> faults() {
    Set<String> all = Set.of("api", "indexer", "publisher");
    List<Fault> f = new ArrayList<>();
    f.add(
        new Fault(
            "api killed mid-burst",
            "kill -9 of the api while 20 creates and publishes are in flight; restarted",
            Set.of("api"),
            Set.of("indexer", "publisher"),
            true,
            this::killApiMidBurst));
    f.add(
        new Fault(
            "relay killed between ack and mark",
            "kill -9 of the api while its relay is held (test seam HERALD_TEST_RELAY_HOLD) after"
                + " the broker acknowledged a batch, before the rows are marked sent; restarted",
            Set.of("api"),
            Set.of("indexer", "publisher"),
            true,
            this::killRelayAfterAck));
    f.add(
        new Fault(
            "indexer killed mid-batch",
            "kill -9 of the indexer while it applies the load's events; restarted",
            Set.of("indexer"),
            Set.of("api", "publisher"),
            true,
            this::killIndexer));
    for (String channel : List.of("website", "social", "webhook", "newsletter")) {
      f.add(
          new Fault(
              "publisher killed mid-" + channel,
              switch (channel) {
                case "website" ->
                    "kill -9 of the publisher while a website delivery is 'sending'; restarted";
                case "social" ->
                    "kill -9 of the publisher while Mastodon and Bluesky hold its posts; their"
                        + " effects land after the kill; restarted";
                case "webhook" ->
                    "kill -9 of the publisher while the webhook receiver holds its request; the"
                        + " event lands after the kill; restarted";
                default ->
                    "kill -9 of the publisher mid-SMTP: the server took the message, its 250 held"
                        + " back by the proxy; restarted";
              },
              Set.of("publisher"),
              Set.of("api", "indexer"),
              true,
              () -> killPublisher(channel)));
    }
    f.add(
        new Fault(
            "broker killed",
            "kill -9 of the broker's JVM; its supervisor starts it again",
            all,
            Set.of(),
            false,
            this::killBroker));
    f.add(
        new Fault(
            "broker paused 30 s",
            "SIGSTOP of the broker's JVM for 30 s, then SIGCONT",
            all,
            Set.of(),
            false,
            this::pauseBroker));
    f.add(
        new Fault(
            "PostgreSQL killed",
            "kill -9 of the postmaster (its backends exit); started again on the same data",
            Set.of("api", "publisher"),
            Set.of("indexer"),
            false,
            this::killPostgres));
    f.add(
        new Fault(
            "PostgreSQL and broker cut 30 s",
            "the TCP proxies reset every connection to PostgreSQL and the broker, and each new"
                + " one, for 30 s",
            all,
            Set.of(),
            false,
            () -> cut(TcpProxy.Mode.DROP)));
    f.add(
        new Fault(
            "PostgreSQL and broker stalled 30 s",
            "the TCP proxies forward nothing to or from PostgreSQL and the broker for 30 s"
                + " (connections hang)",
            all,
            Set.of(),
            false,
            () -> cut(TcpProxy.Mode.STALL)));
    f.add(
        new Fault(
            "targets answer 500",
            "Mastodon, Bluesky and the webhook receiver answer 500",
            Set.of(),
            all,
            false,
            () -> troubleTargets(FakeNetworks.Trouble.STATUS, 500, null)));
    f.add(
        new Fault(
            "targets answer 429",
            "Mastodon, Bluesky and the webhook receiver answer 429 with Retry-After: 1",
            Set.of(),
            all,
            false,
            () -> troubleTargets(FakeNetworks.Trouble.STATUS, 429, "1")));
    f.add(
        new Fault(
            "targets answer 410",
            "Mastodon, Bluesky and the webhook receiver answer 410 to posts and edits (deliveries"
                + " dead); healed by an editor's retry through the api",
            Set.of(),
            all,
            false,
            () -> troubleTargets(FakeNetworks.Trouble.STATUS, 410, null)));
    f.add(
        new Fault(
            "targets hang",
            "Mastodon, Bluesky and the webhook receiver never answer",
            Set.of(),
            all,
            false,
            () -> troubleTargets(FakeNetworks.Trouble.HANG, 0, null)));
    f.add(
        new Fault(
            "publisher group replayed from 0",
            "the publisher stopped, its consumer group's offsets reset to 0, started again",
            Set.of("publisher"),
            Set.of("api", "indexer"),
            true,
            this::replayPublisher));
    return f;
  }

  private Hit killApiMidBurst() throws Exception {
    load.pause();
    Thread burst =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    load.burst(20);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                });
    awaitTrue("calls in flight", CEILING, () -> load.inFlight() >= 5);
    int inFlight = load.inFlight();
    long at = System.nanoTime();
    stack.api.kill();
    burst.join();
    stack.api.start();
    long healed = System.nanoTime();
    load.resume();
    return new Hit(at, healed, "calls in flight at the kill: " + inFlight);
  }

  private Hit killRelayAfterAck() throws Exception {
    Path held = stack.relayHold.resolveSibling(stack.relayHold.getFileName() + ".held");
    Files.deleteIfExists(held);
    Files.writeString(stack.relayHold, "armed");
    awaitTrue("the relay held", CEILING, () -> Files.exists(held));
    String seqs = Files.readString(held).replaceAll("[\\[\\] ]", "");
    long at = System.nanoTime();
    stack.api.kill();
    long unmarked =
        Oracle.count(
            stack, "select count(*) from outbox where sent_at is null and seq in (" + seqs + ")");
    int rows = seqs.split(",").length;
    stack.api.start();
    long healed = System.nanoTime();
    return new Hit(
        at,
        healed,
        rows + " rows acknowledged by the broker, " + unmarked + " of them unmarked at the kill",
        () -> {
          List<String> wrong = new ArrayList<>();
          if (unmarked != rows) {
            wrong.add("the kill did not land between ack and mark: " + unmarked + "/" + rows);
          }
          long copies = KafkaLog.copiesOfOutboxEvents(stack, seqs);
          if (copies < 2L * rows) {
            wrong.add("the held events are in the log " + copies + " times, want each twice");
          }
          return wrong;
        });
  }

  private Hit killIndexer() throws Exception {
    long behind = KafkaLog.notCommittedByIndexer(stack);
    long at = System.nanoTime();
    stack.indexer.kill();
    long afterKill = KafkaLog.notCommittedByIndexer(stack);
    stack.indexer.start();
    long healed = System.nanoTime();
    return new Hit(
        at,
        healed,
        "records past the index's last commit at the kill: " + Math.max(behind, afterKill));
  }

  private Hit killPublisher(String channel) throws Exception {
    long t0 = System.currentTimeMillis();
    long at;
    String evidence;
    switch (channel) {
      case "website" -> {
        long[] id = new long[1];
        try (Connection c = stack.oracle();
            java.sql.PreparedStatement q =
                c.prepareStatement(
                    "select id from publisher.delivery where status = 'sending'"
                        + " and channel = 'website' limit 1")) {
          long deadline = System.nanoTime() + CEILING.toNanos();
          while (id[0] == 0) {
            try (ResultSet rs = q.executeQuery()) {
              id[0] = rs.next() ? rs.getLong(1) : 0;
            }
            if (System.nanoTime() > deadline) {
              throw new AssertionError("no website delivery in flight within " + CEILING);
            }
          }
        }
        at = System.nanoTime();
        stack.publisher.kill();
        evidence =
            "delivery "
                + id[0]
                + " still 'sending' after the kill: "
                + (Oracle.count(
                        stack,
                        "select count(*) from publisher.delivery where status = 'sending' and id = "
                            + id[0])
                    == 1);
      }
      case "social", "webhook" -> {
        if (channel.equals("social")) {
          stack.networks.hold("/api/v1/statuses", "/xrpc/com.atproto.repo.createRecord");
        } else {
          stack.networks.hold("/hook");
        }
        awaitTrue("a post held at the target", CEILING, () -> stack.networks.held() > 0);
        at = System.nanoTime();
        stack.publisher.kill();
        evidence = stack.networks.held() + " requests held at the kill, then let through";
        stack.networks.release();
      }
      default -> {
        awaitTrue(
            "entries for the newsletter",
            CEILING,
            () ->
                countQuietly(
                        "select count(*) from publisher.newsletter_entry where sent_in is null")
                    > 0);
        long mailBefore = stack.mail.received();
        stack.smtpProxy.stallRepliesAfter("\r\n.\r\n");
        Drain.startIssue(stack, "Killed mid-SMTP");
        awaitTrue(
            "a message taken by the server, its answer held back",
            CEILING,
            () -> stack.mail.received() > mailBefore);
        at = System.nanoTime();
        stack.publisher.kill();
        evidence =
            (stack.mail.received() - mailBefore)
                + " messages taken by the server whose 250 never reached the publisher";
        stack.smtpProxy.mode(TcpProxy.Mode.PASS);
      }
    }
    stack.publisher.start();
    long healed = System.nanoTime();
    String kind = channel.equals("webhook") ? "social" : channel;
    return new Hit(
        at,
        healed,
        evidence,
        () ->
            channel.equals("newsletter")
                ? (resentMessages() > 0
                    ? List.of()
                    : List.of("no message was sent again after its answer was lost"))
                : Oracle.count(
                            stack,
                            "select count(*) from publisher.delivery_attempt a join"
                                + " publisher.delivery d on d.id = a.delivery_id where d.channel = '"
                                + kind
                                + "' and a.outcome = 'interrupted' and a.started_at >="
                                + " to_timestamp("
                                + t0 / 1000.0
                                + ")")
                        > 0
                    ? List.of()
                    : List.of("no " + kind + " attempt was cut off by the kill"));
  }

  private Hit killBroker() throws Exception {
    int restarts = stack.supervisor.restarts();
    long at = System.nanoTime();
    stack.broker.kill();
    awaitTrue("the broker restarted", CEILING, () -> stack.supervisor.restarts() > restarts);
    long healed = System.nanoTime();
    return new Hit(at, healed, String.format(Locale.ROOT, "down for %s", seconds(healed - at)));
  }

  private Hit pauseBroker() throws Exception {
    long pid = stack.brokerPid();
    long at = System.nanoTime();
    Stack.signal(pid, "STOP");
    try {
      Thread.sleep(OUTAGE);
    } finally {
      Stack.signal(pid, "CONT");
    }
    return new Hit(at, System.nanoTime(), "pid " + pid);
  }

  private Hit killPostgres() throws Exception {
    long at = System.nanoTime();
    stack.killPostgres();
    // Restarted once the services noticed, as a supervisor would after its own checks.
    awaitTrue(
        "the api and the publisher noticing",
        CEILING,
        () ->
            readiness.saw503("api", at, System.nanoTime())
                && readiness.saw503("publisher", at, System.nanoTime()));
    long down = System.nanoTime();
    stack.restartPostgres();
    long healed = System.nanoTime();
    return new Hit(
        at,
        healed,
        "down for " + seconds(healed - at) + " (restart " + seconds(healed - down) + ")");
  }

  private Hit cut(TcpProxy.Mode mode) throws Exception {
    long at = System.nanoTime();
    stack.pgProxy.mode(mode);
    stack.kafkaProxy.mode(mode);
    try {
      Thread.sleep(OUTAGE);
    } finally {
      stack.pgProxy.mode(TcpProxy.Mode.PASS);
      stack.kafkaProxy.mode(TcpProxy.Mode.PASS);
    }
    return new Hit(at, System.nanoTime(), "for " + OUTAGE.toSeconds() + " s");
  }

  private Hit troubleTargets(FakeNetworks.Trouble trouble, int status, String retryAfter)
      throws Exception {
    List<String> paths = List.of("/api/v1/statuses", "/xrpc/com.atproto.repo", "/hook");
    int before = stack.networks.received().size();
    long at = System.nanoTime();
    for (String p : paths) {
      if (status == 410) {
        // Answered to a DELETE, 410 means the post is gone: the client rightly takes it as done.
        stack.networks.troubleUntilCleared(p, Set.of("POST", "PUT"), trouble, status, retryAfter);
      } else {
        stack.networks.troubleUntilCleared(p, trouble, status, retryAfter);
      }
    }
    awaitTrue(
        "requests meeting the trouble",
        CEILING,
        () ->
            stack.networks.received().stream()
                    .skip(before)
                    .filter(r -> paths.stream().anyMatch(p -> r.path().startsWith(p)))
                    .count()
                >= 8);
    long met =
        stack.networks.received().stream()
            .skip(before)
            .filter(r -> paths.stream().anyMatch(p -> r.path().startsWith(p)))
            .count();
    stack.networks.clearTroubles();
    String evidence = met + " requests met it";
    if (status == 410) {
      evidence += "; " + retryDead() + " dead deliveries retried by the editor";
    }
    return new Hit(at, System.nanoTime(), evidence);
  }

  /**
   * What an editor does about deliveries that died (410): once the publisher has settled them and
   * the api knows, retry each through the api.
   */
  private int retryDead() throws Exception {
    awaitTrue(
        "the social deliveries settled",
        CEILING,
        () ->
            countQuietly(
                    "select count(*) from publisher.delivery where channel = 'social' and status in"
                        + " ('pending', 'sending', 'retry_scheduled')")
                == 0);
    awaitTrue(
        "the api knowing of the dead ones",
        CEILING,
        () ->
            countQuietly(
                    "select count(*) from publisher.delivery d left join deliveries a on"
                        + " a.delivery_id = d.delivery_id where d.status = 'dead' and a.state is"
                        + " distinct from 'dead'")
                == 0);
    List<String> dead = new ArrayList<>();
    try (Connection c = stack.oracle();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("select delivery_id::text from deliveries where state = 'dead'")) {
      while (rs.next()) {
        dead.add(rs.getString(1));
      }
    }
    for (String id : dead) {
      HttpResponse<String> r = stack.call("POST", "/v1/manage/deliveries/" + id + "/retry", null);
      if (r == null || r.statusCode() >= 300) {
        LOG.warn(
            "retry of {} answered {}", id, r == null ? "nothing" : r.statusCode() + " " + r.body());
      }
    }
    return dead.size();
  }

  private Hit replayPublisher() throws Exception {
    long at = System.nanoTime();
    stack.publisher.stop();
    long records = KafkaLog.resetToZero(stack, Stack.PUBLISHER_GROUP);
    stack.publisher.start();
    long healed = System.nanoTime();
    return new Hit(at, healed, records + " records read again");
  }

  /** Messages that the mail server received more than once (under one Message-ID). */
  private long resentMessages() throws java.io.IOException {
    Map<String, Integer> copies = new HashMap<>();
    for (MailBox.Message m : new MailBox().messages(stack.mail.messages())) {
      copies.merge(m.messageId(), 1, Integer::sum);
    }
    return copies.values().stream().filter(n -> n > 1).count();
  }

  private long countQuietly(String sql) {
    try {
      return Oracle.count(stack, sql);
    } catch (Exception e) {
      return -1;
    }
  }

  /** Polls {@code condition} every 50 ms until it holds; fails after {@code ceiling}. */
  private static void awaitTrue(String what, Duration ceiling, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + ceiling.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("waited " + ceiling + " for " + what);
      }
      Thread.sleep(50);
    }
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  private static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
  }

  private static void deleteTree(Path root) throws java.io.IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
