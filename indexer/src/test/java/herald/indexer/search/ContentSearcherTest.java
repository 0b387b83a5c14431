package herald.indexer.search;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import herald.events.ContentEventCodec;
import herald.events.ContentPublished;
import herald.events.FieldSchema;
import herald.events.GoldenSamples;
import herald.indexer.GoldenEvents;
import herald.indexer.SeedEvents;
import herald.indexer.analysis.ContentAnalysis;
import herald.indexer.http.ProblemException;
import herald.indexer.index.ContentIndex;
import herald.indexer.index.IndexFields;
import herald.indexer.index.LiveIndex;
import herald.indexer.search.SearchResult.FacetValue;
import herald.indexer.search.SearchResult.Hit;
import io.vertx.core.MultiMap;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.lucene.index.IndexReader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("Searching the seed newsletter and the golden samples")
class ContentSearcherTest {
  /** The golden full sample: the decriminalisation webinar with speakers in its programme. */
  static final String FULL_ID = "9d3c2a41-7e0b-4c55-8f1a-2b6e4d8c0a17";

  static final String SPEAKER_ID = "7c6b5a49-3827-4165-9f0e-d1c2b3a49586";
  static final String CYRILLIC_ID = "3f1c7a2e-0d5b-4e8a-9c61-2b7d8e9f0a13";
  static final String TAGGED_ID = "0c4e2f7a-5b1d-4f3e-8a2c-6d9b1e0f3a25";

  @TempDir static Path dir;
  static ContentIndex index;
  static ContentSearcher searcher;

  @BeforeAll
  static void indexSeed() throws IOException {
    index = ContentIndex.open(dir);
    searcher = new ContentSearcher(new LiveIndex(index));
    for (ContentPublished e : SeedEvents.all()) {
      index.apply(e);
    }
    index.apply(GoldenEvents.published());
    index.apply(
        ContentEventCodec.fromRecord(
            GoldenSamples.consumerRecord(GoldenSamples.PUBLISHED_FULL, GoldenEvents.TOPIC, 0, 0)));
    index.apply(
        entry(
            CYRILLIC_ID,
            "article",
            "sr-Cyrl",
            "Милутин Милошевић о политици према дрогама",
            "Разговор у Београду.",
            "Извршни директор мреже говори о смањењу штете.",
            "Tom & Jerry <Partners>",
            List.of("интервју"),
            Instant.parse("2024-05-01T10:00:00Z")));
    // Three entries that share one rare word, in the title, the summary and the body.
    index.apply(
        entry(
            id(1),
            "article",
            "en",
            "Zmajevac harbour",
            "A town.",
            "Nothing.",
            "",
            List.of(),
            Instant.parse("2024-01-01T00:00:00Z")));
    index.apply(
        entry(
            id(2),
            "article",
            "en",
            "A harbour",
            "Zmajevac is a town.",
            "Nothing.",
            "",
            List.of(),
            Instant.parse("2024-01-02T00:00:00Z")));
    index.apply(
        entry(
            id(3),
            "article",
            "en",
            "Another harbour",
            "A town.",
            "It is near Zmajevac.",
            "",
            List.of(),
            Instant.parse("2024-01-03T00:00:00Z")));
    // A longer word that begins with a whole word of the others (and is not its inflection).
    index.apply(
        entry(
            id(4),
            "article",
            "en",
            "The harbourmaster",
            "",
            "",
            "",
            List.of(),
            Instant.parse("2024-01-04T00:00:00Z")));
    // A short word (no typo tolerance) that only a tag has.
    index.apply(
        entry(
            TAGGED_ID,
            "article",
            "en",
            "Free testing week",
            "Anonymous and confidential.",
            "Clinics stay open late.",
            "",
            List.of("HIV", "Testing"),
            Instant.parse("2024-02-01T00:00:00Z")));
    index.refresh();
  }

  @AfterAll
  static void close() throws IOException {
    index.close();
  }

  @Test
  @DisplayName(
      "Milosevic finds Milošević in Latin and Милошевић in Cyrillic, and the other way round")
  void scriptsAndDiacritics() throws IOException {
    Set<String> latin = ids(search("milosevic"));
    assertTrue(
        latin.contains(SeedEvents.titled("What do we do").entryId().toString()), latin.toString());
    assertTrue(latin.contains(CYRILLIC_ID), latin.toString());
    assertEquals(latin, ids(search("Милошевић")));
    assertEquals(latin, ids(search("MILOŠEVIĆ")));
  }

  @Test
  @DisplayName("English words are found by their inflected forms")
  void englishStemming() throws IOException {
    Set<String> found = ids(search("programme", "locale", "en"));
    assertTrue(found.contains(GoldenEvents.ENTRY_ID), found.toString());
    assertTrue(ids(search("recommendation")).contains(seedId("An interesting dialogue")));
  }

  @Test
  @DisplayName("Russian words are found by their inflected forms")
  void russianStemming() throws IOException {
    SearchResult r = search("декриминализация", "locale", "ru");
    Set<String> found = ids(r);
    assertTrue(found.contains(FULL_ID), found.toString());
    assertTrue(found.contains(seedId("An interesting dialogue")), found.toString());
    r.hits().forEach(h -> assertEquals("ru", h.locale()));
  }

  @Test
  @DisplayName("a word in the title ranks above the summary, which ranks above the body")
  void fieldBoosts() throws IOException {
    List<Hit> hits = search("zmajevac").hits();
    assertEquals(List.of(id(1), id(2), id(3)), hits.stream().map(Hit::id).toList());
  }

  @Test
  @DisplayName("a quoted phrase matches the words in that order only")
  void phrases() throws IOException {
    SearchResult phrase = search("\"harm reduction\"");
    assertTrue(phrase.total() >= 2, phrase.toString());
    assertTrue(ids(phrase).contains(seedId("Beyond Numbers")));
    assertEquals(0, search("\"reduction harm\"").total());
    assertTrue(search("reduction harm").total() >= phrase.total());
    Hit hit = phrase.hits().get(0);
    assertTrue(hit.snippet().contains("<mark>"), hit.snippet());
    // Longer phrases: every pair of words, in a row.
    assertEquals(Set.of(id(2)), ids(search("\"Zmajevac is a town\"")));
    assertEquals(0, search("\"Zmajevac is a harbour\"").total());
  }

  @Test
  @DisplayName("a phrase does not match across the end of the title and the start of the summary")
  void phraseWithinOneText() throws IOException {
    // id(2): title "A harbour", summary "Zmajevac is a town."; id(1): title "Zmajevac harbour",
    // which the index holds several times over (its weight).
    assertEquals(0, search("\"harbour zmajevac\"").total());
    assertEquals(0, search("\"harbour zmajevac harbour\"").total());
    assertEquals(0, search("\"harbour a town\"").total());
    assertEquals(Set.of(id(1)), ids(search("\"zmajevac harbour\"")));
  }

  @Test
  @DisplayName("the last word typed is also a prefix, for search as you type")
  void prefix() throws IOException {
    assertTrue(ids(search("decrimin")).contains(FULL_ID));
    assertTrue(ids(search("needle syri")).contains(GoldenEvents.ENTRY_ID));
    assertTrue(ids(search("Београ")).contains(CYRILLIC_ID), "prefix across scripts");
    // A trailing space says the word is complete.
    assertEquals(0, search("decrimi ").total());
    // A whole word typed so far also finds the longer words it begins, ranked below it.
    List<String> typing = search("harbour").hits().stream().map(Hit::id).toList();
    assertEquals(4, typing.size(), typing.toString());
    assertEquals(id(4), typing.get(3));
    assertEquals(Set.of(id(1), id(2), id(3)), ids(search("harbour ")));
  }

  @Test
  @DisplayName("the prefix clause is left out when no longer word begins with the last word")
  void prefixOnlyWhenLongerWordsExist() throws IOException {
    index.refresh();
    new LiveIndex(index)
        .withSearcher(
            s -> {
              IndexReader reader = s.getIndexReader();
              assertTrue(longer(reader, "harbour"));
              assertTrue(longer(reader, "harb"));
              assertFalse(longer(reader, "zmajevac"));
              assertFalse(longer(reader, "zzzz"));
              SearchQuery typed =
                  SearchQuery.of(MultiMap.caseInsensitiveMultiMap().add("q", "zmajevac"));
              String query =
                  ContentSearcher.query(
                          QueryText.parse("zmajevac"),
                          EnumSet.allOf(ContentAnalysis.Stemming.class),
                          typed,
                          reader)
                      .toString();
              assertFalse(query.contains("Automaton"), query);
              assertTrue(
                  ContentSearcher.query(
                          QueryText.parse("harb"),
                          EnumSet.allOf(ContentAnalysis.Stemming.class),
                          typed,
                          reader)
                      .toString()
                      .contains("Automaton"));
              return null;
            });
  }

  @Test
  @DisplayName("the longer words of a word are those whose UTF-8 bytes go on after the word's")
  void longerWordsInBytes() {
    for (String word : List.of("harb", "жур", "šć")) {
      var run = ContentSearcher.longerWords(IndexFields.ALL, word).getCompiled().runAutomaton;
      for (String term : List.of(word + "a", word + "ž", word + "журнал", word + "\uD83D\uDE00")) {
        byte[] b = term.getBytes(StandardCharsets.UTF_8);
        assertTrue(run.run(b, 0, b.length), term);
      }
      for (String term : List.of(word, word.substring(0, word.length() - 1), "x" + word)) {
        byte[] b = term.getBytes(StandardCharsets.UTF_8);
        assertFalse(run.run(b, 0, b.length), term);
      }
    }
  }

  private static boolean longer(IndexReader reader, String folded) throws IOException {
    return ContentSearcher.matchesAnyTerm(
        reader, ContentSearcher.longerWords(IndexFields.ALL, folded));
  }

  @Test
  @DisplayName("a word that only a tag has is found as typed, complete or not")
  void tagOnlyWord() throws IOException {
    assertEquals(Set.of(TAGGED_ID), ids(search("hiv")));
    assertEquals(Set.of(TAGGED_ID), ids(search("hiv ")));
    assertEquals(Set.of(TAGGED_ID), ids(search("HIV")));
    assertEquals(Set.of(TAGGED_ID), ids(search("\"hiv\"")));
    assertTrue(ids(search("hi")).contains(TAGGED_ID));
  }

  @Test
  @DisplayName("words of five letters or more tolerate a typo, long words two")
  void typos() throws IOException {
    assertTrue(ids(search("syrnge ")).contains(GoldenEvents.ENTRY_ID));
    assertTrue(ids(search("decriminalsaton ")).contains(FULL_ID));
    // Four letters: no typo allowed ("hram" is not "harm").
    assertEquals(0, search("hram ").total());
  }

  @Test
  @DisplayName("an excluded word removes the entries that have it")
  void exclusion() throws IOException {
    Set<String> all = ids(search("decriminalisation"));
    Set<String> withoutWebinars = ids(search("decriminalisation -webinar"));
    assertTrue(withoutWebinars.size() < all.size());
    assertFalse(withoutWebinars.contains(FULL_ID));
  }

  @Test
  @DisplayName("filters narrow by type, locale, tag, channel and dates")
  void filters() throws IOException {
    search("drug", "type", "event").hits().forEach(h -> assertEquals("event", h.type()));
    assertEquals(
        Set.of("ru"),
        new HashSet<>(
            search("decriminalisation", "locale", "ru").hits().stream().map(Hit::locale).toList()));
    Set<String> boost = ids(browse("tag", "boost"));
    assertTrue(boost.contains(FULL_ID), boost.toString());
    assertEquals(ids(browse("tag", "BOOST")), boost);
    browse("channel", "partners").hits().forEach(h -> assertEquals("publication", h.type()));
    assertTrue(browse("channel", "partners").total() >= 2);
    SearchResult nov =
        browse("publishedFrom", "2025-11-20", "publishedTo", "2025-11-21", "limit", "100");
    nov.hits()
        .forEach(
            h ->
                assertTrue(
                    !h.publishedAt().isBefore(Instant.parse("2025-11-20T00:00:00Z"))
                        && h.publishedAt().isBefore(Instant.parse("2025-11-22T00:00:00Z")),
                    h.toString()));
    assertEquals(
        Set.of(FULL_ID, seedId("Needle and Syringe"), seedId("Today we remember")), ids(nov));
  }

  @Test
  @DisplayName("events filter by their start, and show it as their date")
  void eventStart() throws IOException {
    SearchResult december = browse("startsFrom", "2025-12-04", "startsTo", "2025-12-04");
    assertEquals(Set.of(FULL_ID, seedId("Webinar on decriminalisation")), ids(december));
    Hit h = december.hits().stream().filter(x -> x.id().equals(FULL_ID)).findFirst().orElseThrow();
    assertEquals(Instant.parse("2025-12-04T13:30:00Z"), h.date());
    assertEquals(Instant.parse("2025-12-04T13:30:00Z"), h.startsAt().orElseThrow());
    assertEquals(Instant.parse("2025-11-20T10:00:00Z"), h.publishedAt());
  }

  @Test
  @DisplayName(
      "a reference filter finds the events where a speaker speaks, also inside a programme")
  void references() throws IOException {
    assertEquals(Set.of(FULL_ID), ids(browse("ref", SPEAKER_ID)));
    assertEquals(Set.of(FULL_ID), ids(browse("ref", "speakers:" + SPEAKER_ID)));
    assertEquals(Set.of(FULL_ID), ids(browse("ref", "programme.speakers:" + SPEAKER_ID)));
    assertEquals(0, browse("ref", "organisers:" + SPEAKER_ID).total());
    assertEquals(3, browse("ref", SPEAKER_ID).total(), "one hit per locale");
  }

  @Test
  @DisplayName("facets count type, locale, tags and year over all matches")
  void facets() throws IOException {
    SearchResult r = search("decriminalisation", "limit", "1", "facets", "true");
    Map<String, List<FacetValue>> f = r.facets();
    assertEquals(r.total(), f.get("type").stream().mapToLong(FacetValue::count).sum());
    assertEquals(r.total(), f.get("locale").stream().mapToLong(FacetValue::count).sum());
    assertEquals(r.total(), f.get("year").stream().mapToLong(FacetValue::count).sum());
    assertTrue(f.get("tags").stream().anyMatch(v -> v.value().equals("BOOST")), f.toString());
    assertEquals(1, r.hits().size());
  }

  @ParameterizedTest(name = "sort={0}")
  @ValueSource(strings = {"relevance", "date", "date:asc"})
  @DisplayName(
      "asking for facets (counted in the same pass) changes neither the page nor the total")
  void facetsKeepThePage(String sort) throws IOException {
    SearchResult plain = search("drug", "sort", sort, "limit", "3");
    SearchResult faceted = search("drug", "sort", sort, "limit", "3", "facets", "true");
    assertEquals(
        plain.hits().stream().map(h -> h.id() + "/" + h.locale()).toList(),
        faceted.hits().stream().map(h -> h.id() + "/" + h.locale()).toList());
    assertEquals(plain.nextCursor(), faceted.nextCursor());
    assertTrue(plain.totalExact());
    assertEquals(plain.total(), faceted.total());
    assertTrue(faceted.totalExact());
    assertEquals(
        faceted.total(), faceted.facets().get("type").stream().mapToLong(FacetValue::count).sum());
  }

  @Test
  @DisplayName("counting and sorting by date match exactly the documents the ranked search finds")
  void matchingFormFindsWhatRankingFinds() throws IOException {
    // Ranking, date order and facets (each with its own collector, the facets without scores) must
    // mean the same documents for every kind of word.
    for (String q :
        List.of(
            "decriminalisation",
            "harm reduction",
            "programmes",
            "Милошевић",
            "milosevic",
            "drug policy",
            "decrimin",
            "syrnge ",
            "\"harm reduction\"",
            "drug -webinar",
            "Београ",
            "needle syri",
            "organisations",
            "decriminalised",
            "reducing",
            "policies",
            "launched",
            "countries",
            "webinars",
            "правительства",
            "hiv",
            "hiv ")) {
      SearchResult ranked = search(q);
      assertTrue(ranked.total() < 100, "one page holds every match of " + q);
      Set<String> byRank = keys(ranked);
      assertEquals(byRank, keys(search(q, "sort", "date")), q);
      SearchResult counted = search(q, "limit", "1", "facets", "locale");
      assertEquals(byRank.size(), counted.total(), q);
      Map<String, Long> perLocale = new java.util.HashMap<>();
      ranked.hits().forEach(h -> perLocale.merge(h.locale(), 1L, Long::sum));
      Map<String, Long> facet = new java.util.HashMap<>();
      counted.facets().get("locale").forEach(v -> facet.put(v.value(), v.count()));
      assertEquals(perLocale, facet, q);
    }
    assertTrue(search("decriminalisation").total() > 0);
  }

  private static Set<String> keys(SearchResult r) {
    Set<String> out = new HashSet<>();
    r.hits().forEach(h -> out.add(h.id() + "/" + h.locale()));
    return out;
  }

  @Test
  @DisplayName("only the facets asked for are counted, and none by default")
  void facetsOnRequest() throws IOException {
    assertEquals(Map.of(), search("decriminalisation").facets());
    assertEquals(
        Set.of("type", "year"),
        search("decriminalisation", "facets", "type,year").facets().keySet());
    assertBadRequest(params("q", "harm", "facets", "colour"));
  }

  @Test
  @DisplayName("the total is exact, and says so")
  void totalIsExact() throws IOException {
    SearchResult r = search("drug", "limit", "1");
    assertTrue(r.totalExact());
    assertTrue(r.total() > 1);
  }

  @Test
  @DisplayName("browsing sorts newest first, and date:asc oldest first")
  void sortByDate() throws IOException {
    List<Instant> desc =
        browse("type", "article", "limit", "100").hits().stream().map(Hit::date).toList();
    List<Instant> sorted = new ArrayList<>(desc);
    sorted.sort(java.util.Comparator.reverseOrder());
    assertEquals(sorted, desc);
    List<Instant> asc =
        browse("type", "article", "limit", "100", "sort", "date:asc").hits().stream()
            .map(Hit::date)
            .toList();
    List<Instant> reversed = new ArrayList<>(desc);
    java.util.Collections.reverse(reversed);
    assertEquals(reversed, asc);
    List<Instant> relevanceByDate =
        search("drug", "sort", "date", "limit", "100").hits().stream().map(Hit::date).toList();
    List<Instant> expected = new ArrayList<>(relevanceByDate);
    expected.sort(java.util.Comparator.reverseOrder());
    assertEquals(expected, relevanceByDate);
  }

  @ParameterizedTest(name = "sort={0}")
  @ValueSource(strings = {"relevance", "date", "date:asc"})
  @DisplayName("a cursor pages through every match exactly once")
  void cursorPagination(String sort) throws IOException {
    SearchResult all = search("drug", "sort", sort, "limit", "100");
    List<String> seen = new ArrayList<>();
    String cursor = null;
    do {
      MultiMap p = params("q", "drug", "sort", sort, "limit", "3");
      if (cursor != null) {
        p.add("cursor", cursor);
      }
      SearchResult page = searcher.search(SearchQuery.of(p));
      assertEquals(all.total(), page.total());
      page.hits().forEach(h -> seen.add(h.id() + "/" + h.locale()));
      cursor = page.nextCursor().orElse(null);
    } while (cursor != null);
    assertEquals(all.hits().stream().map(h -> h.id() + "/" + h.locale()).toList(), seen);
  }

  @Test
  @DisplayName("a cursor of another search, or no cursor at all, is a 400")
  void badCursor() throws IOException {
    String cursor = search("drug", "limit", "1").nextCursor().orElseThrow();
    assertBadRequest(params("q", "harm", "limit", "1", "cursor", cursor));
    assertBadRequest(params("q", "drug", "limit", "1", "cursor", "bm90IGEgY3Vyc29y"));
    assertBadRequest(params("q", "drug", "limit", "1", "cursor", "%%%"));
  }

  @Test
  @DisplayName("a cursor of this search with a sort value missing or of the wrong type is a 400")
  void tamperedCursor() throws IOException {
    // By date a cursor holds the fingerprint "f", the date "d" and the key "k" (both numbers); by
    // relevance the score bits "s" and the document number "n".
    String byDate = search("drug", "sort", "date", "limit", "1").nextCursor().orElseThrow();
    String byRank = search("drug", "limit", "1").nextCursor().orElseThrow();
    for (String[] change :
        List.of(
            new String[] {byDate, "date", "d", null},
            new String[] {byDate, "date", "d", "\"yesterday\""},
            new String[] {byDate, "date", "d", "1.5"},
            new String[] {byDate, "date", "k", null},
            new String[] {byDate, "date", "k", "\"5b0f6c1e/en\""},
            new String[] {byDate, "date", "k", "0.5"},
            new String[] {byRank, "relevance", "n", null},
            new String[] {byRank, "relevance", "s", "\"high\""})) {
      JsonObject o = decodeCursor(change[0]);
      assertTrue(o.containsKey("f") && o.containsKey(change[2]), o.encode());
      if (change[3] == null) {
        o.remove(change[2]);
      } else {
        o.put(change[2], Json.decodeValue(change[3]));
      }
      MultiMap p = params("q", "drug", "sort", change[1], "limit", "1");
      p.add("cursor", encodeCursor(o));
      assertBadRequest(p);
    }
    // Untouched, the same cursors are fine.
    assertEquals(
        1,
        searcher
            .search(
                SearchQuery.of(params("q", "drug", "sort", "date", "limit", "1", "cursor", byDate)))
            .hits()
            .size());
    assertEquals(
        1,
        searcher
            .search(SearchQuery.of(params("q", "drug", "limit", "1", "cursor", byRank)))
            .hits()
            .size());
  }

  private static JsonObject decodeCursor(String cursor) {
    return new JsonObject(
        new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8));
  }

  private static String encodeCursor(JsonObject o) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(o.encode().getBytes(StandardCharsets.UTF_8));
  }

  @Test
  @DisplayName("a hit carries what a result card shows, and the snippet is escaped HTML")
  void resultCard() throws IOException {
    Hit h = search("jerry").hits().get(0);
    assertEquals(CYRILLIC_ID, h.id());
    assertEquals("article", h.type());
    assertEquals("sr-Cyrl", h.locale());
    assertEquals("Милутин Милошевић о политици према дрогама", h.title());
    assertEquals("Разговор у Београду.", h.summary());
    assertEquals("/sr-Cyrl/article/" + h.slug() + "/", h.url());
    assertEquals(List.of("интервју"), h.tags());
    assertTrue(h.snippet().contains("Tom &amp; <mark>Jerry</mark> &lt;Partners&gt;"), h.snippet());
    assertFalse(h.snippet().contains("<Partners>"));
  }

  @Test
  @DisplayName("stemmed and typo matches are marked in the snippet too")
  void snippetMarksVariants() throws IOException {
    Hit h =
        search("programme", "locale", "en").hits().stream()
            .filter(x -> x.id().equals(GoldenEvents.ENTRY_ID))
            .findFirst()
            .orElseThrow();
    assertTrue(h.snippet().toLowerCase().contains("<mark>programmes</mark>"), h.snippet());
    Hit typo = search("syrnge ", "locale", "en").hits().get(0);
    assertTrue(typo.snippet().toLowerCase().contains("<mark>syringe</mark>"), typo.snippet());
  }

  @ParameterizedTest(name = "q={0}")
  @ValueSource(
      strings = {
        "*a*",
        "a~",
        "title:x^1e9",
        "\"unbalanced",
        "[a TO",
        "(((",
        "a AND OR NOT b",
        "/.*/",
        "\\",
        "?",
        "-",
        "\"\"",
        "«ćao»",
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx yy zz"
      })
  @DisplayName("query syntax in q is searched literally, never parsed")
  void syntaxIsLiteral(String q) {
    // A parse error or an unbounded query would throw (or fail the search) here.
    assertDoesNotThrow(() -> search(q));
  }

  @Test
  @DisplayName("title:x^1e9 looks for those words, not a boosted field")
  void noFieldSyntax() throws IOException {
    assertEquals(0, search("title:harbour^1e9").total());
  }

  @Test
  @DisplayName("empty, overlong or control-character queries are refused with a 400")
  void badQueries() {
    assertBadRequest(params("q", ""));
    assertBadRequest(params("q", "   "));
    assertBadRequest(params());
    assertBadRequest(params("q", "x".repeat(501)));
    assertBadRequest(params("q", "harm\u0000"));
    assertBadRequest(params("q", "harm\u001b[31m"));
    assertBadRequest(params("q", "harm", "sort", "random"));
    assertBadRequest(params("q", "harm", "publishedFrom", "yesterday"));
    assertBadRequest(
        params("q", "harm", "publishedFrom", "2025-02-01", "publishedTo", "2025-01-01"));
    assertBadRequest(params("q", "harm", "limit", "0"));
    // RFC 3339 date-times that parse, but lie beyond the index's epoch milliseconds.
    assertBadRequest(params("q", "harm", "startsTo", "+999999999-12-31T23:59:59Z"));
    assertBadRequest(params("q", "harm", "publishedFrom", "-999999999-01-01T00:00:00Z"));
    assertBadRequest(params("q", "harm", "startsFrom", "+300000000-01-01T00:00:00Z"));
    assertBadRequest(params("q", "harm", "publishedTo", "+999999999-12-31T23:59:59+18:00"));
  }

  @Test
  @DisplayName("an empty q with a filter browses")
  void browseWithFilter() throws IOException {
    SearchResult r = browse("type", "publication");
    assertEquals(2, r.total());
  }

  private static void assertBadRequest(MultiMap params) {
    ProblemException e =
        assertThrows(ProblemException.class, () -> searcher.search(SearchQuery.of(params)));
    assertEquals(400, e.problem().status());
  }

  private static SearchResult search(String q, String... more) throws IOException {
    MultiMap p = params(more);
    p.add("q", q);
    if (!p.contains("limit")) {
      p.add("limit", "100");
    }
    return searcher.search(SearchQuery.of(p));
  }

  private static SearchResult browse(String... params) throws IOException {
    MultiMap p = params(params);
    if (!p.contains("limit")) {
      p.add("limit", "100");
    }
    return searcher.search(SearchQuery.of(p));
  }

  private static MultiMap params(String... nameValues) {
    MultiMap p = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < nameValues.length; i += 2) {
      p.add(nameValues[i], nameValues[i + 1]);
    }
    return p;
  }

  private static Set<String> ids(SearchResult r) {
    Set<String> out = new HashSet<>();
    r.hits().forEach(h -> out.add(h.id()));
    return out;
  }

  private static String seedId(String titleStart) {
    return SeedEvents.titled(titleStart).entryId().toString();
  }

  private static String id(int n) {
    return new UUID(0, n).toString();
  }

  /** A one-locale entry of the demo model's shape. */
  static ContentPublished entry(
      String id,
      String type,
      String locale,
      String title,
      String summary,
      String body,
      String organisers,
      List<String> tags,
      Instant publishedAt) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode fields = f.objectNode();
    fields.putObject("title").put(locale, title);
    fields.putObject("summary").put(locale, summary);
    fields.putObject("body").put(locale, body);
    fields.put("organisers", organisers);
    tags.forEach(fields.withArray("tags")::add);
    return new ContentPublished(
        UUID.fromString(id),
        1,
        type,
        "entry-" + id.substring(0, 8),
        List.of(locale),
        List.of("website"),
        List.of(
            new FieldSchema("title", "text", true),
            new FieldSchema("summary", "text", true),
            new FieldSchema("body", "richtext", true),
            new FieldSchema("organisers", "text", false),
            new FieldSchema("tags", "tags", false)),
        fields,
        publishedAt);
  }
}
