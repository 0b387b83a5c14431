package herald.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;

/**
 * Entry point of the child JVM that {@link EmbeddedKafkaBroker} starts: formats the KRaft storage
 * on first use, runs Kafka, and exits when its parent JVM is gone.
 */
public final class BrokerMain {

  // Kafka shuts down gracefully on exit; if that hangs, the process must still not outlive us.
  private static final long HALT_AFTER_PARENT_GONE_MS = 30_000;

  private BrokerMain() {}

  /** Runs the broker described by the server.properties file named in {@code args[0]}. */
  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: BrokerMain <server.properties>");
      System.exit(2);
    }
    Path config = Path.of(args[0]);
    exitWhenParentIsGone();
    formatIfNeeded(config);
    kafka.Kafka.main(new String[] {config.toString()});
  }

  /**
   * The parent holds our stdin open and never writes to it; the OS closes it when the parent dies,
   * even by SIGKILL, which no shutdown hook in the parent can cover.
   */
  private static void exitWhenParentIsGone() {
    Thread watcher =
        new Thread(
            () -> {
              try {
                InputStream in = System.in;
                while (in.read() != -1) {
                  // Nothing is ever sent; keep reading until end of stream.
                }
              } catch (IOException e) {
                // A broken pipe means the same as end of stream.
              }
              // Also seen on a graceful stop: Process.destroy() closes the pipe after the SIGTERM.
              System.err.println("stdin closed: parent JVM stopping or gone, stopping Kafka");
              Thread halt =
                  new Thread(
                      () -> {
                        try {
                          Thread.sleep(HALT_AFTER_PARENT_GONE_MS);
                        } catch (InterruptedException e) {
                          Thread.currentThread().interrupt();
                        }
                        Runtime.getRuntime().halt(1);
                      },
                      "halt-if-shutdown-hangs");
              halt.setDaemon(true);
              halt.start();
              System.exit(0);
            },
            "parent-watcher");
    watcher.setDaemon(true);
    watcher.start();
  }

  private static void formatIfNeeded(Path config) throws IOException {
    Properties props = new Properties();
    try (InputStream in = Files.newInputStream(config)) {
      props.load(in);
    }
    Path logDir = Path.of(props.getProperty("log.dirs"));
    if (Files.exists(logDir.resolve("meta.properties"))) {
      return;
    }
    String[] format = {
      "format",
      "--cluster-id",
      Uuid.randomUuid().toString(),
      "--config",
      config.toString(),
      // A start killed half-way through formatting must not make the directory unusable.
      "--ignore-formatted"
    };
    int code;
    try {
      code = StorageTool.execute(format, System.out);
    } catch (Exception e) {
      // FormatterException and StorageTool's TerseFailure (a checked exception thrown from Scala)
      // carry the reason in their message.
      System.err.println("formatting " + logDir + " failed: " + e.getMessage());
      e.printStackTrace();
      code = 1;
    }
    if (code != 0) {
      System.exit(code);
    }
  }
}
