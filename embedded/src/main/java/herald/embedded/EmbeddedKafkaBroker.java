package herald.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Node;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kafka KRaft broker (combined broker and controller, one node) running in a child JVM, so
 * that it can be killed with SIGKILL and restarted on the same port and data.
 *
 * <p>Layout of {@code dataDir}: {@code kraft/} is the log directory (topic data and the metadata
 * log), {@code ports.properties} the broker and controller ports, reused on the next start while
 * they are free, {@code server.properties} the generated config, {@code broker.log} the child's
 * output (each step of a start or stop, and WARN and above) and, after a start that got stuck,
 * {@code broker-threads.txt} its threads.
 *
 * <p>A start is waited for while the broker makes progress (see {@link StartWatch}), however long
 * that takes on a busy machine; one that is stuck fails with what the broker was doing.
 *
 * <p>NOTE on durability: with one node, {@code acks=all} means the record is in the broker's log
 * file, i.e. in the OS page cache. That survives the broker process being killed (what {@link
 * #kill()} does) but not a power loss; {@code log.flush.interval.messages} is deliberately left at
 * Kafka's default (no fsync per record), as in any production Kafka that relies on replication.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
  private static final String LOOPBACK = "127.0.0.1";
  // No fixed time limit for a start (a loaded machine can take minutes): the child is stuck when
  // it neither logs nor computes for STALL_LIMIT, or burns CPU_BUDGET without getting ready. Its
  // lifecycle loggers (broker-logback.xml) log each step of a start, so a slow start keeps logging.
  private static final Duration STALL_LIMIT = Duration.ofSeconds(60);
  private static final Duration WORKING_CPU = Duration.ofSeconds(3);
  private static final Duration CPU_BUDGET = Duration.ofMinutes(5);
  private static final Duration THREAD_DUMP_WAIT = Duration.ofSeconds(30);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration POLL_INTERVAL = Duration.ofMillis(100);
  private static final int LOG_TAIL_BYTES = 8 * 1024;
  private static final String CHILD_LOGBACK_CONFIG = "herald/embedded/broker-logback.xml";

  private final Path dataDir;
  private final int port;
  private final int advertisedPort;
  private final int controllerPort;
  private final Thread stopOnExit;
  // Volatile so that isAlive() need not wait for a restart holding the lock.
  private volatile Process process;
  private OutputStream lifeline;
  private boolean closed;

  private EmbeddedKafkaBroker(Path dataDir, int port, int advertisedPort, int controllerPort) {
    this.dataDir = dataDir;
    this.port = port;
    this.advertisedPort = advertisedPort;
    this.controllerPort = controllerPort;
    // Closed, not only stopped, so that a supervisor does not start it again meanwhile.
    this.stopOnExit = new Thread(this::close, "herald-kafka-broker-stop");
  }

  /**
   * Starts a broker on {@code port} (0 reuses the port this directory had if it is free, else picks
   * a free one), formatting the storage under {@code dataDir} on first use, and waits until it
   * answers. It is stopped when this JVM exits, unless closed before.
   */
  public static EmbeddedKafkaBroker start(Path dataDir, int port) {
    return start(dataDir, port, 0, true);
  }

  /**
   * As {@link #start(Path, int)}, but telling clients to connect to {@code
   * 127.0.0.1:advertisedPort} after their first contact: where a test puts a proxy in front of the
   * broker (the fault-matrix suite, which makes the broker unreachable without stopping it), so
   * that every connection of the services goes through it. The proxy must forward to {@link
   * #port()}.
   */
  public static EmbeddedKafkaBroker startBehindProxy(Path dataDir, int port, int advertisedPort) {
    if (advertisedPort <= 0) {
      throw new IllegalArgumentException("advertisedPort must be a port, was " + advertisedPort);
    }
    return start(dataDir, port, advertisedPort, true);
  }

  /**
   * As {@link #start(Path, int)}; with {@code stopOnExit} false the caller stops it in its own
   * shutdown hook, after what uses it (a hook of ours would run at the same time as the caller's).
   * Either way the broker exits by itself once this JVM is gone.
   */
  static EmbeddedKafkaBroker start(Path dataDir, int port, boolean stopOnExit) {
    return start(dataDir, port, 0, stopOnExit);
  }

  private static EmbeddedKafkaBroker start(
      Path dataDir, int port, int advertisedPort, boolean stopOnExit) {
    Path dir = dataDir.toAbsolutePath();
    EmbeddedKafkaBroker broker;
    try {
      Files.createDirectories(dir);
      Properties ports = loadProperties(dir.resolve("ports.properties"));
      int brokerPort = port != 0 ? port : reuseOrPickPort(ports.getProperty("port"), -1);
      int controllerPort = reuseOrPickPort(ports.getProperty("controller.port"), brokerPort);
      ports.setProperty("port", Integer.toString(brokerPort));
      ports.setProperty("controller.port", Integer.toString(controllerPort));
      storeProperties(ports, dir.resolve("ports.properties"), "ports of the embedded Kafka broker");
      broker =
          new EmbeddedKafkaBroker(
              dir, brokerPort, advertisedPort > 0 ? advertisedPort : brokerPort, controllerPort);
      storeProperties(
          broker.serverProperties(),
          broker.serverPropertiesFile(),
          "generated by EmbeddedKafkaBroker on each start");
    } catch (IOException e) {
      throw new UncheckedIOException("could not prepare Kafka data directory " + dir, e);
    }
    if (stopOnExit) {
      Runtime.getRuntime().addShutdownHook(broker.stopOnExit);
    }
    try {
      broker.launch();
    } catch (RuntimeException e) {
      broker.close();
      throw e;
    }
    return broker;
  }

  /** Where clients connect: {@code 127.0.0.1:port}. */
  public String bootstrapServers() {
    return LOOPBACK + ":" + port;
  }

  /** The directory given to {@link #start}. */
  public Path dataDir() {
    return dataDir;
  }

  /** The port the broker listens on (clients may be told another: {@link #startBehindProxy}). */
  public int port() {
    return port;
  }

  /** The broker process's id, while it runs (for a test that pauses it with SIGSTOP). */
  public OptionalLong pid() {
    Process p = process;
    return p != null && p.isAlive() ? OptionalLong.of(p.pid()) : OptionalLong.empty();
  }

  /** Kills the broker with SIGKILL, as a crash would, and waits until it is gone. */
  public synchronized void kill() {
    if (process == null) {
      return;
    }
    process.destroyForcibly();
    awaitExit(process);
    LOG.info("Kafka broker on {} killed", bootstrapServers());
    releaseProcess();
  }

  /**
   * Starts the broker again on the same ports and data (stopping it gracefully first if it is
   * running) and waits until it answers.
   */
  public synchronized void restart() {
    if (closed) {
      throw new IllegalStateException("broker on " + bootstrapServers() + " is closed");
    }
    stop();
    launch();
  }

  /**
   * Starts the broker again when its process died by itself (a crash, an out-of-memory kill, a
   * {@link #kill}) and it is not closed; true when it did. What a {@link BrokerSupervisor} calls.
   */
  public synchronized boolean restartIfDead() {
    if (closed || isAlive()) {
      return false;
    }
    if (process != null) {
      releaseProcess();
    }
    launch();
    return true;
  }

  /** Whether the broker process is running (not whether it is ready). */
  public boolean isAlive() {
    Process p = process;
    return p != null && p.isAlive();
  }

  /** Stops the broker gracefully (SIGTERM, then SIGKILL after 20 s); the data stays on disk. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    stop();
    try {
      Runtime.getRuntime().removeShutdownHook(stopOnExit);
    } catch (IllegalStateException alreadyShuttingDown) {
      // The hook is what is running us, or about to; either way there is nothing to undo.
    }
  }

  private synchronized void stop() {
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn(
            "Kafka broker on {} ignored SIGTERM for {}, killing it",
            bootstrapServers(),
            STOP_TIMEOUT);
        process.destroyForcibly();
        awaitExit(process);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    LOG.info("Kafka broker on {} stopped", bootstrapServers());
    releaseProcess();
  }

  private void releaseProcess() {
    try {
      lifeline.close();
    } catch (IOException ignored) {
      // The child is gone; the pipe to it is of no further use.
    }
    process = null;
    lifeline = null;
  }

  /**
   * This JVM's class path with every entry made absolute: the child runs in the data directory,
   * where a relative entry (as in {@code java -jar deploy/target/herald.jar}) would point nowhere.
   */
  static String absoluteClassPath() {
    String cp = System.getProperty("java.class.path");
    StringBuilder out = new StringBuilder();
    for (String entry : cp.split(java.io.File.pathSeparator)) {
      if (entry.isEmpty()) {
        continue;
      }
      if (out.length() > 0) {
        out.append(java.io.File.pathSeparator);
      }
      out.append(Path.of(entry).toAbsolutePath().normalize());
    }
    return out.toString();
  }

  private synchronized void launch() {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xms64m");
    command.add("-Xmx512m");
    command.add("-XX:+UseSerialGC");
    command.add("-Djava.awt.headless=true");
    if (Runtime.version().feature() >= 24) {
      // Kafka unmaps its index files through sun.misc.Unsafe; JDK 24+ warns about that on stderr
      // (broker.log) unless told it is allowed.
      command.add("--sun-misc-unsafe-memory-access=allow");
    }
    // An explicit config wins over any logback(-test).xml on the shared classpath.
    command.add("-Dlogback.configurationFile=" + CHILD_LOGBACK_CONFIG);
    // Under surefire/failsafe this is the full test classpath (or a manifest-only booter jar),
    // in the launcher a jar whose manifest lists the rest: either way it holds Kafka and us.
    command.add("-cp");
    command.add(absoluteClassPath());
    command.add(BrokerMain.class.getName());
    command.add(serverPropertiesFile().toString());
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(dataDir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(Redirect.appendTo(brokerLog().toFile()));
    // stdin stays a pipe that nothing is written to: BrokerMain exits when it closes, which the
    // OS does when this JVM dies, however it dies.
    builder.redirectInput(Redirect.PIPE);
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("could not start the Kafka broker JVM", e);
    }
    lifeline = process.getOutputStream();
    LOG.info(
        "Kafka broker starting on {} (pid {}, data in {})",
        bootstrapServers(),
        process.pid(),
        dataDir);
    try {
      awaitReady();
    } catch (RuntimeException e) {
      process.destroyForcibly();
      awaitExit(process);
      releaseProcess();
      throw e;
    }
    LOG.info("Kafka broker ready on {}", bootstrapServers());
  }

  private void awaitReady() {
    StartWatch watch =
        new StartWatch(STALL_LIMIT, WORKING_CPU, CPU_BUDGET, System.nanoTime(), logLength());
    // A plain TCP connect first: it fails silently, an AdminClient logs a WARN per attempt.
    while (!acceptsConnections()) {
      checkStillStarting(watch, "not listening on its port yet", null);
      pause();
    }
    Properties config = new Properties();
    config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000);
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2_000);
    // Retry quickly: the broker is local and we are polling anyway.
    config.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200);
    Exception last = null;
    try (Admin admin = Admin.create(config)) {
      while (true) {
        try {
          // A broker is listed only once it is registered and unfenced, i.e. able to lead
          // partitions; listening alone is not enough.
          Collection<Node> nodes = admin.describeCluster().nodes().get(2, TimeUnit.SECONDS);
          if (!nodes.isEmpty()) {
            return;
          }
        } catch (ExecutionException | TimeoutException e) {
          last = e;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while waiting for the Kafka broker", e);
        }
        checkStillStarting(watch, "listening, but not yet registered and unfenced", last);
        pause();
      }
    }
  }

  private void checkStillStarting(StartWatch watch, String phase, Exception cause) {
    if (!process.isAlive()) {
      throw new IllegalStateException(
          "Kafka broker exited with code "
              + process.exitValue()
              + " while starting on "
              + bootstrapServers()
              + "; end of "
              + brokerLog()
              + ":\n"
              + tail(brokerLog()),
          cause);
    }
    long now = System.nanoTime();
    Optional<String> stuck = watch.check(now, process.info().totalCpuDuration(), logLength());
    if (stuck.isPresent()) {
      throw new IllegalStateException(
          "Kafka broker on "
              + bootstrapServers()
              + " is stuck after "
              + StartWatch.seconds(watch.elapsed(now))
              + ", "
              + phase
              + ": "
              + stuck.get()
              + ".\nIts main thread: "
              + mainThreadOf(threadDump())
              + "\nEnd of "
              + brokerLog()
              + " (its last step is the last line of kafka.server):\n"
              + tail(brokerLog()),
          cause);
    }
  }

  private long logLength() {
    try {
      return Files.size(brokerLog());
    } catch (IOException e) {
      return 0;
    }
  }

  /**
   * The child's threads as {@code jcmd Thread.print} shows them, also kept in {@code
   * broker-threads.txt} beside the log; a message saying why not when they cannot be had.
   */
  private String threadDump() {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    if (!Files.isExecutable(jcmd)) {
      return "(no thread dump: " + jcmd + " is missing)";
    }
    Path out = dataDir.resolve("broker-threads.txt");
    try {
      Process dump =
          new ProcessBuilder(jcmd.toString(), Long.toString(process.pid()), "Thread.print")
              .redirectErrorStream(true)
              .redirectOutput(out.toFile())
              .start();
      if (!dump.waitFor(THREAD_DUMP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        dump.destroyForcibly();
        return "(no thread dump: jcmd did not answer within " + THREAD_DUMP_WAIT + ")";
      }
      return Files.readString(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no thread dump: " + e + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "(no thread dump: interrupted)";
    }
  }

  /** The stack of the thread named "main" in a thread dump (Kafka starts up on it). */
  static String mainThreadOf(String dump) {
    int start = dump.indexOf("\n\"main\"");
    if (start < 0) {
      return dump.length() > 2_000 ? dump.substring(0, 2_000) + "…" : dump;
    }
    int end = dump.indexOf("\n\n", start + 1);
    return dump.substring(start + 1, end < 0 ? dump.length() : end);
  }

  private boolean acceptsConnections() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(LOOPBACK, port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private Properties serverProperties() {
    Properties p = new Properties();
    p.setProperty("process.roles", "broker,controller");
    p.setProperty("node.id", "1");
    p.setProperty(
        "listeners",
        "PLAINTEXT://"
            + LOOPBACK
            + ":"
            + port
            + ",CONTROLLER://"
            + LOOPBACK
            + ":"
            + controllerPort);
    p.setProperty("advertised.listeners", "PLAINTEXT://" + LOOPBACK + ":" + advertisedPort);
    p.setProperty("controller.listener.names", "CONTROLLER");
    p.setProperty("inter.broker.listener.name", "PLAINTEXT");
    p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    // Static voters rather than a dynamic quorum: the voter's address then comes from this file
    // on every start, not from the metadata log, so a changed controller port is harmless.
    p.setProperty("controller.quorum.voters", "1@" + LOOPBACK + ":" + controllerPort);
    p.setProperty("log.dirs", logDir().toString());
    // One node: every internal topic must make do with one replica.
    p.setProperty("num.partitions", "1");
    p.setProperty("default.replication.factor", "1");
    p.setProperty("min.insync.replicas", "1");
    p.setProperty("offsets.topic.replication.factor", "1");
    p.setProperty("transaction.state.log.replication.factor", "1");
    p.setProperty("transaction.state.log.min.isr", "1");
    p.setProperty("share.coordinator.state.topic.replication.factor", "1");
    p.setProperty("share.coordinator.state.topic.min.isr", "1");
    // Fewer internal partitions: creating 50 on first use costs seconds and buys nothing here.
    p.setProperty("offsets.topic.num.partitions", "5");
    p.setProperty("transaction.state.log.num.partitions", "5");
    // After a kill the restarted controller refuses the broker's new registration until the dead
    // incarnation's session expires (DUPLICATE_BROKER_REGISTRATION): the session timeout is the
    // restart time. 9 s by default; 3 s still tolerates multi-second pauses of a loaded machine.
    p.setProperty("broker.session.timeout.ms", "3000");
    p.setProperty("broker.heartbeat.interval.ms", "500");
    // No point waiting for more members to join a group on a development broker.
    p.setProperty("group.initial.rebalance.delay.ms", "0");
    // Services create their topics with the partitions they need; a typo must not create one.
    p.setProperty("auto.create.topics.enable", "false");
    return p;
  }

  private Path serverPropertiesFile() {
    return dataDir.resolve("server.properties");
  }

  private Path logDir() {
    return dataDir.resolve("kraft");
  }

  private Path brokerLog() {
    return dataDir.resolve("broker.log");
  }

  private static int reuseOrPickPort(String stored, int taken) throws IOException {
    if (stored != null) {
      int port = Integer.parseInt(stored.trim());
      if (port != taken && isFree(port)) {
        return port;
      }
    }
    while (true) {
      try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
        if (socket.getLocalPort() != taken) {
          return socket.getLocalPort();
        }
      }
    }
  }

  private static boolean isFree(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      // As Kafka binds: connections of a killed broker lingering in TIME_WAIT do not block it.
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(LOOPBACK, port), 1);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static Properties loadProperties(Path file) throws IOException {
    Properties p = new Properties();
    if (Files.exists(file)) {
      try (InputStream in = Files.newInputStream(file)) {
        p.load(in);
      }
    }
    return p;
  }

  private static void storeProperties(Properties p, Path file, String comment) throws IOException {
    try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      p.store(out, comment);
    }
  }

  static String tail(Path file) {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
      long start = Math.max(0, raf.length() - LOG_TAIL_BYTES);
      byte[] bytes = new byte[(int) (raf.length() - start)];
      raf.seek(start);
      raf.readFully(bytes);
      return new String(bytes, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(could not read " + file + ": " + e + ")";
    }
  }

  private static void awaitExit(Process process) {
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void pause() {
    try {
      Thread.sleep(POLL_INTERVAL.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the Kafka broker", e);
    }
  }
}
