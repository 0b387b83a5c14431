package herald.embedded;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL and Kafka the services connect to: the ones the environment names, or embedded
 * ones started here when it names none.
 *
 * <p>The caller closes it, after the services that use it (in its shutdown hook, if it has one):
 * the embedded servers have no hooks of their own, which would stop them while the services still
 * drain. If the caller dies first, the broker exits by itself and the next start on the directory
 * stops the PostgreSQL left behind.
 */
public final class Infrastructure implements AutoCloseable {

  public static final int DEFAULT_PG_PORT = 5432;
  public static final String DEFAULT_PG_DATABASE = EmbeddedPostgresServer.DATABASE;
  public static final String DEFAULT_PG_USER = EmbeddedPostgresServer.USER;

  /** 0: a free port is picked (for Kafka, the one the data directory had if still free). */
  public static final int DEFAULT_EMBEDDED_PORT = 0;

  private static final Logger LOG = LoggerFactory.getLogger(Infrastructure.class);

  private final PgSettings pg;
  private final String kafkaBootstrapServers;
  private final EmbeddedPostgresServer postgres;
  private final EmbeddedKafkaBroker broker;
  private final BrokerSupervisor supervisor;

  private Infrastructure(
      PgSettings pg,
      String kafkaBootstrapServers,
      EmbeddedPostgresServer postgres,
      EmbeddedKafkaBroker broker) {
    this.pg = pg;
    this.kafkaBootstrapServers = kafkaBootstrapServers;
    this.postgres = postgres;
    this.broker = broker;
    // An embedded broker that dies is started again: the services ride out the gap.
    this.supervisor = broker == null ? null : BrokerSupervisor.start(broker);
  }

  /**
   * Uses PostgreSQL at {@code PG_HOST} ({@code PG_PORT}, {@code PG_DATABASE}, {@code PG_USER},
   * {@code PG_PASSWORD}) and Kafka at {@code KAFKA_BOOTSTRAP_SERVERS} when set; otherwise starts
   * embedded ones under {@code dataDir/postgres} and {@code dataDir/kafka}, on {@code
   * HERALD_EMBEDDED_PG_PORT} and {@code HERALD_EMBEDDED_KAFKA_PORT} (0, the default, picks free
   * ports).
   */
  public static Infrastructure fromEnv(Map<String, String> env, Path dataDir) {
    // All of the environment is read before anything starts, so that a typo costs no start-up.
    String bootstrap = value(env, "KAFKA_BOOTSTRAP_SERVERS");
    PgSettings externalPg = externalPg(env);
    int pgPort = port(env, "HERALD_EMBEDDED_PG_PORT", DEFAULT_EMBEDDED_PORT);
    int kafkaPort = port(env, "HERALD_EMBEDDED_KAFKA_PORT", DEFAULT_EMBEDDED_PORT);

    // The broker is a separate JVM that spends its start-up waiting; let PostgreSQL start
    // meanwhile.
    CompletableFuture<EmbeddedKafkaBroker> brokerStart =
        bootstrap != null
            ? CompletableFuture.completedFuture(null)
            : CompletableFuture.supplyAsync(
                () -> EmbeddedKafkaBroker.start(dataDir.resolve("kafka"), kafkaPort, false),
                task -> new Thread(task, "herald-kafka-start").start());

    EmbeddedPostgresServer postgres = null;
    PgSettings pg = externalPg;
    if (externalPg == null) {
      try {
        postgres = EmbeddedPostgresServer.start(dataDir.resolve("postgres"), pgPort, false);
        pg = postgres.settings();
      } catch (RuntimeException e) {
        // Waited for, so that no broker is left running behind the failure being reported.
        brokerStart.handle((b, brokerFailure) -> closeIfStarted(b)).join();
        throw e;
      }
    }

    EmbeddedKafkaBroker broker;
    try {
      broker = brokerStart.join();
    } catch (CompletionException e) {
      if (postgres != null) {
        postgres.close();
      }
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
    Infrastructure infra =
        new Infrastructure(
            pg, broker != null ? broker.bootstrapServers() : bootstrap, postgres, broker);
    LOG.info(
        "PostgreSQL: {} ({}), Kafka: {} ({})",
        infra.pg,
        postgres != null ? "embedded" : "external",
        infra.kafkaBootstrapServers,
        broker != null ? "embedded" : "external");
    return infra;
  }

  /** The database the services use. */
  public PgSettings pg() {
    return pg;
  }

  /** The Kafka bootstrap servers the services use. */
  public String kafkaBootstrapServers() {
    return kafkaBootstrapServers;
  }

  /** The embedded broker, when one was started here. */
  public Optional<EmbeddedKafkaBroker> broker() {
    return Optional.ofNullable(broker);
  }

  /** The supervisor that restarts the embedded broker when it dies, when one was started here. */
  public Optional<BrokerSupervisor> brokerSupervisor() {
    return Optional.ofNullable(supervisor);
  }

  /** The embedded PostgreSQL server, when one was started here. */
  public Optional<EmbeddedPostgresServer> postgres() {
    return Optional.ofNullable(postgres);
  }

  /** Stops what was started here; external servers are left alone. */
  @Override
  public void close() {
    try {
      if (supervisor != null) {
        supervisor.close();
      }
      if (broker != null) {
        broker.close();
      }
    } finally {
      if (postgres != null) {
        postgres.close();
      }
    }
  }

  private static PgSettings externalPg(Map<String, String> env) {
    String host = value(env, "PG_HOST");
    if (host == null) {
      return null;
    }
    return new PgSettings(
        host,
        port(env, "PG_PORT", DEFAULT_PG_PORT),
        valueOr(env, "PG_DATABASE", DEFAULT_PG_DATABASE),
        valueOr(env, "PG_USER", DEFAULT_PG_USER),
        // Not trimmed, unlike the rest: blanks may be part of a password.
        env.getOrDefault("PG_PASSWORD", ""));
  }

  private static Void closeIfStarted(EmbeddedKafkaBroker broker) {
    if (broker != null) {
      broker.close();
    }
    return null;
  }

  private static String value(Map<String, String> env, String name) {
    String v = env.get(name);
    return v == null || v.isBlank() ? null : v.trim();
  }

  private static String valueOr(Map<String, String> env, String name, String fallback) {
    String v = value(env, name);
    return v == null ? fallback : v;
  }

  private static int port(Map<String, String> env, String name, int fallback) {
    String v = value(env, name);
    if (v == null) {
      return fallback;
    }
    try {
      int port = Integer.parseInt(v);
      if (port < 0 || port > 65_535) {
        throw new NumberFormatException();
      }
      return port;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a port number, was '" + v + "'", e);
    }
  }
}
