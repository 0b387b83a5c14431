package herald.publisher.channel.website;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The website index's copy in memory")
class CachedWebsiteIndexTest {

  static PageRow row(int entry, String locale, long version, int day, List<String> tags) {
    return new PageRow(
        new UUID(0, entry),
        locale,
        version,
        "article",
        "entry-" + entry,
        "Entry " + entry + " v" + version,
        null,
        Instant.parse(String.format("2026-01-%02dT10:00:00Z", day)),
        tags);
  }

  static void assertSame(WebsiteIndex expected, WebsiteIndex actual) throws IOException {
    assertEquals(expected.all(), actual.all());
    for (String l : List.of("en", "sr-Latn")) {
      assertEquals(expected.locale(l), actual.locale(l));
    }
    for (int e = 0; e < 12; e++) {
      // In no particular order, as in PostgreSQL.
      assertEquals(
          Set.copyOf(expected.pagesOf(new UUID(0, e))), Set.copyOf(actual.pagesOf(new UUID(0, e))));
    }
    Set<UUID> some = Set.of(new UUID(0, 1), new UUID(0, 5));
    assertEquals(Set.copyOf(expected.entries(some)), Set.copyOf(actual.entries(some)));
  }

  @Test
  @DisplayName("answers as the database does, after changes and after a restart")
  void answersAsTheStoreDoes() throws IOException {
    InMemoryWebsiteIndex durable = new InMemoryWebsiteIndex();
    CachedWebsiteIndex cached = new CachedWebsiteIndex(durable);
    Random random = new Random(7);
    for (int i = 0; i < 300; i++) {
      int e = random.nextInt(12);
      List<PageRow> rows =
          random.nextInt(5) == 0
              ? List.of()
              : random.nextBoolean()
                  ? List.of(row(e, "en", i, 1 + random.nextInt(9), List.of("HIV")))
                  : List.of(
                      row(e, "en", i, 1 + random.nextInt(9), List.of()),
                      row(e, "sr-Latn", i, 1 + random.nextInt(9), List.of("Politika")));
      cached.replace(new UUID(0, e), rows);
      if (i % 30 == 0) {
        assertSame(durable, cached);
        // A new publisher process loads the copy from what is stored.
        assertSame(durable, new CachedWebsiteIndex(durable));
      }
    }
    assertSame(durable, cached);
  }

  @Test
  @DisplayName("a write the database refuses leaves the copy as it was")
  void failedWriteChangesNothing() throws IOException {
    InMemoryWebsiteIndex stored = new InMemoryWebsiteIndex();
    stored.replace(new UUID(0, 1), List.of(row(1, "en", 1, 1, List.of())));
    WebsiteIndex failing =
        new WebsiteIndex() {
          @Override
          public List<PageRow> pagesOf(UUID entryId) {
            return stored.pagesOf(entryId);
          }

          @Override
          public void replace(UUID entryId, List<PageRow> rows) throws IOException {
            throw new IOException("database away");
          }

          @Override
          public List<PageRow> locale(String locale) {
            return stored.locale(locale);
          }

          @Override
          public List<PageRow> entries(Collection<UUID> entryIds) {
            return stored.entries(entryIds);
          }

          @Override
          public List<PageRow> all() {
            return stored.all();
          }
        };
    CachedWebsiteIndex cached = new CachedWebsiteIndex(failing);
    assertThrows(
        IOException.class,
        () -> cached.replace(new UUID(0, 1), List.of(row(1, "en", 2, 3, List.of()))));
    assertSame(stored, cached);
  }
}
