package herald.indexer.analysis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.core.KeywordTokenizer;
import org.apache.lucene.analysis.en.EnglishPossessiveFilter;
import org.apache.lucene.analysis.en.PorterStemFilter;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;
import org.apache.lucene.analysis.miscellaneous.KeywordRepeatFilter;
import org.apache.lucene.analysis.miscellaneous.RemoveDuplicatesTokenFilter;
import org.apache.lucene.analysis.shingle.ShingleFilter;
import org.apache.lucene.analysis.snowball.SnowballFilter;
import org.apache.lucene.analysis.standard.StandardTokenizer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.tartarus.snowball.ext.RussianStemmer;

/**
 * Text analysis for every locale, shared by the index and the queries.
 *
 * <p>Every word is lower-cased, written in Latin letters ({@link ScriptFoldingFilter}) and folded
 * to ASCII, so that {@code Милошевић}, {@code Milošević} and {@code milosevic} are one term.
 * English and Russian text also gets the word's stem at the same position (the exact word stays,
 * for phrases and exact matches to rank higher): {@code programmes} is indexed as {@code
 * programmes} and {@code programm}. A query word is looked up as itself and as its stem in each
 * stemmed language, so no locale needs to be given to find inflected forms.
 *
 * <p>NOTE: no stop words: names and titles of the region are often short words, and every word of a
 * query must match anyway.
 */
public final class ContentAnalysis {

  /** A language whose words are stemmed. */
  public enum Stemming {
    ENGLISH,
    RUSSIAN,
    NONE
  }

  /** Lower case, Latin letters, no diacritics: the form every other analyzer ends in. */
  public static final Analyzer PLAIN = analyzer(Stemming.NONE, false, false);

  private static final Analyzer ENGLISH = analyzer(Stemming.ENGLISH, false, true);
  private static final Analyzer RUSSIAN = analyzer(Stemming.RUSSIAN, false, true);
  private static final Analyzer LOWER_CASE_WORDS =
      new Analyzer() {
        @Override
        protected TokenStreamComponents createComponents(String fieldName) {
          Tokenizer source = new StandardTokenizer();
          return new TokenStreamComponents(source, new LowerCaseFilter(source));
        }
      };
  private static final Analyzer ENGLISH_STEM = analyzer(Stemming.ENGLISH, true, false);
  private static final Analyzer RUSSIAN_STEM = analyzer(Stemming.RUSSIAN, true, false);
  private static final Analyzer PLAIN_WORD = analyzer(Stemming.NONE, true, false);
  private static final Map<Stemming, Analyzer> ONE_WORD =
      Map.of(
          Stemming.ENGLISH, analyzer(Stemming.ENGLISH, true, true),
          Stemming.RUSSIAN, analyzer(Stemming.RUSSIAN, true, true),
          Stemming.NONE, PLAIN_WORD);

  private static final Map<Stemming, Analyzer> PAIRS =
      Map.of(
          Stemming.ENGLISH, pairs(Stemming.ENGLISH),
          Stemming.RUSSIAN, pairs(Stemming.RUSSIAN),
          Stemming.NONE, pairs(Stemming.NONE));

  /** What separates the two words of a {@link #pair}. */
  private static final String PAIR_SEPARATOR = " ";

  /** Distinct words whose terms are remembered per language; beyond, the memory starts over. */
  private static final int MAX_REMEMBERED_WORDS = 50_000;

  private static final Map<Stemming, Map<String, String[]>> REMEMBERED =
      Map.of(
          Stemming.ENGLISH, new ConcurrentHashMap<>(),
          Stemming.RUSSIAN, new ConcurrentHashMap<>(),
          Stemming.NONE, new ConcurrentHashMap<>());

  private ContentAnalysis() {}

  /** Which stemmer a locale's text gets: English for {@code en*}, Russian for {@code ru*}. */
  public static Stemming stemming(String locale) {
    String lang = locale == null ? "" : locale.toLowerCase(Locale.ROOT);
    if (lang.equals("en") || lang.startsWith("en-")) {
      return Stemming.ENGLISH;
    }
    if (lang.equals("ru") || lang.startsWith("ru-")) {
      return Stemming.RUSSIAN;
    }
    return Stemming.NONE;
  }

  /** The analyzer for text in the locale: folded words, plus stems for stemmed languages. */
  public static Analyzer forLocale(String locale) {
    return switch (stemming(locale)) {
      case ENGLISH -> ENGLISH;
      case RUSSIAN -> RUSSIAN;
      case NONE -> PLAIN;
    };
  }

  /**
   * The analyzer for the word pairs of text in the locale: each two neighbouring words, in the
   * folded form that {@link #forLocale} gives them (no stems), as one term ({@link #pair}). An
   * exact phrase of two words is then one term to look up instead of two position lists to compare.
   */
  public static Analyzer pairsForLocale(String locale) {
    return PAIRS.get(stemming(locale));
  }

  /** The term of two neighbouring folded words in {@link #pairsForLocale}'s output. */
  public static String pair(String first, String second) {
    return first + PAIR_SEPARATOR + second;
  }

  /**
   * The terms that the locale's analyzer makes of one word of a text, a token of {@link
   * #lowerCaseWords()}: its folded form and, for a stemmed language, its folded stem when that
   * differs. The analysis of a word does not depend on its neighbours, and the words of a language
   * repeat, so the answers are remembered (at most {@value #MAX_REMEMBERED_WORDS} words per
   * language): snippets ask for every word of every hit.
   */
  public static String[] termsOfWord(String locale, String lowerCasedWord) {
    Stemming stemming = stemming(locale);
    Map<String, String[]> remembered = REMEMBERED.get(stemming);
    String[] terms = remembered.get(lowerCasedWord);
    if (terms == null) {
      terms = terms(ONE_WORD.get(stemming), lowerCasedWord).toArray(String[]::new);
      if (remembered.size() >= MAX_REMEMBERED_WORDS) {
        remembered.clear();
      }
      remembered.put(lowerCasedWord, terms);
    }
    return terms;
  }

  /**
   * Splits text into words, lower-cased, with their offsets: the tokens every analyzer here makes.
   */
  public static Analyzer lowerCaseWords() {
    return LOWER_CASE_WORDS;
  }

  /** The words of the text, lower-cased but otherwise as written, in order (duplicates kept). */
  public static List<String> words(String text) {
    return terms(LOWER_CASE_WORDS, text);
  }

  /** The folded form of one word, as the index holds it. */
  public static String fold(String word) {
    return single(PLAIN_WORD, word);
  }

  /** {@link #foldedInitial} when the initial depends on more than the first character. */
  public static final char ANY_INITIAL = Character.MAX_VALUE;

  /** Per character, {@link #foldedInitial} of it, 0 until asked for (a benign race: same value). */
  private static final char[] INITIALS = new char[Character.MAX_VALUE + 1];

  /**
   * The first character of every term of a lower-cased word that begins with {@code c}, as {@link
   * #termsOfWord} gives them (its folded form and folded stem: a stemmer changes the end of a word,
   * and folding goes letter by letter), or {@link #ANY_INITIAL} when that depends on more than
   * {@code c}: a letter that folds to nothing (ъ, ь), half of a surrogate pair. Snippets use it to
   * pass over words that cannot match without looking up their terms.
   */
  public static char foldedInitial(char c) {
    char known = INITIALS[c];
    if (known == 0) {
      known = ANY_INITIAL;
      if (!Character.isSurrogate(c)) {
        String a = fold(c + "a");
        String b = fold(c + "b");
        if (a.length() > 1 && !b.isEmpty() && a.charAt(0) == b.charAt(0) && a.charAt(0) != 0) {
          known = a.charAt(0);
        }
      }
      INITIALS[c] = known;
    }
    return known;
  }

  /**
   * The terms that one word of a query is looked up as: its folded form first, then its stems in
   * the given languages (without repeats).
   */
  public static List<String> variants(String word, Set<Stemming> languages) {
    Set<String> out = new LinkedHashSet<>();
    out.add(fold(word));
    if (languages.contains(Stemming.ENGLISH)) {
      out.add(single(ENGLISH_STEM, word));
    }
    if (languages.contains(Stemming.RUSSIAN)) {
      out.add(single(RUSSIAN_STEM, word));
    }
    out.remove("");
    return List.copyOf(out);
  }

  private static String single(Analyzer analyzer, String word) {
    List<String> terms = terms(analyzer, word);
    return terms.isEmpty() ? "" : terms.get(0);
  }

  /** The terms the analyzer makes of the text, in order. */
  private static List<String> terms(Analyzer analyzer, String text) {
    List<String> out = new ArrayList<>();
    try (TokenStream ts = analyzer.tokenStream("", text)) {
      CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
      ts.reset();
      while (ts.incrementToken()) {
        out.add(term.toString());
      }
      ts.end();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read a string", e);
    }
    return out;
  }

  /**
   * Word pairs of the words that {@link #analyzer} keeps (the first token at each position) without
   * making the stems it would drop: the same filters up to the stemmer, which English precedes with
   * the possessive filter (and which leaves the kept word alone), then the folding.
   */
  private static Analyzer pairs(Stemming stemming) {
    return new Analyzer() {
      @Override
      protected TokenStreamComponents createComponents(String fieldName) {
        Tokenizer source = new StandardTokenizer();
        TokenStream ts = new LowerCaseFilter(source);
        if (stemming == Stemming.ENGLISH) {
          ts = new EnglishPossessiveFilter(ts);
        }
        ShingleFilter pairs =
            new ShingleFilter(new ASCIIFoldingFilter(new ScriptFoldingFilter(ts)), 2, 2);
        pairs.setOutputUnigrams(false);
        pairs.setTokenSeparator(PAIR_SEPARATOR);
        return new TokenStreamComponents(source, pairs);
      }
    };
  }

  private static Analyzer analyzer(Stemming stemming, boolean oneWord, boolean keepWord) {
    return new Analyzer() {
      @Override
      protected TokenStreamComponents createComponents(String fieldName) {
        Tokenizer source = oneWord ? new KeywordTokenizer() : new StandardTokenizer();
        TokenStream ts = new LowerCaseFilter(source);
        if (stemming != Stemming.NONE) {
          if (keepWord) {
            // The exact word and its stem at one position; the stemmer leaves the first alone.
            ts = new KeywordRepeatFilter(ts);
          }
          ts =
              stemming == Stemming.ENGLISH
                  ? new PorterStemFilter(new EnglishPossessiveFilter(ts))
                  : new SnowballFilter(ts, new RussianStemmer());
        }
        ts = new ASCIIFoldingFilter(new ScriptFoldingFilter(ts));
        if (keepWord) {
          ts = new RemoveDuplicatesTokenFilter(ts);
        }
        return new TokenStreamComponents(source, ts);
      }

      @Override
      protected TokenStream normalize(String fieldName, TokenStream in) {
        return new ASCIIFoldingFilter(new ScriptFoldingFilter(new LowerCaseFilter(in)));
      }
    };
  }
}
