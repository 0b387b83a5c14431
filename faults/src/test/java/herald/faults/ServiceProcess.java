package herald.faults;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One Herald service in a JVM of its own ({@code herald.api.ApiMain}, {@code
 * herald.indexer.IndexerMain}, {@code herald.publisher.PublisherMain}) on this test's class path,
 * its output appended to a log file; started again with the same environment after a kill.
 *
 * <p>NOTE: each child runs C1 only, with the serial collector: the suite starts these JVMs a dozen
 * times on a busy 2-core machine, where C2's compilations and parallel GC threads cost CPU that the
 * services' own work then does not get.
 */
final class ServiceProcess implements AutoCloseable {
  private final String name;
  private final String mainClass;
  private final Map<String, String> env;
  private final Path log;
  private final int port;
  private volatile Process process;

  ServiceProcess(String name, String mainClass, Map<String, String> env, Path workDir, int port) {
    this.name = name;
    this.mainClass = mainClass;
    this.env = Map.copyOf(env);
    this.log = workDir.resolve("logs").resolve(name + ".log");
    this.port = port;
  }

  String name() {
    return name;
  }

  /** Where the service answers HTTP. */
  String url() {
    return "http://127.0.0.1:" + port;
  }

  Path log() {
    return log;
  }

  /** Starts the JVM (without waiting for the service to be ready). */
  synchronized void start() {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException(name + " is running");
    }
    try {
      Files.createDirectories(log.getParent());
      Files.writeString(
          log,
          "----- start " + java.time.Instant.now() + "\n",
          java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx384m");
    command.add("-XX:+UseSerialGC");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("--add-modules=jdk.incubator.vector");
    command.add("--enable-native-access=ALL-UNNAMED");
    if (Runtime.version().feature() >= 24) {
      command.add("--sun-misc-unsafe-memory-access=allow");
    }
    command.add("-cp");
    command.add(classPath());
    command.add(mainClass);
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(Redirect.appendTo(log.toFile()));
    builder.environment().clear();
    builder.environment().putAll(env);
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("could not start " + name, e);
    }
  }

  /** Kills the JVM with SIGKILL, as a crash would, and waits until it is gone. */
  synchronized void kill() {
    Process p = process;
    if (p == null) {
      return;
    }
    p.destroyForcibly();
    awaitExit(p, 60);
  }

  /** Stops the JVM with SIGTERM (its shutdown hook drains), SIGKILL after a minute. */
  synchronized void stop() {
    Process p = process;
    if (p == null || !p.isAlive()) {
      return;
    }
    p.destroy();
    if (!awaitExit(p, 60)) {
      p.destroyForcibly();
      awaitExit(p, 60);
    }
  }

  boolean isAlive() {
    Process p = process;
    return p != null && p.isAlive();
  }

  @Override
  public void close() {
    stop();
  }

  private static boolean awaitExit(Process p, int seconds) {
    try {
      return p.waitFor(seconds, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** This JVM's class path, every entry absolute (a surefire booter jar's manifest included). */
  static String classPath() {
    StringBuilder out = new StringBuilder();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (entry.isEmpty()) {
        continue;
      }
      if (out.length() > 0) {
        out.append(File.pathSeparator);
      }
      out.append(Path.of(entry).toAbsolutePath().normalize());
    }
    return out.toString();
  }
}
