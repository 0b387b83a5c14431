package herald.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server started from the zonky binaries, its cluster kept in a directory so that
 * it survives restarts.
 *
 * <p>Layout of {@code dataDir}: {@code pgdata/} is the cluster (initdb'd on first start, reused
 * afterwards), {@code postgres.log} the server's output and {@code superuser.password} the
 * superuser's password (generated on first start, owner-only). Every connection, also on loopback,
 * needs that password: another user of the machine must not get into the database.
 *
 * <p>NOTE: zonky's initdb trusts every local connection; on the very first start of a directory
 * that lasts from initdb until the password is set and {@code pg_hba.conf} replaced, a moment
 * before anything else connects. Later starts write {@code pg_hba.conf} before the server starts.
 *
 * <p>NOTE: zonky runs the server with {@code fsync=off}; commits are written to the OS before they
 * are acknowledged ({@code synchronous_commit=on}), so they survive the server or this JVM being
 * killed, but not a power loss. That is the same promise the embedded Kafka broker makes.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

  /** The database the services use. */
  public static final String DATABASE = "herald";

  /** The superuser initdb creates; it logs in with the password kept beside the cluster. */
  public static final String USER = "postgres";

  /** The file beside {@code pgdata/} that keeps the superuser's password. */
  public static final String PASSWORD_FILE = "superuser.password";

  /** Every connection authenticates with a password (SCRAM), local socket and loopback alike. */
  static final String HBA =
      """
      # Written by Herald on every start: every connection needs the superuser's password,
      # kept in ../superuser.password.
      local all all scram-sha-256
      host all all 127.0.0.1/32 scram-sha-256
      host all all ::1/128 scram-sha-256
      """;

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgresServer.class);
  private static final String LOOPBACK = "127.0.0.1";
  // How long zonky waits for the server to accept connections after pg_ctl start: a ceiling for a
  // server that is stuck (a second or two on an idle machine), not an expectation.
  private static final Duration STARTUP_WAIT = Duration.ofMinutes(3);
  private static final Duration ORPHAN_STOP_WAIT = Duration.ofSeconds(30);
  // zonky holds this lock for as long as its server runs; see stopOrphan.
  private static final String ZONKY_LOCK = "epg-lock";

  private final EmbeddedPostgres postgres;
  private final Path dataDir;
  private final PgSettings settings;
  private final AtomicBoolean closed = new AtomicBoolean();

  private EmbeddedPostgresServer(
      EmbeddedPostgres postgres, Path dataDir, Path pgdata, String password) {
    this.postgres = postgres;
    this.dataDir = dataDir;
    PgSettings admin = new PgSettings(LOOPBACK, postgres.getPort(), "postgres", USER, password);
    requirePassword(admin, dataDir, pgdata);
    this.settings = PgDatabases.createIfAbsent(admin, DATABASE);
  }

  /**
   * Starts PostgreSQL on {@code port} (0 picks a free one), creating the cluster under {@code
   * dataDir} if it is not there yet and the {@value #DATABASE} database if it is missing. It is
   * stopped when this JVM exits, unless closed before.
   */
  public static EmbeddedPostgresServer start(Path dataDir, int port) {
    return start(dataDir, port, true);
  }

  /**
   * As {@link #start(Path, int)}; with {@code stopOnExit} false the caller stops it in its own
   * shutdown hook, after what uses it (a hook of ours would run at the same time as the caller's
   * and cut its connections).
   */
  static EmbeddedPostgresServer start(Path dataDir, int port, boolean stopOnExit) {
    Path dir = dataDir.toAbsolutePath();
    Path pgdata = dir.resolve("pgdata");
    EmbeddedPostgres postgres;
    String password;
    try {
      Files.createDirectories(dir);
      stopOrphan(pgdata);
      Path passwordFile = dir.resolve(PASSWORD_FILE);
      boolean passwordKept = Files.exists(passwordFile);
      password = passwordKept ? Files.readString(passwordFile).strip() : newPassword();
      if (passwordKept && Files.exists(pgdata.resolve("PG_VERSION"))) {
        // The password was set on an earlier start: want it from the first connection on.
        Files.writeString(pgdata.resolve("pg_hba.conf"), HBA);
      }
      // A file, not zonky's default pipe: the postmaster outlives a pipe reader if this JVM dies.
      Redirect log = Redirect.appendTo(dir.resolve("postgres.log").toFile());
      postgres =
          EmbeddedPostgres.builder()
              .setDataDirectory(pgdata)
              .setCleanDataDirectory(false)
              .setPort(port)
              .setServerConfig("listen_addresses", LOOPBACK)
              .setServerConfig("synchronous_commit", "on")
              // Code-point collation and Unicode-aware case mapping (lower() on Cyrillic)
              // without depending on the locales installed on the machine.
              .setLocaleConfig("locale", "C")
              .setLocaleConfig("locale-provider", "builtin")
              .setLocaleConfig("builtin-locale", "C.UTF-8")
              .setPGStartupWait(STARTUP_WAIT)
              // zonky's own readiness check logs in too.
              .setConnectConfig("password", password)
              .setRegisterShutdownHook(stopOnExit)
              .setOutputRedirector(log)
              .setErrorRedirector(log)
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "could not start PostgreSQL in " + pgdata + " (see " + dir.resolve("postgres.log") + ")",
          e);
    }
    try {
      EmbeddedPostgresServer server = new EmbeddedPostgresServer(postgres, dir, pgdata, password);
      LOG.info("PostgreSQL listening on {} (data in {})", server.settings, pgdata);
      return server;
    } catch (RuntimeException e) {
      closeQuietly(postgres);
      throw e;
    }
  }

  /**
   * Gives the superuser its password (a new cluster, or one from before passwords) and from then on
   * wants it from every connection.
   */
  private static void requirePassword(PgSettings admin, Path dataDir, Path pgdata) {
    try (java.sql.Connection c = PgDatabases.connect(admin);
        java.sql.Statement s = c.createStatement()) {
      // DDL takes no parameters; the password is base64url, so it needs no escaping.
      s.execute("ALTER ROLE " + USER + " PASSWORD '" + admin.password() + "'");
      // NOTE: order: the file is kept once the role has the password, and only then is the
      // password required; a crash in between leaves a directory the next start can still use.
      keep(dataDir.resolve(PASSWORD_FILE), admin.password());
      Files.writeString(pgdata.resolve("pg_hba.conf"), HBA);
      s.execute("SELECT pg_reload_conf()");
    } catch (java.sql.SQLException | IOException e) {
      throw new IllegalStateException("could not require a password on " + admin, e);
    }
  }

  private static String newPassword() {
    byte[] raw = new byte[24];
    new java.security.SecureRandom().nextBytes(raw);
    return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
  }

  /** Writes the password to {@code file}, owner-only, whole or not at all. */
  private static void keep(Path file, String password) throws IOException {
    if (Files.exists(file)) {
      return;
    }
    Path tmp = Files.createTempFile(file.getParent(), "." + PASSWORD_FILE, ".tmp");
    try {
      Files.setPosixFilePermissions(
          tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system: the data directory's own protection has to do.
    }
    Files.writeString(tmp, password + "\n");
    Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /** The {@value #DATABASE} database as the {@value #USER} superuser. */
  public PgSettings settings() {
    return settings;
  }

  /**
   * Creates a new, empty database on this server (for isolating tests) and returns its settings.
   */
  public PgSettings createDatabase(String name) {
    return PgDatabases.create(settings, name);
  }

  /** The directory given to {@link #start}. */
  public Path dataDir() {
    return dataDir;
  }

  /** Stops the server (fast shutdown); the cluster stays on disk. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      closeQuietly(postgres);
      LOG.info("PostgreSQL on port {} stopped", settings.port());
    }
  }

  private static void closeQuietly(EmbeddedPostgres postgres) {
    try {
      postgres.close();
    } catch (IOException e) {
      LOG.warn("could not stop PostgreSQL on port {}", postgres.getPort(), e);
    }
  }

  /**
   * Stops a postmaster still running on {@code pgdata} after the JVM that started it died (a
   * SIGKILLed launcher or test run), so that the next start on the same directory works.
   */
  static void stopOrphan(Path pgdata) throws IOException {
    Path pidFile = pgdata.resolve("postmaster.pid");
    if (!Files.exists(pidFile)) {
      return;
    }
    List<String> lines = Files.readAllLines(pidFile);
    if (lines.isEmpty()) {
      return;
    }
    long pid;
    try {
      pid = Long.parseLong(lines.get(0).trim());
    } catch (NumberFormatException e) {
      return;
    }
    // A pid file without a live postgres behind it is stale, and PostgreSQL handles that itself.
    Optional<ProcessHandle> postmaster =
        ProcessHandle.of(pid)
            .filter(ProcessHandle::isAlive)
            .filter(p -> p.info().command().map(c -> c.contains("postgres")).orElse(false));
    if (postmaster.isEmpty()) {
      return;
    }
    // zonky locks this file from before the postmaster starts until after it stops: if the lock
    // is free, the server's owner is gone and nobody else will stop it.
    try (FileChannel channel =
            FileChannel.open(
                pgdata.resolve(ZONKY_LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = channel.tryLock()) {
      if (lock == null) {
        throw new IllegalStateException(
            "PostgreSQL in " + pgdata + " is in use by another process (pid " + pid + ")");
      }
    } catch (OverlappingFileLockException e) {
      throw new IllegalStateException("PostgreSQL in " + pgdata + " is already started here", e);
    }
    LOG.warn("stopping PostgreSQL (pid {}) left running in {} by a process that died", pid, pgdata);
    // SIGTERM is a smart shutdown: it waits for sessions, but those died with their owner.
    postmaster.get().destroy();
    try {
      postmaster.get().onExit().get(ORPHAN_STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while stopping orphaned PostgreSQL", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(
          "orphaned PostgreSQL (pid " + pid + ") in " + pgdata + " did not stop", e);
    }
  }
}
