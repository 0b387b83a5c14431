package herald.indexer.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import herald.indexer.analysis.ContentAnalysis.Stemming;
import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.OffsetAttribute;
import org.apache.lucene.analysis.tokenattributes.PositionIncrementAttribute;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("Text analysis across scripts and languages")
class ContentAnalysisTest {

  @Test
  @DisplayName("case and diacritics are folded: Milošević, MILOSEVIC and milosevic are one term")
  void foldsCaseAndDiacritics() throws IOException {
    assertEquals(List.of("milosevic"), terms(ContentAnalysis.PLAIN, "Milošević"));
    assertEquals(List.of("milosevic"), terms(ContentAnalysis.PLAIN, "MILOSEVIC"));
    assertEquals(
        List.of("medecins", "du", "monde"), terms(ContentAnalysis.PLAIN, "Médecins du Monde"));
    assertEquals(List.of("zizek"), terms(ContentAnalysis.PLAIN, "Žižek"));
  }

  @Test
  @DisplayName("Serbian Cyrillic is written in Latin letters, so both scripts meet")
  void serbianCyrillicMeetsLatin() throws IOException {
    assertEquals(List.of("milosevic"), terms(ContentAnalysis.PLAIN, "Милошевић"));
    assertEquals(
        terms(ContentAnalysis.PLAIN, "Šta da radimo sa novom Strategijom"),
        terms(ContentAnalysis.PLAIN, "Шта да радимо са новом Стратегијом"));
    assertEquals(List.of("njegos", "ljubljana"), terms(ContentAnalysis.PLAIN, "Његош Љубљана"));
    // đ and ђ are both spelled dj, as in the usual ASCII spelling.
    assertEquals(List.of("djindjic"), terms(ContentAnalysis.PLAIN, "Ђинђић"));
    assertEquals(List.of("djindjic"), terms(ContentAnalysis.PLAIN, "Đinđić"));
    assertEquals(List.of("djindjic"), terms(ContentAnalysis.PLAIN, "Djindjic"));
    assertEquals(List.of("dzevdjelija"), terms(ContentAnalysis.PLAIN, "Џевђелија"));
  }

  @Test
  @DisplayName("Macedonian and Russian letters get Latin spellings too")
  void otherCyrillic() throws IOException {
    assertEquals(List.of("gjorgjija"), terms(ContentAnalysis.PLAIN, "Ѓорѓија"));
    assertEquals(List.of("moskva"), terms(ContentAnalysis.PLAIN, "Москва"));
  }

  @Test
  @DisplayName("English text is indexed with each word and its stem at the same position")
  void englishStems() throws IOException {
    Analyzer en = ContentAnalysis.forLocale("en");
    List<String> t = terms(en, "Needle programmes");
    assertTrue(t.containsAll(List.of("needle", "needl", "programmes", "programm")), t.toString());
    assertEquals(
        List.of("programmes", "programm"),
        ContentAnalysis.variants("Programmes", EnumSet.of(Stemming.ENGLISH)));
    // The query word "programme" reaches "programmes" through the shared stem.
    assertTrue(
        ContentAnalysis.variants("programme", EnumSet.of(Stemming.ENGLISH)).contains("programm"));
  }

  @Test
  @DisplayName(
      "word pairs are neighbouring words as written and folded, without stems, in any script")
  void wordPairs() throws IOException {
    assertEquals(
        List.of("harm reduction", "reduction programmes", "programmes in", "in beograd"),
        terms(ContentAnalysis.pairsForLocale("en"), "Harm-reduction programmes in Beograd."));
    assertEquals(
        List.of("smanjenje stete", "stete u", "u beogradu"),
        terms(ContentAnalysis.pairsForLocale("sr-Cyrl"), "Смањење штете у Београду"));
    assertEquals(
        List.of("snizenie vreda"), terms(ContentAnalysis.pairsForLocale("ru"), "Снижение вреда"));
    assertEquals(List.of(), terms(ContentAnalysis.pairsForLocale("en"), "Alone"));
    assertEquals("harm reduction", ContentAnalysis.pair("harm", "reduction"));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "en|The network's programmes: needle & syringe services, Milošević's 2024 reports.",
        "ru|Снижение вреда: программы обмена шприцев и доклады сети в 2024 году.",
        "sr-Cyrl|Смањење штете у Београду и Нишу, 12. децембар.",
        "sr-Latn|Smanjenje štete u Beogradu — izveštaj mreže.",
        "mk|Намалување на штетата во Скопје.",
      })
  @DisplayName("word pairs are made of exactly the words the locale's analyzer keeps besides stems")
  void pairsOfTheIndexedWords(String locale, String text) throws IOException {
    List<String> words = new ArrayList<>();
    try (TokenStream ts = ContentAnalysis.forLocale(locale).tokenStream("f", text)) {
      CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
      PositionIncrementAttribute increment = ts.addAttribute(PositionIncrementAttribute.class);
      ts.reset();
      while (ts.incrementToken()) {
        if (increment.getPositionIncrement() > 0) {
          words.add(term.toString());
        }
      }
      ts.end();
    }
    List<String> expected = new ArrayList<>();
    for (int i = 0; i + 1 < words.size(); i++) {
      expected.add(ContentAnalysis.pair(words.get(i), words.get(i + 1)));
    }
    assertTrue(expected.size() >= 3, expected.toString());
    assertEquals(expected, terms(ContentAnalysis.pairsForLocale(locale), text));
  }

  @Test
  @DisplayName("Russian text is stemmed, so inflected forms find each other")
  void russianStems() throws IOException {
    Analyzer ru = ContentAnalysis.forLocale("ru");
    List<String> indexed = terms(ru, "декриминализации");
    List<String> query = ContentAnalysis.variants("декриминализация", EnumSet.of(Stemming.RUSSIAN));
    assertTrue(
        indexed.stream().anyMatch(query::contains), indexed + " shares nothing with " + query);
  }

  @Test
  @DisplayName("other locales are folded but not stemmed")
  void otherLocalesNotStemmed() throws IOException {
    assertEquals(List.of("programi"), terms(ContentAnalysis.forLocale("sr-Latn"), "Programi"));
    assertEquals(ContentAnalysis.Stemming.NONE, ContentAnalysis.stemming("sr-Cyrl"));
    assertEquals(ContentAnalysis.Stemming.ENGLISH, ContentAnalysis.stemming("en-GB"));
  }

  @Test
  @DisplayName("rich text is indexed as the words a reader sees: no markup, links or scripts")
  void richText() {
    String text =
        RichText.plainText(
            "## Purpose\n\n- Introduce the **BOOST** brief\n- [Read it](https://example.org/x)"
                + "\n\nSafe <script>alert(1)</script> text.\n\n<div>html block</div>");
    assertTrue(text.contains("Purpose"));
    assertTrue(text.contains("Introduce the BOOST brief"));
    assertTrue(text.contains("Read it"));
    assertFalse(text.contains("example.org"), text);
    assertFalse(text.contains("alert"), text);
    assertFalse(text.contains("**"), text);
    assertFalse(text.contains("html block"), text);
  }

  private static List<String> terms(Analyzer analyzer, String text) throws IOException {
    List<String> out = new ArrayList<>();
    try (TokenStream ts = analyzer.tokenStream("f", text)) {
      CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
      ts.reset();
      while (ts.incrementToken()) {
        out.add(term.toString());
      }
      ts.end();
    }
    return out;
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "en|The Networks' harm-reduction services, policies and Milošević's U.S. trials in 2025",
        "ru|Декриминализация наркотиков: сети снижения вреда и политики",
        "sr-Cyrl|Мрежа за смањење штете у Београду, Милошевић",
        "sr-Latn|Mreža za smanjenje štete u Beogradu, Milošević"
      })
  @DisplayName("a word's remembered terms are those the locale's analyzer makes of it in the text")
  void termsOfWordMatchTheAnalyzer(String locale, String text) throws IOException {
    List<List<String>> byWord = new ArrayList<>();
    int lastStart = -1;
    try (TokenStream ts = ContentAnalysis.forLocale(locale).tokenStream("", text)) {
      CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
      OffsetAttribute offset = ts.addAttribute(OffsetAttribute.class);
      ts.reset();
      while (ts.incrementToken()) {
        if (offset.startOffset() != lastStart) {
          byWord.add(new ArrayList<>());
          lastStart = offset.startOffset();
        }
        byWord.get(byWord.size() - 1).add(term.toString());
      }
      ts.end();
    }
    List<List<String>> remembered = new ArrayList<>();
    for (int round = 0; round < 2; round++) {
      remembered.clear();
      for (String word : ContentAnalysis.words(text)) {
        remembered.add(List.of(ContentAnalysis.termsOfWord(locale, word)));
      }
      // The second round is answered from memory.
      assertEquals(byWord, remembered);
    }
  }

  @Test
  @DisplayName("every term of a word begins with its first letter folded, in every script")
  void foldedInitial() throws IOException {
    StringBuilder text = new StringBuilder();
    try (var in = ContentAnalysisTest.class.getResourceAsStream("/seed/entries.json")) {
      text.append(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
    }
    // Letters that fold to two (æ, ß, ǆ, ﬁ, љ, џ, я, щ) or to nothing (ъ, ь), stems that change
    // the end of a word, Greek, digits, a possessive, and a character outside the BMP.
    text.append(
        " æble ßtraße ǆep ﬁnal œuvre ёлка љубав џеп ясно щука ъгъл ьо ьа éclair ανθρωπος"
            + " 2023 organisations' organisation's policies running ПОЛИТИКА наркотиков 😀abc");
    int checked = 0;
    for (String word : ContentAnalysis.words(text.toString())) {
      char initial = ContentAnalysis.foldedInitial(word.charAt(0));
      for (String locale : List.of("en", "ru", "sr-Cyrl")) {
        for (String term : ContentAnalysis.termsOfWord(locale, word)) {
          if (initial != ContentAnalysis.ANY_INITIAL && !term.isEmpty()) {
            assertEquals(initial, term.charAt(0), word + " in " + locale + ": " + term);
            checked++;
          }
        }
      }
    }
    assertTrue(checked > 1_000, "terms checked: " + checked);
    assertEquals(ContentAnalysis.ANY_INITIAL, ContentAnalysis.foldedInitial('ъ'));
    assertEquals('j', ContentAnalysis.foldedInitial('я'));
    assertEquals('m', ContentAnalysis.foldedInitial('м'));
  }
}
