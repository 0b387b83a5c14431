package herald.api;

import herald.embedded.PgSettings;
import herald.embedded.TestInfrastructure;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.util.HashMap;
import java.util.Map;
import org.flywaydb.core.Flyway;

/**
 * A fresh database of the shared test PostgreSQL for one api test, and the ways to reach it: with
 * the api's migrations applied (for tests of a module without the api verticle), as a pool, and as
 * the environment an api verticle reads.
 */
public final class ApiTestDatabase {
  private ApiTestDatabase() {}

  /** A fresh, empty database (the api verticle migrates it when it starts). */
  public static PgSettings fresh() {
    return TestInfrastructure.freshDatabase();
  }

  /** A fresh database with the api's migrations applied. */
  public static PgSettings migrated() {
    PgSettings pg = fresh();
    Flyway.configure()
        .dataSource(pg.jdbcUrl(), pg.user(), pg.password())
        .locations("classpath:db/api")
        .load()
        .migrate();
    return pg;
  }

  /** A pool of up to {@code size} connections to the database. */
  public static Pool pool(Vertx vertx, PgSettings pg, int size) {
    return PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(size))
        .connectingTo(
            new PgConnectOptions()
                .setHost(pg.host())
                .setPort(pg.port())
                .setDatabase(pg.database())
                .setUser(pg.user())
                .setPassword(pg.password()))
        .using(vertx)
        .build();
  }

  /**
   * The environment of an api on the database and content topic, on any free port, with the given
   * admin key; the indexer and publisher it forwards to are not there (search and newsletter
   * forwarding are tested end to end in deploy).
   */
  public static Map<String, String> apiEnv(PgSettings pg, String topic, String adminKey) {
    Map<String, String> env = new HashMap<>();
    env.put("HERALD_API_PORT", "0");
    env.put("PG_HOST", pg.host());
    env.put("PG_PORT", Integer.toString(pg.port()));
    env.put("PG_DATABASE", pg.database());
    env.put("PG_USER", pg.user());
    env.put("PG_PASSWORD", pg.password());
    env.put("KAFKA_BOOTSTRAP_SERVERS", TestInfrastructure.shared().kafkaBootstrapServers());
    env.put("HERALD_CONTENT_TOPIC", topic);
    env.put("HERALD_ADMIN_KEY", adminKey);
    env.put("HERALD_RELAY_POLL_MS", "200");
    // Nothing listens there.
    env.put("HERALD_INDEXER_URL", "http://127.0.0.1:9");
    env.put("HERALD_PUBLISHER_URL", "http://127.0.0.1:9");
    return env;
  }
}
