package herald.faults;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Waits for the backlogs to drain after a fault (the load paused): the api's outbox sent, every
 * consumer at the end of its topic, the publisher's deliveries done and relayed to the api, the
 * search caught up; then sends a newsletter issue of the pool and waits until it went out.
 */
public final class Drain {
  /** What must come to zero, and how to count it in PostgreSQL. */
  public static final Map<String, String> QUEUES = new LinkedHashMap<>();

  static {
    QUEUES.put("api outbox unsent", "select count(*) from outbox where sent_at is null");
    QUEUES.put(
        "deliveries waiting",
        "select count(*) from publisher.delivery"
            + " where status in ('pending', 'sending', 'retry_scheduled')");
    // A dead delivery of a version that a newer one replaced on its target is history, not work.
    QUEUES.put(
        "deliveries dead",
        "select count(*) from publisher.delivery d where status = 'dead' and not exists (select 1"
            + " from publisher.delivery n where n.entry_id = d.entry_id and n.channel = d.channel"
            + " and n.target = d.target and n.version > d.version)");
    QUEUES.put("status events unrelayed", "select count(*) from publisher.status_outbox");
    QUEUES.put(
        "api delivery log behind",
        "select count(*) from publisher.delivery d left join deliveries a"
            + " on a.delivery_id = d.delivery_id where a.state is distinct from d.status");
    QUEUES.put(
        "newsletter issues unsent",
        "select count(*) from publisher.newsletter_issue where status in ('scheduled', 'sending')");
  }

  private static final Duration CEILING = Duration.ofMinutes(4);
  private static final Duration POLL = Duration.ofMillis(300);

  private Drain() {}

  /**
   * Waits until every queue is empty and the search finds every published entry; empty when that
   * happened within the ceiling, else what did not drain.
   */
  public static Optional<String> await(Stack stack) throws InterruptedException {
    return await(stack, CEILING);
  }

  /** As {@link #await(Stack)}, with a ceiling of the caller's. */
  public static Optional<String> await(Stack stack, Duration ceiling) throws InterruptedException {
    long deadline = System.nanoTime() + ceiling.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      try {
        last = firstNotDrained(stack);
        if (last.isEmpty()) {
          return Optional.empty();
        }
      } catch (Exception e) {
        last = e.toString();
      }
      Thread.sleep(POLL);
    }
    return Optional.of(last);
  }

  private static String firstNotDrained(Stack stack) throws Exception {
    for (Map.Entry<String, String> q : QUEUES.entrySet()) {
      long n = Oracle.count(stack, q.getValue());
      if (n != 0 && !q.getKey().equals("deliveries dead")) {
        return q.getKey() + ": " + n;
      }
    }
    for (ServiceProcess service : stack.services()) {
      String lagging = lagging(stack, service);
      if (!lagging.isEmpty()) {
        return lagging;
      }
    }
    long published =
        Oracle.count(
            stack,
            "select count(*) from entries where type_id = '"
                + EditorLoad.TYPE
                + "' and status = 'published'");
    Optional<HttpResponse<String>> r =
        stack.get(
            stack.api.url()
                + "/v1/search?q="
                + EditorLoad.TOKEN
                + "&type="
                + EditorLoad.TYPE
                + "&limit=1");
    if (r.isEmpty() || r.get().statusCode() != 200) {
      return "search answers " + r.map(HttpResponse::statusCode).orElse(-1);
    }
    long found = new JsonObject(r.get().body()).getLong("total");
    if (found != published) {
      return "search finds " + found + " of " + published;
    }
    return "";
  }

  /** The service's consumers that have records to read yet (its {@code /metrics}), or "". */
  public static String lagging(Stack stack, ServiceProcess service) {
    Optional<HttpResponse<String>> r = stack.get(service.url() + "/metrics");
    if (r.isEmpty() || r.get().statusCode() != 200) {
      return service.name() + " metrics answer " + r.map(HttpResponse::statusCode).orElse(-1);
    }
    StringBuilder out = new StringBuilder();
    for (String line : r.get().body().split("\n")) {
      if (line.startsWith("herald_consumer_lag{")) {
        double lag = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        if (lag != 0) {
          out.append(line).append(' ');
        }
      }
    }
    return out.toString().strip();
  }

  /**
   * Makes an issue of the newsletter's pool and sends it; empty when it went out (or the pool was
   * empty), else what went wrong.
   */
  public static Optional<String> sendIssue(Stack stack, String subject) throws Exception {
    if (Oracle.count(stack, "select count(*) from publisher.newsletter_entry where sent_in is null")
        == 0) {
      return Optional.empty();
    }
    String id;
    try {
      id = startIssue(stack, subject);
    } catch (IllegalStateException e) {
      return Optional.of(e.getMessage());
    }
    long deadline = System.nanoTime() + CEILING.toNanos();
    while (System.nanoTime() < deadline) {
      long unsent =
          Oracle.count(
              stack,
              "select count(*) from publisher.newsletter_issue where status <> 'sent' and id = '"
                  + java.util.UUID.fromString(id)
                  + "'");
      if (unsent == 0) {
        return Optional.empty();
      }
      Thread.sleep(POLL);
    }
    return Optional.of("issue " + id + " not sent within " + CEILING);
  }

  /** Makes an issue of the newsletter's pool and has it sent; returns its id at once. */
  public static String startIssue(Stack stack, String subject) {
    HttpResponse<String> issue =
        stack.call(
            "POST",
            "/v1/manage/newsletter/issues",
            new JsonObject().put("subject", subject).encode());
    if (issue == null || issue.statusCode() != 201) {
      throw new IllegalStateException(
          "making an issue answered " + (issue == null ? "nothing" : issue.statusCode()));
    }
    String id = new JsonObject(issue.body()).getString("id");
    HttpResponse<String> send =
        stack.call("POST", "/v1/manage/newsletter/issues/" + id + "/send", "{}");
    if (send == null || send.statusCode() != 202) {
      throw new IllegalStateException(
          "sending the issue answered "
              + (send == null ? "nothing" : send.statusCode() + " " + send.body()));
    }
    return id;
  }
}
