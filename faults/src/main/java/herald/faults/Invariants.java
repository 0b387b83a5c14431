package herald.faults;

import herald.publisher.channel.social.FakeNetworks;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The invariants of the fault matrix, checked once the backlogs drained, every entry of the run so
 * far against PostgreSQL as the oracle and against what each channel's server received. Each check
 * returns what it found wrong (empty: it holds).
 */
public final class Invariants {
  /** Names, in the order the table lists them. */
  public static final List<String> NAMES =
      List.of(
          "acked",
          "api",
          "search",
          "website",
          "mastodon",
          "bluesky",
          "webhook",
          "newsletter",
          "order",
          "drained");

  private static final Pattern SLUG = Pattern.compile("/" + EditorLoad.TYPE + "/([a-z0-9-]+)/");
  private static final int SHOWN = 3;

  private final Stack stack;
  private final EditorLoad load;
  private final MailBox mailBox = new MailBox();

  public Invariants(Stack stack, EditorLoad load) {
    this.stack = stack;
    this.load = load;
  }

  /** Every invariant with what violates it. */
  public Map<String, List<String>> check() throws Exception {
    Map<String, Oracle.Row> oracle = Oracle.entries(stack);
    Map<String, Oracle.Row> bySlug = new HashMap<>();
    oracle.values().forEach(r -> bySlug.put(r.slug(), r));
    Map<String, List<String>> out = new LinkedHashMap<>();
    out.put("acked", acknowledged(oracle));
    out.put("api", api(oracle));
    out.put("search", search(oracle));
    out.put("website", website(oracle));
    List<String> order = new ArrayList<>();
    out.put("mastodon", mastodon(bySlug, order));
    out.put("bluesky", bluesky(bySlug));
    out.put("webhook", webhook(oracle, order));
    out.put("newsletter", newsletter(oracle, bySlug));
    out.put("order", order);
    out.put("drained", drained());
    out.replaceAll((k, v) -> shortened(v));
    return out;
  }

  /** Every publish and unpublish the api acknowledged is what PostgreSQL holds. */
  private List<String> acknowledged(Map<String, Oracle.Row> oracle) {
    List<String> wrong = new ArrayList<>();
    for (EditorLoad.Entry e : load.entries()) {
      Oracle.Row row = oracle.get(e.id);
      if (row == null) {
        wrong.add(e.id + ": created (acknowledged) but not in the database");
      } else if (e.unpublishAcked) {
        if (row.published()) {
          wrong.add(e.id + ": unpublish acknowledged, still published");
        }
      } else if (!e.unpublishTried && e.ackedPublishRev > 0) {
        if (!row.published()) {
          wrong.add(e.id + ": publish of r" + e.ackedPublishRev + " acknowledged, not published");
        } else if (row.rev() < e.ackedPublishRev || row.rev() > e.maxTriedRev) {
          wrong.add(e.id + ": published r" + row.rev() + ", acknowledged r" + e.ackedPublishRev);
        } else if (e.lastAcked && e.rev == e.ackedPublishRev && row.rev() != e.rev) {
          wrong.add(e.id + ": published r" + row.rev() + ", last acknowledged r" + e.rev);
        }
      }
    }
    return wrong;
  }

  /** The api delivers exactly the published entries, each as its published revision. */
  private List<String> api(Map<String, Oracle.Row> oracle) {
    Map<String, String> served = new HashMap<>();
    String cursor = null;
    do {
      String path =
          "/v1/entries?type="
              + EditorLoad.TYPE
              + "&locale=en&limit=100"
              + (cursor == null ? "" : "&cursor=" + enc(cursor));
      HttpResponse<String> r = stack.call("GET", path, null);
      if (r == null || r.statusCode() != 200) {
        return List.of("GET " + path + " answered " + (r == null ? "nothing" : r.statusCode()));
      }
      JsonObject page = new JsonObject(r.body());
      for (Object o : page.getJsonArray("items")) {
        JsonObject item = (JsonObject) o;
        served.put(item.getString("id"), item.getJsonObject("fields").getString("title"));
      }
      cursor = page.getString("nextCursor");
    } while (cursor != null);
    return compare("api", published(oracle), served);
  }

  /** The search finds exactly the published entries, each as its published revision. */
  private List<String> search(Map<String, Oracle.Row> oracle) {
    Map<String, String> found = new HashMap<>();
    String cursor = null;
    do {
      String url =
          stack.api.url()
              + "/v1/search?q="
              + EditorLoad.TOKEN
              + "&type="
              + EditorLoad.TYPE
              + "&limit=100"
              + (cursor == null ? "" : "&cursor=" + enc(cursor));
      Optional<HttpResponse<String>> r = stack.get(url);
      if (r.isEmpty() || r.get().statusCode() != 200) {
        return List.of("search answered " + r.map(HttpResponse::statusCode).orElse(-1));
      }
      JsonObject page = new JsonObject(r.get().body());
      for (Object o : page.getJsonArray("hits")) {
        JsonObject hit = (JsonObject) o;
        found.put(hit.getString("id"), hit.getString("title"));
      }
      cursor = page.getString("nextCursor");
    } while (cursor != null);
    return compare("search", published(oracle), found);
  }

  /** A page for each entry published to the website, showing its revision; none for the rest. */
  private List<String> website(Map<String, Oracle.Row> oracle) throws Exception {
    List<String> wrong = new ArrayList<>();
    for (Oracle.Row row : oracle.values()) {
      Path page = stack.siteDir.resolve("en/" + EditorLoad.TYPE + "/" + row.slug() + "/index.html");
      boolean exists = Files.exists(page);
      if (row.on("website")) {
        if (!exists) {
          wrong.add(row.slug() + ": published to the website, no page");
        } else if (!Files.readString(page).contains(row.title())) {
          wrong.add(row.slug() + ": page does not show r" + row.rev());
        }
      } else if (exists) {
        wrong.add(
            row.slug() + ": page online, but " + (row.published() ? "not chosen" : "unpublished"));
      }
    }
    return wrong;
  }

  /**
   * One Mastodon status per entry published to social, made once (one {@code Idempotency-Key}) and
   * showing the published revision; none left of unpublished entries. Records the order of the
   * revisions the server saw per status.
   */
  private List<String> mastodon(Map<String, Oracle.Row> bySlug, List<String> order) {
    List<String> wrong = new ArrayList<>();
    FakeNetworks n = stack.networks;
    Map<String, Integer> made = new HashMap<>();
    for (JsonObject s : n.mastodonStatusesByKey().values()) {
      slug(s.getString("content")).ifPresent(slug -> made.merge(slug, 1, Integer::sum));
    }
    Map<String, List<JsonObject>> liveBySlug = new HashMap<>();
    for (JsonObject s : n.mastodonStatuses().values()) {
      slug(s.getString("content"))
          .ifPresent(slug -> liveBySlug.computeIfAbsent(slug, k -> new ArrayList<>()).add(s));
    }
    for (Oracle.Row row : bySlug.values()) {
      int created = made.getOrDefault(row.slug(), 0);
      List<JsonObject> live = liveBySlug.getOrDefault(row.slug(), List.of());
      if (created > 1) {
        wrong.add(row.slug() + ": " + created + " statuses made");
      }
      if (row.on("social")) {
        if (live.size() != 1) {
          wrong.add(row.slug() + ": " + live.size() + " live statuses, want 1");
        } else if (!live.get(0).getString("content").contains(row.title())) {
          wrong.add(row.slug() + ": status does not show r" + row.rev());
        }
      } else if (!live.isEmpty()) {
        wrong.add(row.slug() + ": " + live.size() + " statuses left, not published to social");
      }
    }
    // Revisions per status, in the order the server received them.
    Map<String, Integer> lastRev = new HashMap<>();
    for (FakeNetworks.Received r : n.received()) {
      if (!r.path().startsWith("/api/v1/statuses")
          || !(r.method().equals("POST") || r.method().equals("PUT"))) {
        continue;
      }
      String text;
      try {
        text = r.json().getString("status", "");
      } catch (RuntimeException notJson) {
        continue;
      }
      Optional<String> slug = slug(text);
      Matcher rev = Pattern.compile(" r(\\d+) ").matcher(text);
      if (slug.isPresent() && rev.find()) {
        int now = Integer.parseInt(rev.group(1));
        Integer before = lastRev.put(slug.get(), now);
        if (before != null && before > now) {
          order.add("mastodon " + slug.get() + ": r" + now + " arrived after r" + before);
        }
      }
    }
    return wrong;
  }

  /** One Bluesky post per entry published to social; none left of unpublished entries. */
  private List<String> bluesky(Map<String, Oracle.Row> bySlug) {
    List<String> wrong = new ArrayList<>();
    Map<String, Integer> live = new HashMap<>();
    for (JsonObject record : stack.networks.blueskyRecords().values()) {
      slug(record.encode()).ifPresent(slug -> live.merge(slug, 1, Integer::sum));
    }
    for (Oracle.Row row : bySlug.values()) {
      int posts = live.getOrDefault(row.slug(), 0);
      int want = row.on("social") ? 1 : 0;
      if (posts != want) {
        wrong.add(row.slug() + ": " + posts + " posts, want " + want);
      }
    }
    return wrong;
  }

  /**
   * Every webhook signed; per entry, one {@code social.post.created} (by {@code webhook-id}, as a
   * Standard Webhooks receiver deduplicates), a {@code social.post.deleted} exactly when the entry
   * was unpublished, the newest event showing the published revision, versions in order.
   */
  private List<String> webhook(Map<String, Oracle.Row> oracle, List<String> order) {
    List<String> wrong = new ArrayList<>();
    Map<String, List<JsonObject>> byEntry = new HashMap<>();
    Set<String> seen = new HashSet<>();
    for (FakeNetworks.Received r : stack.networks.received()) {
      if (!r.path().startsWith("/hook")) {
        continue;
      }
      String id = r.headers().get("webhook-id");
      String timestamp = r.headers().get("webhook-timestamp");
      String signature = r.headers().get("webhook-signature");
      if (signature == null
          || !signature.equals(
              "v1," + sign(Stack.WEBHOOK_SECRET, id + "." + timestamp + "." + r.body()))) {
        wrong.add("webhook " + id + ": signature does not verify");
      }
      if (id == null || !seen.add(id)) {
        continue;
      }
      JsonObject event = r.json();
      byEntry
          .computeIfAbsent(event.getJsonObject("data").getString("entryId"), k -> new ArrayList<>())
          .add(event);
    }
    for (Oracle.Row row : oracle.values()) {
      List<JsonObject> events = byEntry.getOrDefault(row.id(), List.of());
      long created = events.stream().filter(e -> type(e).equals("created")).count();
      long deleted = events.stream().filter(e -> type(e).equals("deleted")).count();
      if (row.on("social")) {
        if (created != 1 || deleted != 0) {
          wrong.add(row.slug() + ": " + created + " created, " + deleted + " deleted, want 1, 0");
        } else {
          JsonObject newest =
              events.stream()
                  .filter(e -> !type(e).equals("deleted"))
                  .reduce((a, b) -> b)
                  .orElseThrow();
          if (!row.title().equals(newest.getJsonObject("data").getString("title"))) {
            wrong.add(row.slug() + ": newest event does not show r" + row.rev());
          }
        }
      } else if (created > 1 || deleted != created) {
        wrong.add(row.slug() + ": " + created + " created, " + deleted + " deleted, want equal");
      }
      long last = -1;
      for (JsonObject e : events) {
        long version = e.getJsonObject("data").getLong("version", -1L);
        if (version < last) {
          order.add("webhook " + row.slug() + ": version " + version + " arrived after " + last);
        }
        last = Math.max(last, version);
      }
    }
    return wrong;
  }

  private static String type(JsonObject event) {
    String t = event.getString("type", "");
    return t.substring(t.lastIndexOf('.') + 1);
  }

  /**
   * Every sent issue reached every recipient (copies only with the same {@code Message-ID}); each
   * entry in at most one issue; every entry published to the newsletter in exactly one sent issue
   * (the suite sends one after each fault); none of an entry that did not choose it.
   */
  private List<String> newsletter(Map<String, Oracle.Row> oracle, Map<String, Oracle.Row> bySlug)
      throws Exception {
    List<String> wrong = new ArrayList<>();
    Map<String, String> recipientsById = new HashMap<>();
    try (Connection c = stack.oracle();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "select r.message_id, r.email, r.status from publisher.newsletter_recipient r"
                    + " join publisher.newsletter_issue i on i.id = r.issue_id"
                    + " where i.status = 'sent'")) {
      while (rs.next()) {
        recipientsById.put(MailBox.bare(rs.getString(1)), rs.getString(2).toLowerCase());
        if (!rs.getString(3).equals("sent")) {
          wrong.add("recipient " + rs.getString(2) + " of a sent issue is " + rs.getString(3));
        }
      }
    }
    Map<String, Integer> copies = new HashMap<>();
    Map<String, Set<String>> issuesOfSlugPerRecipient = new HashMap<>();
    for (MailBox.Message m : mailBox.messages(stack.mail.messages())) {
      if (!recipientsById.containsKey(m.messageId())) {
        continue;
      }
      copies.merge(m.messageId(), 1, Integer::sum);
      for (String slug : m.slugs()) {
        issuesOfSlugPerRecipient
            .computeIfAbsent(m.to() + " " + slug, k -> new HashSet<>())
            .add(m.messageId());
      }
    }
    for (String id : recipientsById.keySet()) {
      if (!copies.containsKey(id)) {
        wrong.add("message " + id + " recorded sent, never received");
      }
    }
    Set<String> recipients = new HashSet<>(recipientsById.values());
    for (Oracle.Row row : bySlug.values()) {
      for (String to : recipients) {
        int issues = issuesOfSlugPerRecipient.getOrDefault(to + " " + row.slug(), Set.of()).size();
        if (issues > 1) {
          wrong.add(row.slug() + ": in " + issues + " issues to " + to);
        } else if (row.on("newsletter") && issues != 1) {
          wrong.add(row.slug() + ": in no issue to " + to);
        } else if (!row.channels().contains("newsletter") && issues != 0) {
          wrong.add(row.slug() + ": mailed, did not choose the newsletter");
        }
      }
    }
    return wrong;
  }

  /**
   * Nothing waits: the api's outbox is sent, every consumer has read its topic to the end, the
   * publisher's deliveries are done (none dead) and their states relayed to the api.
   */
  private List<String> drained() throws Exception {
    List<String> wrong = new ArrayList<>();
    for (Map.Entry<String, String> q : Drain.QUEUES.entrySet()) {
      long n = Oracle.count(stack, q.getValue());
      if (n != 0) {
        wrong.add(q.getKey() + ": " + n);
      }
    }
    for (ServiceProcess service : stack.services()) {
      String lagging = Drain.lagging(stack, service);
      if (!lagging.isEmpty()) {
        wrong.add("consumers behind: " + lagging);
      }
    }
    return wrong;
  }

  private static Map<String, String> published(Map<String, Oracle.Row> oracle) {
    Map<String, String> out = new HashMap<>();
    oracle.values().stream().filter(Oracle.Row::published).forEach(r -> out.put(r.id(), r.title()));
    return out;
  }

  private static List<String> compare(
      String where, Map<String, String> want, Map<String, String> got) {
    List<String> wrong = new ArrayList<>();
    for (Map.Entry<String, String> w : want.entrySet()) {
      String g = got.get(w.getKey());
      if (g == null) {
        wrong.add(w.getKey() + ": published, missing from " + where);
      } else if (!g.equals(w.getValue())) {
        wrong.add(
            w.getKey() + ": " + where + " shows '" + g + "', published '" + w.getValue() + "'");
      }
    }
    for (String id : got.keySet()) {
      if (!want.containsKey(id)) {
        wrong.add(id + ": in " + where + ", not published");
      }
    }
    return wrong;
  }

  private static Optional<String> slug(String text) {
    if (text == null) {
      return Optional.empty();
    }
    Matcher m = SLUG.matcher(text);
    return m.find() ? Optional.of(m.group(1)) : Optional.empty();
  }

  /** The first few of a list of violations, and how many more. */
  private static List<String> shortened(List<String> all) {
    if (all.size() <= SHOWN) {
      return all;
    }
    List<String> out = new ArrayList<>(all.subList(0, SHOWN));
    out.add("… and " + (all.size() - SHOWN) + " more");
    return out;
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** Standard Webhooks' signature: base64 HMAC-SHA256 with the secret's base64-decoded bytes. */
  public static String sign(String secret, String content) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      byte[] key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return Base64.getEncoder()
          .encodeToString(mac.doFinal(content.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
