package herald.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("embedded PostgreSQL")
class EmbeddedPostgresServerTest {

  @TempDir Path dataDir;

  @Test
  @DisplayName("a started server answers queries in the herald database and creates new databases")
  void answersQueriesAndCreatesDatabases() throws Exception {
    try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start(dataDir, 0)) {
      PgSettings herald = server.settings();
      assertEquals("127.0.0.1", herald.host());
      assertEquals("herald", herald.database());
      assertEquals("postgres", herald.user());
      assertEquals("jdbc:postgresql://127.0.0.1:" + herald.port() + "/herald", herald.jdbcUrl());
      assertEquals("1", Sql.queryString(herald, "SELECT 1"));
      assertEquals("herald", Sql.queryString(herald, "SELECT current_database()"));
      // Case mapping must know Cyrillic and diacritics whatever locales the machine has.
      assertEquals("живко đurić", Sql.queryString(herald, "SELECT lower('ЖИВКО ĐURIĆ')"));

      PgSettings isolated = server.createDatabase("isolated_one");
      assertEquals("isolated_one", isolated.database());
      assertEquals(herald.port(), isolated.port());
      assertEquals("isolated_one", Sql.queryString(isolated, "SELECT current_database()"));
      assertEquals(
          "0",
          Sql.queryString(isolated, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"));
    }
  }

  @Test
  @DisplayName("rows survive stopping the server and starting it again on the same directory")
  void dataSurvivesRestart() throws Exception {
    try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start(dataDir, 0)) {
      Sql.execute(server.settings(), "CREATE TABLE note (body text)");
      Sql.execute(server.settings(), "INSERT INTO note VALUES ('Сарајево, 2025')");
    }
    try (EmbeddedPostgresServer again = EmbeddedPostgresServer.start(dataDir, 0)) {
      assertEquals("Сарајево, 2025", Sql.queryString(again.settings(), "SELECT body FROM note"));
    }
  }

  @Test
  @DisplayName("the superuser needs its password, which is generated once and kept owner-only")
  void passwordRequired() throws Exception {
    String password;
    try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start(dataDir, 0)) {
      PgSettings herald = server.settings();
      password = herald.password();
      assertTrue(password.length() >= 24, "a generated password");
      Path file = dataDir.resolve(EmbeddedPostgresServer.PASSWORD_FILE);
      assertEquals(password, Files.readString(file).strip());
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
      refused(herald, "");
      refused(herald, "guess");
      assertEquals("1", Sql.queryString(herald, "SELECT 1"));
    }
    try (EmbeddedPostgresServer again = EmbeddedPostgresServer.start(dataDir, 0)) {
      assertEquals(password, again.settings().password());
      refused(again.settings(), "");
      assertEquals("1", Sql.queryString(again.settings(), "SELECT 1"));
    }
  }

  @Test
  @DisplayName("a cluster from before passwords gets one on its next start")
  void olderClusterGetsAPassword() throws Exception {
    try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start(dataDir, 0)) {
      Sql.execute(server.settings(), "ALTER ROLE postgres PASSWORD NULL");
      Files.writeString(
          dataDir.resolve("pgdata").resolve("pg_hba.conf"),
          "local all all trust\nhost all all 127.0.0.1/32 trust\n");
    }
    Files.delete(dataDir.resolve(EmbeddedPostgresServer.PASSWORD_FILE));
    try (EmbeddedPostgresServer again = EmbeddedPostgresServer.start(dataDir, 0)) {
      refused(again.settings(), "");
      assertEquals("1", Sql.queryString(again.settings(), "SELECT 1"));
      assertTrue(Files.exists(dataDir.resolve(EmbeddedPostgresServer.PASSWORD_FILE)));
    }
  }

  static void refused(PgSettings server, String password) {
    SQLException e =
        assertThrows(
            SQLException.class,
            () -> DriverManager.getConnection(server.jdbcUrl(), server.user(), password).close());
    assertTrue(
        e.getMessage().contains("password"), "refused for want of the password: " + e.getMessage());
  }

  @Test
  @DisplayName("a database name that is not a plain lower-case identifier is refused")
  void refusesUnsafeDatabaseNames() {
    PgSettings anyServer = new PgSettings("127.0.0.1", 1, "herald", "postgres", "");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> PgDatabases.create(anyServer, "x\"; DROP DATABASE herald; --"));
    assertEquals(true, e.getMessage().startsWith("database name must match"));
  }
}
