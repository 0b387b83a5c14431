package herald.indexer.search;

import static herald.indexer.GoldenEvents.ENTRY_ID;
import static herald.indexer.GoldenEvents.field;
import static herald.indexer.GoldenEvents.otherEntry;
import static herald.indexer.GoldenEvents.published;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import herald.indexer.http.ProblemException;
import herald.indexer.index.ContentIndex;
import java.io.IOException;
import java.nio.file.Path;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

@DisplayName("Searching the content index")
class ContentSearcherTest {
  private static final String OTHER_ID = "0b7a3c52-8f1e-4c1d-9a63-6f2e1d0c9b84";

  @TempDir Path dir;
  private ContentIndex index;
  private ContentSearcher searcher;

  @BeforeEach
  void open() throws IOException {
    index = ContentIndex.open(dir);
    searcher = new ContentSearcher(index);
    index.apply(published());
    // A second entry that mentions "harm" only in a non-title field and carries raw markup.
    index.apply(
        published(
            otherEntry(
                    UUID.fromString(OTHER_ID),
                    "Joint statement on drug policy",
                    "Partners <b>Tom & Jerry</b> call for harm reduction in Dževđelija.")
                .andThen(v -> v.put("type", "article"))));
    index.refresh();
  }

  @AfterEach
  void close() throws IOException {
    index.close();
  }

  @Test
  @DisplayName("every word must match")
  void allWordsMustMatch() throws IOException {
    assertEquals(1, search("needle syringe").total());
    assertEquals(0, search("syringe zebra").total());
  }

  @Test
  @DisplayName("a match in the title ranks above a match in the text")
  void titleBoosted() throws IOException {
    index.apply(
        published(
            field("title", "en", "Harm reduction webinar").andThen(v -> v.put("version", 9))));
    index.refresh();

    SearchResult r = searcher.search(SearchQuery.of("harm", null, "en", null));

    assertEquals(2, r.total());
    assertEquals(ENTRY_ID, r.hits().get(0).id());
  }

  @Test
  @DisplayName("diacritics and case do not matter")
  void foldsDiacritics() throws IOException {
    assertEquals(1, search("DZEVDELIJA").total());
    assertEquals(1, search("medecins").total());
  }

  @Test
  @DisplayName("type and locale filter the results")
  void filters() throws IOException {
    assertEquals(2, searcher.search(SearchQuery.of("harm", null, null, null)).total());
    assertEquals(1, searcher.search(SearchQuery.of("harm", "article", null, null)).total());
    assertEquals(1, searcher.search(SearchQuery.of("inhsu", null, "sr-Cyrl", null)).total());
    assertEquals(0, searcher.search(SearchQuery.of("harm", "person", null, null)).total());
    assertEquals(2, searcher.search(SearchQuery.of("harm", " ", "", null)).total());
  }

  @Test
  @DisplayName("limit bounds the page but not the total")
  void limitBoundsPage() throws IOException {
    SearchResult r = searcher.search(SearchQuery.of("harm", null, null, "1"));

    assertEquals(2, r.total());
    assertEquals(1, r.hits().size());
  }

  @Test
  @DisplayName("snippets mark the matched words and escape everything else")
  void snippets() throws IOException {
    String golden = search("syringe").hits().get(0).snippet();
    assertTrue(golden.contains("<mark>syringe</mark>"), golden);
    assertFalse(golden.contains("<script>"), golden);

    String other =
        searcher.search(SearchQuery.of("jerry", "article", null, null)).hits().get(0).snippet();
    assertTrue(other.contains("&lt;b&gt;Tom &amp; <mark>Jerry</mark>&lt;&#x2F;b&gt;"), other);
  }

  @Test
  @DisplayName("a title-only match still gets the beginning of the text as snippet")
  void snippetForTitleOnlyMatch() throws IOException {
    String snippet =
        searcher.search(SearchQuery.of("statement", null, "en", null)).hits().get(0).snippet();

    assertTrue(snippet.startsWith("Partners &lt;b&gt;"), snippet);
  }

  @Test
  @DisplayName("limit defaults to 10 and must be an integer from 1 to 100")
  void limitValidation() {
    assertEquals(10, SearchQuery.of("x", null, null, null).limit());
    assertEquals(1, SearchQuery.of("x", null, null, "1").limit());
    assertEquals(100, SearchQuery.of("x", null, null, "100").limit());
    for (String bad : new String[] {"0", "101", "-1", "ten", "", "1e2", "99999999999"}) {
      assertBadRequest(() -> SearchQuery.of("x", null, null, bad));
    }
  }

  @Test
  @DisplayName("q is required")
  void qRequired() {
    assertBadRequest(() -> SearchQuery.of(null, null, null, null));
    assertBadRequest(() -> SearchQuery.of("", null, null, null));
    assertBadRequest(() -> SearchQuery.of(" \t\n", null, null, null));
  }

  static Stream<String> hostileQueries() {
    return Stream.of(
        "",
        "x".repeat(10_000),
        "syringe ".repeat(1_000),
        "*a*",
        "*",
        "?",
        "a~",
        "a~2",
        "title:x^1e9",
        "title:syringe",
        "\"unbalanced",
        "(unbalanced",
        "[a TO",
        "{a TO b]",
        "a AND",
        "NOT",
        "OR OR OR",
        "+-!():^[]\"{}~*?|&/\\",
        "/regex.*/",
        "\u0000\u0001\u001f\u007f",
        "syringe\u0000needle",
        "\uD800",
        "🙂 syringe",
        "a ".repeat(200),
        "<script>alert(1)</script>",
        "%ZZ%00");
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("hostileQueries")
  @DisplayName("a hostile query is either a 400 or a literal search, never an exception")
  void hostileQueries(String q) {
    SearchQuery query;
    try {
      query = SearchQuery.of(q, null, null, null);
    } catch (ProblemException e) {
      assertEquals(400, e.problem().status());
      return;
    }
    SearchResult r = assertDoesNotThrow(() -> searcher.search(query));
    assertTrue(r.total() >= 0);
  }

  @Test
  @DisplayName("query syntax is searched literally, not interpreted")
  void syntaxIsLiteral() throws IOException {
    assertEquals(0, search("*a*").total());
    assertEquals(0, search("syring~").total());
    assertEquals(0, search("title:x^1e9").total());
    assertEquals(0, search("syringe AND NOT zebra").total());
    assertEquals(1, search("(syringe)").total());
  }

  private SearchResult search(String q) throws IOException {
    return searcher.search(SearchQuery.of(q, null, "en", null));
  }

  private static void assertBadRequest(Runnable r) {
    try {
      r.run();
    } catch (ProblemException e) {
      assertEquals(400, e.problem().status());
      assertEquals("application/problem+json", herald.indexer.http.Problem.CONTENT_TYPE);
      return;
    }
    throw new AssertionError("expected a 400 problem");
  }
}
