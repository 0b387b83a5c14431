package herald.publisher;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs the publisher as a process of its own, configured from the environment. */
public final class PublisherMain {

  private static final Logger LOG = LoggerFactory.getLogger(PublisherMain.class);

  private PublisherMain() {}

  public static void main(String[] args) {
    PublisherConfig config = PublisherConfig.fromEnv(System.getenv());
    // One registry for Vert.x's own metrics (HTTP, pool, JVM) and the publisher's counters.
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Vertx vertx =
        Vertx.builder()
            .with(
                new VertxOptions()
                    .setMetricsOptions(
                        new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true)))
            .withMetrics(new MicrometerMetricsFactory(registry))
            .build();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    // Undeploys the verticle: the consumer leaves its group, the pool closes.
                    vertx.close().await(30, TimeUnit.SECONDS);
                  } catch (TimeoutException e) {
                    LOG.warn("shutdown did not finish within 30 s");
                  }
                },
                "herald-publisher-shutdown"));
    try {
      // Start-up includes migrations and topic creation, each with a timeout of its own.
      vertx.deployVerticle(new PublisherVerticle(config, registry)).await(2, TimeUnit.MINUTES);
    } catch (Exception e) {
      LOG.error("the publisher failed to start", e);
      System.exit(1);
    }
  }
}
