package herald.api;

import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs the api service on its own, against the servers named in the environment. */
public final class ApiMain {
  private static final Logger LOG = LoggerFactory.getLogger(ApiMain.class);

  private ApiMain() {}

  public static void main(String[] args) {
    ApiConfig config = ApiConfig.fromEnv(System.getenv());
    Vertx vertx = Vertx.vertx();
    vertx
        .deployVerticle(new ApiVerticle(config))
        .onFailure(
            t -> {
              LOG.error("api failed to start", t);
              vertx.close();
              System.exit(1);
            });
  }
}
