package herald.embedded;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps an embedded broker running: when its process dies (a crash, an out-of-memory kill, kill -9)
 * it is started again on the same ports and data within a second, and a start that fails is tried
 * again after a pause that doubles up to 30 s. With it, losing the broker of the all-in-one costs
 * an outage of seconds that every consumer rides out, not a restart of Herald.
 */
public final class BrokerSupervisor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BrokerSupervisor.class);
  private static final Duration CHECK = Duration.ofMillis(500);
  private static final Duration FIRST_PAUSE = Duration.ofSeconds(1);
  private static final Duration MAX_PAUSE = Duration.ofSeconds(30);

  private final EmbeddedKafkaBroker broker;
  private final CountDownLatch closing = new CountDownLatch(1);
  private final AtomicInteger restarts = new AtomicInteger();
  private final Thread thread;

  private BrokerSupervisor(EmbeddedKafkaBroker broker) {
    this.broker = broker;
    this.thread = new Thread(this::run, "herald-kafka-supervisor");
    thread.setDaemon(true);
  }

  /** Starts watching {@code broker}. */
  public static BrokerSupervisor start(EmbeddedKafkaBroker broker) {
    BrokerSupervisor s = new BrokerSupervisor(broker);
    s.thread.start();
    return s;
  }

  /** How often the broker was started again. */
  public int restarts() {
    return restarts.get();
  }

  private void run() {
    long pause = CHECK.toMillis();
    try {
      while (!closing.await(pause, TimeUnit.MILLISECONDS)) {
        try {
          if (broker.restartIfDead()) {
            restarts.incrementAndGet();
            LOG.warn("Kafka broker on {} had died and was restarted", broker.bootstrapServers());
          }
          pause = CHECK.toMillis();
        } catch (RuntimeException e) {
          pause = Math.max(FIRST_PAUSE.toMillis(), Math.min(pause * 2, MAX_PAUSE.toMillis()));
          LOG.error(
              "Kafka broker on {} is down and could not be restarted; trying again in {} ms",
              broker.bootstrapServers(),
              pause,
              e);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops watching (a start under way is cut short); the broker itself stays as it is. */
  @Override
  public void close() {
    closing.countDown();
    thread.interrupt();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
