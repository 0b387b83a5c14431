package herald.embedded;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Stands in for the all-in-one launcher in its own JVM, so that a test can SIGKILL it: starts the
 * embedded infrastructure, leaves a row and a record behind, reports and waits to be killed.
 */
public final class LauncherProcess {

  private LauncherProcess() {}

  public static void main(String[] args) throws Exception {
    // An empty environment: this is about the embedded servers, whatever the test run points at.
    Infrastructure infra = Infrastructure.fromEnv(Map.of(), Path.of(args[0]));
    Sql.execute(infra.pg(), "CREATE TABLE entry (title text)");
    Sql.execute(infra.pg(), "INSERT INTO entry VALUES ('Дан сјећања')");
    KafkaTestClients.createTopic(infra.kafkaBootstrapServers(), "entries");
    KafkaTestClients.produce(infra.kafkaBootstrapServers(), "entries", "e1", "published");
    long brokerPid =
        ProcessHandle.current()
            .children()
            .filter(p -> p.info().command().map(c -> c.endsWith("java")).orElse(false))
            .findFirst()
            .orElseThrow()
            .pid();
    System.out.println("READY " + brokerPid + " " + infra.kafkaBootstrapServers());
    System.out.flush();
    new CountDownLatch(1).await();
  }
}
