package herald.embedded;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("infrastructure")
class InfrastructureTest {

  @TempDir Path dataDir;

  @Test
  @DisplayName("servers named in the environment are used as they are and nothing is started")
  void externalServersFromEnvironment() {
    Map<String, String> env =
        Map.of(
            "PG_HOST", "10.1.2.3",
            "PG_PORT", "6543",
            "PG_DATABASE", "cms",
            "PG_USER", "herald",
            "PG_PASSWORD", "s3cret",
            "KAFKA_BOOTSTRAP_SERVERS", "kafka-1:9092,kafka-2:9092");
    try (Infrastructure infra = Infrastructure.fromEnv(env, dataDir)) {
      assertEquals(new PgSettings("10.1.2.3", 6543, "cms", "herald", "s3cret"), infra.pg());
      assertEquals("jdbc:postgresql://10.1.2.3:6543/cms", infra.pg().jdbcUrl());
      assertEquals("kafka-1:9092,kafka-2:9092", infra.kafkaBootstrapServers());
      assertTrue(infra.postgres().isEmpty());
      assertTrue(infra.broker().isEmpty());
      assertFalse(infra.pg().toString().contains("s3cret"));
    }
  }

  @Test
  @DisplayName("an embedded port that is not a number is reported by its variable's name")
  void badPortIsNamed() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Infrastructure.fromEnv(
                    Map.of("PG_HOST", "127.0.0.1", "HERALD_EMBEDDED_KAFKA_PORT", "ninety"),
                    dataDir));
    assertEquals("HERALD_EMBEDDED_KAFKA_PORT must be a port number, was 'ninety'", e.getMessage());
  }

  @Test
  @DisplayName(
      "a launcher killed with SIGKILL leaves no broker behind, and the next start on its directory"
          + " has its ports, rows and records")
  void launcherKilledAndStartedAgain() throws Exception {
    Process launcher =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                LauncherProcess.class.getName(),
                dataDir.toString())
            .redirectError(Redirect.INHERIT)
            .start();
    String[] ready;
    try {
      // The launcher fails by itself when its servers do not start; this is only a ceiling.
      ready = readyLine(launcher).get(10, TimeUnit.MINUTES).split(" ");
    } finally {
      launcher.destroyForcibly();
      launcher.waitFor();
    }
    long brokerPid = Long.parseLong(ready[1]);
    String bootstrap = ready[2];

    // The broker halts itself 30 s after its parent is gone at the latest; a busy machine adds.
    await()
        .atMost(Duration.ofMinutes(2))
        .until(() -> ProcessHandle.of(brokerPid).map(p -> !p.isAlive()).orElse(true));

    // PostgreSQL cannot watch its parent: the orphan is still running and must be dealt with.
    try (Infrastructure again = Infrastructure.fromEnv(Map.of(), dataDir)) {
      assertEquals(bootstrap, again.kafkaBootstrapServers());
      assertEquals("Дан сјећања", Sql.queryString(again.pg(), "SELECT title FROM entry"));
      List<ConsumerRecord<String, String>> records =
          KafkaTestClients.readAll(again.kafkaBootstrapServers(), "entries");
      assertEquals(List.of("published"), records.stream().map(ConsumerRecord::value).toList());
    }
  }

  private static CompletableFuture<String> readyLine(Process launcher) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (BufferedReader out =
              new BufferedReader(
                  new InputStreamReader(launcher.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
              if (line.startsWith("READY ")) {
                return line;
              }
            }
            throw new AssertionError("launcher exited without getting ready");
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }
}
