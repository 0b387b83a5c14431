package herald.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@link Infrastructure} per test JVM, started on first use under {@code target/it-infra} and
 * stopped when the JVM exits, honouring the same environment overrides as the services.
 *
 * <p>Each test JVM gets its own directory ({@code target/it-infra/run-<pid>}), so parallel forks do
 * not share a cluster; directories of earlier runs are removed when the next one starts, and the
 * last one is kept for its {@code broker.log} and {@code postgres.log}.
 */
public final class TestInfrastructure {

  private static final Logger LOG = LoggerFactory.getLogger(TestInfrastructure.class);
  private static final String RUN_PREFIX = "run-";

  private static Infrastructure shared;
  private static final List<String> externalDatabases = new ArrayList<>();

  private TestInfrastructure() {}

  /** The infrastructure shared by all tests in this JVM, started on first call. */
  public static synchronized Infrastructure shared() {
    if (shared == null) {
      Path root = Path.of("target", "it-infra").toAbsolutePath();
      removeEarlierRuns(root);
      Path dir = root.resolve(RUN_PREFIX + ProcessHandle.current().pid());
      Infrastructure infra = Infrastructure.fromEnv(System.getenv(), dir);
      Runtime.getRuntime()
          .addShutdownHook(new Thread(() -> stop(infra), "herald-test-infrastructure-stop"));
      shared = infra;
    }
    return shared;
  }

  /** A new, empty database (unique name) on the shared server, for isolating one test class. */
  public static PgSettings freshDatabase() {
    Infrastructure infra = shared();
    String name = "test_" + randomSuffix() + randomSuffix();
    PgSettings settings = PgDatabases.create(infra.pg(), name);
    if (infra.postgres().isEmpty()) {
      synchronized (TestInfrastructure.class) {
        externalDatabases.add(name);
      }
    }
    return settings;
  }

  /** {@code base} plus a short random suffix, for isolating tests on the shared broker. */
  public static String uniqueTopic(String base) {
    return base + "-" + randomSuffix();
  }

  private static String randomSuffix() {
    return String.format("%08x", ThreadLocalRandom.current().nextInt());
  }

  private static void stop(Infrastructure infra) {
    // An embedded server's databases go with its directory; an external server keeps them, so
    // drop the ones this JVM made there.
    List<String> toDrop;
    synchronized (TestInfrastructure.class) {
      toDrop = List.copyOf(externalDatabases);
    }
    for (String name : toDrop) {
      try {
        PgDatabases.drop(infra.pg(), name);
      } catch (RuntimeException e) {
        LOG.warn("could not drop test database {}", name, e);
      }
    }
    infra.close();
  }

  private static void removeEarlierRuns(Path root) {
    if (!Files.isDirectory(root)) {
      return;
    }
    try (Stream<Path> runs = Files.list(root)) {
      runs.filter(TestInfrastructure::isAbandoned).forEach(TestInfrastructure::remove);
    } catch (IOException e) {
      LOG.warn("could not list {}", root, e);
    }
  }

  private static boolean isAbandoned(Path dir) {
    String name = dir.getFileName().toString();
    if (!name.startsWith(RUN_PREFIX)) {
      return false;
    }
    try {
      long pid = Long.parseLong(name.substring(RUN_PREFIX.length()));
      Optional<ProcessHandle> owner = ProcessHandle.of(pid);
      return owner.isEmpty() || !owner.get().isAlive();
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static void remove(Path dir) {
    try {
      // A run that was SIGKILLed left its PostgreSQL running; its broker exits on its own.
      EmbeddedPostgresServer.stopOrphan(dir.resolve("postgres").resolve("pgdata"));
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    } catch (IOException | UncheckedIOException | IllegalStateException e) {
      LOG.warn("could not remove earlier test infrastructure in {}", dir, e);
    }
  }
}
