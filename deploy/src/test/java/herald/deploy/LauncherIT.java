package herald.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The packaged launcher as a newcomer runs it ({@code java -jar deploy/target/herald.jar}, as
 * {@code ./herald start} does), stopped by a signal as Ctrl+C or a service manager stops it: what
 * it prints is the contract.
 */
class LauncherIT {

  // Ceilings for a stuck launcher, not expectations (a start takes 20–40 s, a stop seconds).
  private static final long START_CEILING_MINUTES = 10;
  private static final long STOP_CEILING_MINUTES = 3;
  // The JVM's notice at every start with the vector module; ./herald filters out this one line.
  private static final String INCUBATOR_NOTICE =
      "WARNING: Using incubator modules: jdk.incubator.vector";
  private static final Pattern NOISE =
      Pattern.compile("WARN|ERROR|Exception|^\\s+at |SLF4J|WARNING|^[A-Z][a-z]{2} \\d\\d, \\d{4}");

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"INT", "TERM"})
  @DisplayName(
      "the launcher prints each start-up step and no warning, and a signal stops it with one line")
  void startAndStopBySignal(String signal) throws Exception {
    // A JVM started in the background of a script has SIGINT ignored, and so has its child: the
    // launcher must then keep running on Ctrl+C, which is not what this test is about.
    assumeFalse("INT".equals(signal) && sigintIgnored(), "SIGINT is ignored in this process");
    Path dataDir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), ".launcher-it");
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // As ./herald starts it (without Lucene's SIMD module, Lucene warns).
                "--add-modules",
                "jdk.incubator.vector",
                "-jar",
                Path.of("target", "herald.jar").toAbsolutePath().toString())
            .redirectErrorStream(true);
    Map<String, String> env = builder.environment();
    env.put("HERALD_DATA_DIR", dataDir.toString());
    env.put("HERALD_API_PORT", "0");
    env.put("HERALD_INDEXER_PORT", "0");
    env.put("HERALD_PUBLISHER_PORT", "0");
    env.put("HERALD_SMTP_PORT", "0");
    // The infrastructure is the launcher's own, whatever this test run points at.
    env.remove("PG_HOST");
    env.remove("KAFKA_BOOTSTRAP_SERVERS");
    Process launcher = builder.start();
    List<String> lines = new ArrayList<>();
    CompletableFuture<Void> output = readAll(launcher, lines);
    try {
      awaitLine(lines, launcher, "Stop with Ctrl+C");
      int stopAt;
      synchronized (lines) {
        stopAt = lines.size();
      }
      new ProcessBuilder("kill", "-" + signal, Long.toString(launcher.pid()))
          .inheritIO()
          .start()
          .waitFor();
      assertTrue(launcher.waitFor(STOP_CEILING_MINUTES, TimeUnit.MINUTES), "stopped");
      output.get(1, TimeUnit.MINUTES);
      String all = String.join("\n", lines);
      // 128 + the signal's number, as for any JVM that a signal stopped.
      assertEquals("INT".equals(signal) ? 130 : 143, launcher.exitValue(), all);

      List<String> start = lines.subList(0, stopAt);
      assertTrue(start.get(0).startsWith("Starting Herald; data in " + dataDir), all);
      for (String step :
          List.of(
              "  PostgreSQL and the Kafka broker (first start: creating their data)…",
              "  indexer (search)…",
              "  publisher (website, social, newsletter)…",
              "  api…",
              "  demo content: the seed newsletter's entries…")) {
        assertTrue(start.contains(step), "missing step '" + step + "' in:\n" + all);
      }
      assertTrue(start.stream().anyMatch(l -> l.matches("Ready in \\d+\\.\\d s\\.")), all);
      assertEquals(
          List.of(),
          start.stream().filter(l -> NOISE.matcher(l).find()).toList(),
          "noise at start:\n" + all);

      List<String> stop = lines.subList(stopAt, lines.size());
      assertEquals(1, stop.size(), "one line at stop:\n" + all);
      assertTrue(
          stop.get(0)
              .matches(
                  "Stopping Herald… stopped in \\d+\\.\\d s; data stays in "
                      + Pattern.quote(dataDir.toString())
                      + "\\."),
          all);
      String log = Files.readString(dataDir.resolve("herald.log"));
      assertTrue(log.contains("Kafka broker on"), "the whole log is in herald.log");
      assertEquals(
          List.of(),
          log.lines().filter(l -> l.contains(" WARN ") || l.contains(" ERROR ")).toList(),
          "WARN or ERROR in herald.log");
    } finally {
      launcher.destroyForcibly();
      launcher.waitFor();
    }
  }

  /** Whether this process ignores SIGINT (bit 2 of SigIgn in /proc/self/status). */
  private static boolean sigintIgnored() throws IOException {
    Path status = Path.of("/proc/self/status");
    if (!Files.exists(status)) {
      return false;
    }
    return Files.readAllLines(status).stream()
        .filter(l -> l.startsWith("SigIgn:"))
        .anyMatch(l -> (Long.parseLong(l.substring(7).trim(), 16) & 0x2) != 0);
  }

  /** Waits until a line starts with {@code wanted} (the banner's last line). */
  private static void awaitLine(List<String> lines, Process launcher, String wanted)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(START_CEILING_MINUTES);
    synchronized (lines) {
      while (lines.stream().noneMatch(l -> l.startsWith(wanted))) {
        if (!launcher.isAlive() || System.nanoTime() - deadline > 0) {
          throw new AssertionError("launcher did not start:\n" + String.join("\n", lines));
        }
        lines.wait(1_000);
      }
    }
  }

  private static CompletableFuture<Void> readAll(Process launcher, List<String> lines) {
    return CompletableFuture.runAsync(
        () -> {
          try (BufferedReader out =
              new BufferedReader(
                  new InputStreamReader(launcher.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
              if (line.equals(INCUBATOR_NOTICE)) {
                continue;
              }
              synchronized (lines) {
                lines.add(line);
                lines.notifyAll();
              }
            }
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }
}
