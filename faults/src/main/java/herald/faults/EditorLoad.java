package herald.faults;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Editors at work, steadily: create-and-publish, update-and-publish and unpublish, picked by a
 * seeded random sequence (so every run makes the same choices in the same order), each entry to a
 * seeded subset of the channels (website, social, newsletter). It keeps what the api acknowledged,
 * which the invariants compare with PostgreSQL: an acknowledged publish must never be lost.
 *
 * <p>An unpublish is final (the load never publishes an entry again), so that "exactly once on each
 * channel" means one post, one page, one newsletter item per entry.
 */
public final class EditorLoad implements AutoCloseable {
  /** The word every title carries, to find the suite's entries by search. */
  public static final String TOKEN = "faultmatrix";

  public static final String TYPE = "bulletin";

  public static final String TYPE_JSON =
      """
      {"id":"bulletin","name":"Bulletin","fields":[
        {"id":"title","type":"text","required":true,"localized":true},
        {"id":"summary","type":"text","localized":true}]}""";

  private static final List<String> CHANNELS = List.of("website", "social", "newsletter");
  private static final List<String> PLACES =
      List.of("Niš", "Podgorica", "Skopje", "Sarajevo", "Tuzla", "Čačak", "Đakovica", "Split");
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

  /**
   * Told of every call the editors make: what it was ({@code create}, {@code publish}, {@code
   * update}, {@code unpublish}, {@code read}), the status answered (-1: no answer within the call's
   * time-out) and how long it took.
   */
  @FunctionalInterface
  public interface Observer {
    void called(String what, int status, long nanos);
  }

  /** What the suite knows of one entry from the api's answers. */
  public static final class Entry {
    final String id;
    final int number;
    final List<String> channels;
    volatile String etag;
    volatile int rev = 1;

    /** The highest revision a save was attempted with (it may have been stored). */
    volatile int maxTriedRev = 1;

    /** The revision of the last publish the api acknowledged (0: none). */
    volatile int ackedPublishRev;

    volatile boolean unpublishTried;
    volatile boolean unpublishAcked;

    /** Whether the last call about this entry was answered as asked (its effect is certain). */
    volatile boolean lastAcked;

    Entry(String id, int number, List<String> channels) {
      this.id = id;
      this.number = number;
      this.channels = channels;
    }

    boolean chose(String channel) {
      return channels.contains(channel);
    }

    public String id() {
      return id;
    }

    /** Whether the api acknowledged a publish of it. */
    public boolean publishAcknowledged() {
      return ackedPublishRev > 0;
    }
  }

  private final Stack stack;
  private final Random random;
  private final long intervalNanos;
  private final Map<String, Entry> entries = new ConcurrentHashMap<>();
  private final List<Entry> live =
      new ArrayList<>(); // the load thread's; published, not unpublished
  private final AtomicInteger numbers = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger acknowledged = new AtomicInteger();
  private final AtomicInteger unanswered = new AtomicInteger();
  private volatile Observer observer = (what, status, nanos) -> {};
  private volatile boolean running;
  private volatile boolean closed;
  private volatile CountDownLatch idle = new CountDownLatch(0);
  private Thread thread;

  public EditorLoad(Stack stack, long seed, Duration interval) {
    this.stack = stack;
    this.random = new Random(seed);
    this.intervalNanos = interval.toNanos();
  }

  /** Tells {@code o} of every call from now on. */
  public void observe(Observer o) {
    observer = o;
  }

  /**
   * One create-and-publish to {@code channels} on the caller's thread (for a load that sets its own
   * pace); the entry as the api acknowledged it, null when its create was not acknowledged.
   */
  public Entry publishNew(List<String> channels) {
    return createAndPublish(channels, numbers.incrementAndGet());
  }

  /** Starts the editors (or lets them go on after {@link #pause}). */
  public synchronized void resume() {
    running = true;
    if (thread == null) {
      thread = Thread.ofPlatform().name("editor-load").daemon().start(this::run);
    }
    LockSupport.unpark(thread);
  }

  /** Stops the editors after their current operation, and waits for it. */
  public void pause() throws InterruptedException {
    CountDownLatch done = new CountDownLatch(1);
    synchronized (this) {
      idle = done;
      running = false;
    }
    LockSupport.unpark(thread);
    done.await();
  }

  private void run() {
    long next = System.nanoTime();
    while (!closed) {
      if (!running) {
        idle.countDown();
        LockSupport.park(this);
        next = System.nanoTime();
        continue;
      }
      step();
      next += intervalNanos;
      long wait = next - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(this, wait);
      } else {
        // Behind (calls waited out an outage): start afresh rather than catch up in a rush.
        next = System.nanoTime();
      }
    }
    idle.countDown();
  }

  /** One seeded operation. */
  private void step() {
    int dice = random.nextInt(100);
    if (live.size() < 5 || dice < 50) {
      Entry e = createAndPublish(channels(random), numbers.incrementAndGet());
      if (e != null && e.ackedPublishRev > 0) {
        live.add(e);
      } else if (e != null) {
        // Its state is unknown: the oracle decides; it is not touched again.
      }
    } else if (dice < 85) {
      update(live.get(random.nextInt(live.size())));
    } else {
      Entry e = live.remove(random.nextInt(live.size()));
      unpublish(e);
    }
  }

  /**
   * {@code n} creates-and-publishes at once (an editors' rush), on threads of their own; returns
   * when all have been answered or given up.
   */
  public void burst(int n) throws InterruptedException {
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      List<String> channels;
      synchronized (random) {
        channels = channels(random);
      }
      int number = numbers.incrementAndGet();
      threads.add(Thread.ofVirtual().start(() -> createAndPublish(channels, number)));
    }
    for (Thread t : threads) {
      t.join();
    }
  }

  private static List<String> channels(Random random) {
    List<String> out = new ArrayList<>();
    for (String c : CHANNELS) {
      if (random.nextInt(100) < 60) {
        out.add(c);
      }
    }
    if (out.isEmpty()) {
      out.add(CHANNELS.get(random.nextInt(CHANNELS.size())));
    }
    return out;
  }

  public static String title(int number, int rev) {
    return "Bilten " + number + " r" + rev + " " + PLACES.get(number % PLACES.size()) + " " + TOKEN;
  }

  private static String body(int number, int rev, List<String> channels) {
    return new JsonObject()
        .put("type", TYPE)
        .put(
            "fields",
            new JsonObject()
                .put("title", new JsonObject().put("en", title(number, rev)))
                .put(
                    "summary",
                    new JsonObject().put("en", "Vijesti broj " + number + ", izmjena " + rev)))
        .put("channels", new JsonArray(channels))
        .encode();
  }

  private Entry createAndPublish(List<String> channels, int number) {
    HttpResponse<String> created =
        call("POST", "/v1/manage/entries", body(number, 1, channels), 201);
    if (created == null) {
      return null;
    }
    Entry e = new Entry(new JsonObject(created.body()).getString("id"), number, channels);
    e.etag = created.headers().firstValue("ETag").orElse(null);
    entries.put(e.id, e);
    publish(e);
    return e;
  }

  private void publish(Entry e) {
    HttpResponse<String> r = call("POST", "/v1/manage/entries/" + e.id + "/publish", null, 200);
    e.lastAcked = r != null;
    if (r != null) {
      e.ackedPublishRev = e.rev;
      e.etag = r.headers().firstValue("ETag").orElse(null);
    }
  }

  private void update(Entry e) {
    if (e.etag == null) {
      HttpResponse<String> current = call("GET", "/v1/manage/entries/" + e.id, null, 200);
      if (current == null) {
        e.lastAcked = false;
        return;
      }
      e.etag = current.headers().firstValue("ETag").orElse(null);
      String title =
          new JsonObject(current.body())
              .getJsonObject("fields")
              .getJsonObject("title")
              .getString("en");
      e.rev = revOf(title);
    }
    int rev = e.maxTriedRev + 1;
    e.maxTriedRev = rev;
    HttpResponse<String> saved =
        callIfMatch("/v1/manage/entries/" + e.id, body(e.number, rev, e.channels), e.etag);
    if (saved == null) {
      e.etag = null;
      e.lastAcked = false;
      return;
    }
    e.rev = rev;
    e.etag = saved.headers().firstValue("ETag").orElse(null);
    publish(e);
  }

  private void unpublish(Entry e) {
    e.unpublishTried = true;
    HttpResponse<String> r = call("POST", "/v1/manage/entries/" + e.id + "/unpublish", null, 200);
    e.lastAcked = r != null;
    e.unpublishAcked = r != null;
  }

  /** The revision in a title made by {@link #title}. */
  public static int revOf(String title) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile(" r(\\d+) ").matcher(title);
    if (!m.find()) {
      throw new IllegalArgumentException("not a title of the suite: " + title);
    }
    return Integer.parseInt(m.group(1));
  }

  /** The call's answer when it has the status wanted, else null (counted as unanswered). */
  private HttpResponse<String> call(String method, String path, String body, int wanted) {
    inFlight.incrementAndGet();
    long t0 = System.nanoTime();
    HttpResponse<String> r = null;
    try {
      r = stack.call(method, path, body, CALL_TIMEOUT);
      if (r != null && r.statusCode() == wanted) {
        acknowledged.incrementAndGet();
        return r;
      }
      unanswered.incrementAndGet();
      return null;
    } finally {
      inFlight.decrementAndGet();
      observer.called(what(method, path), r == null ? -1 : r.statusCode(), System.nanoTime() - t0);
    }
  }

  private static String what(String method, String path) {
    if (path.endsWith("/unpublish")) {
      return "unpublish";
    }
    if (path.endsWith("/publish")) {
      return "publish";
    }
    return method.equals("POST") ? "create" : "read";
  }

  private HttpResponse<String> callIfMatch(String path, String body, String etag) {
    inFlight.incrementAndGet();
    long t0 = System.nanoTime();
    HttpResponse<String> r = null;
    try {
      r = stack.callIfMatch(path, body, etag, CALL_TIMEOUT);
      if (r != null && r.statusCode() == 200) {
        acknowledged.incrementAndGet();
        return r;
      }
      unanswered.incrementAndGet();
      return null;
    } finally {
      inFlight.decrementAndGet();
      observer.called("update", r == null ? -1 : r.statusCode(), System.nanoTime() - t0);
    }
  }

  /** Calls waiting for an answer now. */
  public int inFlight() {
    return inFlight.get();
  }

  public int acknowledged() {
    return acknowledged.get();
  }

  public int unanswered() {
    return unanswered.get();
  }

  /** Every entry the api acknowledged creating. */
  public Collection<Entry> entries() {
    return entries.values();
  }

  @Override
  public void close() {
    closed = true;
    running = false;
    if (thread != null) {
      LockSupport.unpark(thread);
    }
  }
}
