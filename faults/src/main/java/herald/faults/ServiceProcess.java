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
 * <p>The JVM's options are the caller's ({@link Stack.Options}).
 */
public final class ServiceProcess implements AutoCloseable {
  private final String name;
  private final String mainClass;
  private final Map<String, String> env;
  private final Path log;
  private final int port;
  private final List<String> jvmArgs;
  private volatile Process process;

  public ServiceProcess(
      String name,
      String mainClass,
      Map<String, String> env,
      Path workDir,
      int port,
      List<String> jvmArgs) {
    this.name = name;
    this.mainClass = mainClass;
    this.env = Map.copyOf(env);
    this.log = workDir.resolve("logs").resolve(name + ".log");
    this.port = port;
    this.jvmArgs = List.copyOf(jvmArgs);
  }

  public String name() {
    return name;
  }

  /** Where the service answers HTTP. */
  public String url() {
    return "http://127.0.0.1:" + port;
  }

  public Path log() {
    return log;
  }

  /** Starts the JVM (without waiting for the service to be ready). */
  public synchronized void start() {
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
    command.addAll(jvmArgs);
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
  public synchronized void kill() {
    Process p = process;
    if (p == null) {
      return;
    }
    p.destroyForcibly();
    awaitExit(p, 60);
  }

  /** Stops the JVM with SIGTERM (its shutdown hook drains), SIGKILL after a minute. */
  public synchronized void stop() {
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

  /** The running JVM's process id. */
  public long pid() {
    Process p = process;
    if (p == null || !p.isAlive()) {
      throw new IllegalStateException(name + " is not running");
    }
    return p.pid();
  }

  public boolean isAlive() {
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
  public static String classPath() {
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
