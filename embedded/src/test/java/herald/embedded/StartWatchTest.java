package herald.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("start watch")
class StartWatchTest {

  private static final long S = 1_000_000_000L;

  private static StartWatch watch() {
    return new StartWatch(
        Duration.ofSeconds(60), Duration.ofSeconds(3), Duration.ofMinutes(5), 0, 100);
  }

  private static Optional<Duration> cpu(double seconds) {
    return Optional.of(Duration.ofMillis((long) (seconds * 1000)));
  }

  @Test
  @DisplayName("a start starved of CPU that keeps logging is waited for however long it takes")
  void slowButLogging() {
    StartWatch w = watch();
    for (int minute = 1; minute <= 20; minute++) {
      // 0.5 s of CPU a minute, but a new log line each time: slow, not stuck.
      assertEquals(Optional.empty(), w.check(minute * 59 * S, cpu(minute * 0.5), 100 + minute));
    }
  }

  @Test
  @DisplayName("a silent start that keeps computing is waited for")
  void silentButComputing() {
    StartWatch w = watch();
    for (int minute = 1; minute <= 10; minute++) {
      assertEquals(Optional.empty(), w.check(minute * 59 * S, cpu(minute * 4.0), 100));
    }
  }

  @Test
  @DisplayName("a start that neither logs nor computes for a minute is stuck")
  void idleIsStuck() {
    StartWatch w = watch();
    assertEquals(Optional.empty(), w.check(30 * S, cpu(10), 150));
    // From here only the trickle of an idle JVM: 1 s of CPU in a minute.
    assertEquals(Optional.empty(), w.check(80 * S, cpu(10.8), 150));
    Optional<String> stuck = w.check(91 * S, cpu(11), 150);
    assertTrue(stuck.isPresent());
    assertTrue(stuck.get().startsWith("no progress for 61.0 s"), stuck.get());
  }

  @Test
  @DisplayName("a start that burns its CPU budget without getting ready is stuck")
  void busyLoopIsStuck() {
    StartWatch w = watch();
    assertEquals(Optional.empty(), w.check(100 * S, cpu(99), 100));
    Optional<String> stuck = w.check(301 * S, cpu(300), 100);
    assertTrue(stuck.isPresent());
    assertTrue(stuck.get().contains("used 300.0 s of CPU in 301.0 s"), stuck.get());
  }

  @Test
  @DisplayName("without CPU figures from the OS, a silent start is stuck after the stall limit")
  void noCpuFigures() {
    StartWatch w = watch();
    assertEquals(Optional.empty(), w.check(59 * S, Optional.empty(), 100));
    assertTrue(w.check(60 * S, Optional.empty(), 100).isPresent());
  }

  @Test
  @DisplayName("the main thread is picked out of a thread dump")
  void mainThread() {
    String dump =
        "Full thread dump\n\n\"Reference Handler\" daemon\n\tat a.b\n\n"
            + "\"main\" #1 prio=5\n   java.lang.Thread.State: WAITING\n\tat kafka.server.BrokerServer"
            + ".startup\n\n\"other\"\n";
    assertEquals(
        "\"main\" #1 prio=5\n   java.lang.Thread.State: WAITING\n\tat kafka.server.BrokerServer"
            + ".startup",
        EmbeddedKafkaBroker.mainThreadOf(dump));
  }
}
