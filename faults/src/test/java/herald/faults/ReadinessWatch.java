package herald.faults;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Asks every service's {@code /health/ready} five times a second (each answer given 1 s, as a load
 * balancer would) and keeps every answer: 200, 503, or -1 for none (a dead process, a time-out).
 */
final class ReadinessWatch implements AutoCloseable {
  /** One answer. */
  record Sample(long atNanos, int status) {}

  private static final Duration EVERY = Duration.ofMillis(200);
  private static final Duration TIMEOUT = Duration.ofSeconds(1);

  private final Map<String, String> urls;
  private final Map<String, List<Sample>> samples = new ConcurrentHashMap<>();
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofMillis(500))
          .build();
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean closed;

  /** Watches {@code urls} (service name → base URL). */
  ReadinessWatch(Map<String, String> urls) {
    this.urls = Map.copyOf(urls);
    for (Map.Entry<String, String> service : this.urls.entrySet()) {
      samples.put(service.getKey(), new CopyOnWriteArrayList<>());
      threads.add(
          Thread.ofVirtual()
              .name("ready-" + service.getKey())
              .start(() -> watch(service.getKey(), service.getValue())));
    }
  }

  private void watch(String name, String base) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(base + "/health/ready")).timeout(TIMEOUT).build();
    while (!closed) {
      long at = System.nanoTime();
      int status;
      try {
        status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
      } catch (Exception e) {
        status = -1;
      }
      samples.get(name).add(new Sample(at, status));
      try {
        Thread.sleep(EVERY);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Whether {@code service} was seen not ready (503, or no answer) between the two instants. */
  boolean sawNotReady(String service, long fromNanos, long toNanos) {
    return samples.get(service).stream()
        .anyMatch(s -> s.atNanos() >= fromNanos && s.atNanos() <= toNanos && s.status() != 200);
  }

  /** Whether {@code service} answered 503 (alive, and saying it is not ready) in the interval. */
  boolean saw503(String service, long fromNanos, long toNanos) {
    return samples.get(service).stream()
        .anyMatch(s -> s.atNanos() >= fromNanos && s.atNanos() <= toNanos && s.status() == 503);
  }

  /** Whether every service's latest answer, asked at or after {@code fromNanos}, was 200. */
  boolean allReadyAfter(long fromNanos) {
    for (String service : urls.keySet()) {
      List<Sample> s = samples.get(service);
      Sample last = s.isEmpty() ? null : s.get(s.size() - 1);
      if (last == null || last.atNanos() < fromNanos || last.status() != 200) {
        return false;
      }
    }
    return true;
  }

  /** The last answer of {@code service}. */
  int last(String service) {
    List<Sample> s = samples.get(service);
    return s.isEmpty() ? -1 : s.get(s.size() - 1).status();
  }

  @Override
  public void close() {
    closed = true;
    threads.forEach(Thread::interrupt);
  }
}
