package herald.events.health;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

/**
 * A dependency (PostgreSQL, Kafka) checked in the background every second, each check given 5 s (a
 * loaded machine answers slowly without being down), whose last outcome readiness reads without
 * waiting: {@code /health/ready} answers at once however dead the dependency is. A check that has
 * not answered in its time counts as down; one check runs at a time.
 */
public final class Probe implements AutoCloseable {
  static final Duration INTERVAL = Duration.ofSeconds(1);
  static final Duration TIMEOUT = Duration.ofSeconds(5);

  // One daemon thread starts every probe's checks; the checks themselves are asynchronous.
  private static final ScheduledExecutorService TIMER =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "herald-probes");
            t.setDaemon(true);
            return t;
          });

  private final String name;
  private final Supplier<? extends CompletionStage<?>> check;
  private final AutoCloseable resource;
  private final AtomicBoolean inFlight = new AtomicBoolean();
  private volatile Check last;
  private ScheduledFuture<?> task;

  /**
   * A probe named {@code name} whose check completes normally when the dependency answers; {@code
   * resource} (may be null) is closed with the probe.
   */
  public Probe(String name, Supplier<? extends CompletionStage<?>> check, AutoCloseable resource) {
    this.name = name;
    this.check = check;
    this.resource = resource;
    this.last = new Check(false, "UNKNOWN", "not checked yet", Instant.now());
  }

  /** A probe of the Kafka cluster: it must describe itself with at least one broker. */
  public static Probe kafka(String bootstrapServers) {
    Admin admin =
        Admin.create(
            Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                // Names these requests in broker logs.
                AdminClientConfig.CLIENT_ID_CONFIG,
                "herald-readiness-" + ProcessHandle.current().pid(),
                // A request to a dead broker fails within the probe's time.
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                (int) TIMEOUT.toMillis(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                (int) TIMEOUT.toMillis()));
    return new Probe(
        "kafka",
        () ->
            admin
                .describeCluster(new DescribeClusterOptions().timeoutMs((int) TIMEOUT.toMillis()))
                .nodes()
                .toCompletionStage()
                .thenApply(
                    nodes -> {
                      if (nodes.isEmpty()) {
                        throw new IllegalStateException("the cluster has no broker");
                      }
                      return nodes;
                    }),
        () -> admin.close(TIMEOUT));
  }

  /** Starts checking, at once and then every second. */
  public synchronized Probe start() {
    if (task == null) {
      task = TIMER.scheduleWithFixedDelay(this::run, 0, INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }
    return this;
  }

  public String name() {
    return name;
  }

  /** The outcome of the last check. */
  public Check check() {
    return last;
  }

  private void run() {
    if (!inFlight.compareAndSet(false, true)) {
      return;
    }
    CompletableFuture<Object> answer = new CompletableFuture<>();
    try {
      check
          .get()
          .whenComplete(
              (v, e) -> {
                if (e == null) {
                  answer.complete(v);
                } else {
                  answer.completeExceptionally(e);
                }
              });
    } catch (RuntimeException e) {
      answer.completeExceptionally(e);
    }
    answer
        .orTimeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete(
            (v, e) -> {
              record(v, e);
              inFlight.set(false);
            });
  }

  /** Records an outcome: a check answering with a string names the state it is up in. */
  private void record(Object value, Throwable failure) {
    Throwable e =
        failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    Check now;
    if (e == null) {
      now = Check.up(value instanceof String state ? state : "UP");
    } else if (e instanceof TimeoutException) {
      now = Check.down("DOWN", "no answer within " + TIMEOUT.toMillis() + " ms");
    } else {
      now = Check.down("DOWN", e.getClass().getSimpleName() + ": " + e.getMessage());
    }
    Check before = last;
    Instant since = before.up() == now.up() ? before.since() : Instant.now();
    last = new Check(now.up(), now.state(), now.detail(), since);
  }

  @Override
  public synchronized void close() {
    if (task != null) {
      task.cancel(false);
    }
    if (resource != null) {
      try {
        resource.close();
      } catch (Exception e) {
        // Closing what only served the checks: nothing depends on it.
      }
    }
  }
}
