package herald.indexer;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs the indexer as its own process, configured from the environment. */
public final class IndexerMain {
  private static final Logger LOG = LoggerFactory.getLogger(IndexerMain.class);

  private IndexerMain() {}

  public static void main(String[] args) {
    IndexerConfig config = IndexerConfig.fromEnv(System.getenv());
    // One registry for Vert.x's own metrics (HTTP, pools, JVM) and the indexer's.
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Vertx vertx =
        Vertx.builder()
            .with(
                new VertxOptions()
                    .setMetricsOptions(
                        new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true)))
            .withMetrics(new MicrometerMetricsFactory(registry))
            .build();
    // Undeploying on SIGTERM commits the index, so a restart resumes without replaying.
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    vertx.close().await(30, TimeUnit.SECONDS);
                  } catch (Exception e) {
                    LOG.warn("Shutdown did not finish cleanly", e);
                  }
                },
                "herald-indexer-shutdown"));
    vertx
        .deployVerticle(new IndexerVerticle(config, registry))
        .onFailure(
            e -> {
              LOG.error("Indexer failed to start", e);
              System.exit(1);
            });
  }
}
