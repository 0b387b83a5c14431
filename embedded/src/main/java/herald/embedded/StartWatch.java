package herald.embedded;

import java.time.Duration;
import java.util.Optional;

/**
 * Decides, from samples of a starting child process, whether it is still making progress or is
 * stuck — so that waiting for it has no fixed time limit that a busy machine could miss.
 *
 * <p>A sample is the wall-clock time, the CPU time the child has used and the length of its log.
 * The child counts as progressing while its log grows or it keeps using CPU ({@code workingCpu}
 * within any {@code stallLimit}): on a loaded machine it starts slowly, but it starts. It counts as
 * stuck when it has done neither for {@code stallLimit} (waiting for something that will not come),
 * or when it has used {@code cpuBudget} without being ready (busy, but going nowhere).
 *
 * <p>NOTE: an idle JVM still uses some CPU (timers, heartbeats, the JIT finishing): {@code
 * workingCpu} must be well above that trickle over {@code stallLimit}, and well below what a
 * starved but starting JVM gets in the same time.
 */
final class StartWatch {

  private final Duration stallLimit;
  private final Duration workingCpu;
  private final Duration cpuBudget;
  private long markNanos;
  private Duration markCpu;
  private long markLogLength;
  private final long startNanos;

  StartWatch(
      Duration stallLimit, Duration workingCpu, Duration cpuBudget, long nowNanos, long logLength) {
    this.stallLimit = stallLimit;
    this.workingCpu = workingCpu;
    this.cpuBudget = cpuBudget;
    this.startNanos = nowNanos;
    this.markNanos = nowNanos;
    this.markCpu = Duration.ZERO;
    this.markLogLength = logLength;
  }

  /**
   * Takes a sample; returns why the child is stuck, or empty while it is progressing. {@code cpu}
   * is the child's total CPU time so far (empty where the OS does not tell).
   */
  Optional<String> check(long nowNanos, Optional<Duration> cpu, long logLength) {
    Duration used = cpu.orElse(markCpu);
    if (used.compareTo(cpuBudget) >= 0) {
      return Optional.of(
          "it used "
              + seconds(used)
              + " of CPU in "
              + seconds(Duration.ofNanos(nowNanos - startNanos))
              + " without becoming ready");
    }
    if (logLength != markLogLength || used.minus(markCpu).compareTo(workingCpu) >= 0) {
      markNanos = nowNanos;
      markCpu = used;
      markLogLength = logLength;
      return Optional.empty();
    }
    Duration still = Duration.ofNanos(nowNanos - markNanos);
    if (still.compareTo(stallLimit) >= 0) {
      return Optional.of(
          "no progress for "
              + seconds(still)
              + " (its log did not grow and it used "
              + seconds(used.minus(markCpu))
              + " of CPU; "
              + seconds(used)
              + " of CPU in "
              + seconds(Duration.ofNanos(nowNanos - startNanos))
              + " since it started)");
    }
    return Optional.empty();
  }

  /** Wall-clock time since the start, for messages. */
  Duration elapsed(long nowNanos) {
    return Duration.ofNanos(nowNanos - startNanos);
  }

  static String seconds(Duration d) {
    return String.format(java.util.Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
  }
}
