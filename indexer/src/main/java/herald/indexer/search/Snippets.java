package herald.indexer.search;

import herald.indexer.analysis.ContentAnalysis;
import herald.indexer.analysis.ContentAnalysis.Stemming;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.OffsetAttribute;
import org.apache.lucene.search.highlight.SimpleHTMLEncoder;

/**
 * Highlighted snippets: the stored text is analyzed again with its locale's analyzer, every word
 * that the search matched (as written, by stem, with a typo, or as a prefix) is put in {@code
 * <mark>}, and the passage with the most distinct matches is shown. Everything else is
 * HTML-escaped, so stored content cannot inject markup.
 *
 * <p>NOTE: one pass over the text per hit, without building an index of it (as Lucene's Highlighter
 * does), so a page of hits costs well under a millisecond.
 */
final class Snippets {
  static final int SNIPPET_CHARS = 160;

  /** Text past this many characters is not searched for a passage. */
  private static final int MAX_ANALYZED_CHARS = 20_000;

  private final CharArraySet exact = new CharArraySet(16, false);
  private final List<String> fuzzy = new ArrayList<>();
  private final String prefix;

  /** The first characters of all the terms above: a word starting otherwise cannot match. */
  private final String initials;

  /**
   * @param typos the folded words that the search looked up with typos
   */
  Snippets(QueryText text, Set<Stemming> languages, java.util.function.Predicate<String> typos) {
    String last = null;
    for (int i = 0; i < text.words().size(); i++) {
      List<String> variants = ContentAnalysis.variants(text.words().get(i), languages);
      exact.addAll(variants);
      if (variants.isEmpty()) {
        continue;
      }
      String folded = variants.get(0);
      int length = folded.codePointCount(0, folded.length());
      if (typos.test(folded)) {
        fuzzy.add(folded);
      }
      if (text.prefixLast()
          && i == text.words().size() - 1
          && length >= ContentSearcher.MIN_PREFIX_LENGTH) {
        last = folded;
      }
    }
    text.phrases().forEach(exact::addAll);
    this.prefix = last;
    StringBuilder first = new StringBuilder();
    for (Object term : exact) {
      char[] chars = (char[]) term;
      if (chars.length > 0) {
        first.append(chars[0]);
      }
    }
    fuzzy.forEach(f -> first.append(f.charAt(0)));
    if (prefix != null) {
      first.append(prefix.charAt(0));
    }
    this.initials = first.toString();
  }

  boolean isEmpty() {
    return exact.isEmpty() && fuzzy.isEmpty() && prefix == null;
  }

  /** The best passage of the text with the matches marked, or null when nothing matches. */
  String of(String locale, String text) {
    if (text.isEmpty() || isEmpty()) {
      return null;
    }
    String analyzed =
        text.length() > MAX_ANALYZED_CHARS ? text.substring(0, MAX_ANALYZED_CHARS) : text;
    List<int[]> marks = new ArrayList<>();
    List<String> markTerms = new ArrayList<>();
    // NOTE: the text is split into words, and each word's terms (folded, stemmed) come from
    // ContentAnalysis.termsOfWord, which remembers them: the same terms as the locale's analyzer
    // over the whole text, at a fraction of the cost.
    try (TokenStream ts = ContentAnalysis.lowerCaseWords().tokenStream("", analyzed)) {
      CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
      OffsetAttribute offset = ts.addAttribute(OffsetAttribute.class);
      ts.reset();
      while (ts.incrementToken()) {
        if (!marks.isEmpty() && offset.startOffset() > marks.get(0)[0] + 2 * SNIPPET_CHARS) {
          // NOTE: the passage is looked for near the first match only, which bounds the work
          // per hit whatever the length of the text.
          break;
        }
        char initial = ContentAnalysis.foldedInitial(term.buffer()[0]);
        if (initial != ContentAnalysis.ANY_INITIAL && initials.indexOf(initial) < 0) {
          // No term of this word can match: its terms are not looked up (most words of a text).
          continue;
        }
        for (String t : ContentAnalysis.termsOfWord(locale, term.toString())) {
          if (matches(t)) {
            // A word and its stem share the word's offsets: it is marked once.
            marks.add(new int[] {offset.startOffset(), offset.endOffset()});
            markTerms.add(t);
            break;
          }
        }
      }
      ts.end();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read a string", e);
    }
    if (marks.isEmpty()) {
      return null;
    }
    int[] window = bestWindow(analyzed, marks, markTerms);
    StringBuilder out = new StringBuilder(SNIPPET_CHARS + 64);
    if (window[0] > 0) {
      out.append('…');
    }
    int at = window[0];
    for (int[] m : marks) {
      if (m[0] < window[0] || m[1] > window[1]) {
        continue;
      }
      out.append(SimpleHTMLEncoder.htmlEncode(analyzed.substring(at, m[0])));
      out.append("<mark>")
          .append(SimpleHTMLEncoder.htmlEncode(analyzed.substring(m[0], m[1])))
          .append("</mark>");
      at = m[1];
    }
    out.append(SimpleHTMLEncoder.htmlEncode(analyzed.substring(at, window[1])));
    if (window[1] < text.length()) {
      out.append('…');
    }
    return out.toString().strip();
  }

  private boolean matches(String term) {
    if (exact.contains(term) || (prefix != null && term.startsWith(prefix))) {
      return true;
    }
    for (String f : fuzzy) {
      if (withinEdits(f, term)) {
        return true;
      }
    }
    return false;
  }

  /** Whether the term is the word with a typo, as the search's fuzzy query allows. */
  private static boolean withinEdits(String word, String term) {
    int edits = word.length() >= ContentSearcher.TWO_TYPOS_LENGTH ? 2 : 1;
    if (Math.abs(word.length() - term.length()) > edits
        || term.isEmpty()
        || term.charAt(0) != word.charAt(0)) {
      return false;
    }
    return distance(word, term, edits) <= edits;
  }

  /** Damerau-Levenshtein (optimal string alignment) distance, cut off above {@code max}. */
  private static int distance(String a, String b, int max) {
    int n = a.length();
    int m = b.length();
    int[] prev2 = new int[m + 1];
    int[] prev = new int[m + 1];
    int[] cur = new int[m + 1];
    for (int j = 0; j <= m; j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= n; i++) {
      cur[0] = i;
      int rowMin = cur[0];
      for (int j = 1; j <= m; j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        int v = Math.min(Math.min(prev[j] + 1, cur[j - 1] + 1), prev[j - 1] + cost);
        if (i > 1
            && j > 1
            && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          v = Math.min(v, prev2[j - 2] + 1);
        }
        cur[j] = v;
        rowMin = Math.min(rowMin, v);
      }
      if (rowMin > max) {
        return max + 1;
      }
      int[] t = prev2;
      prev2 = prev;
      prev = cur;
      cur = t;
    }
    return prev[m];
  }

  /**
   * The window of about {@link #SNIPPET_CHARS} characters, cut at spaces, that holds the most
   * distinct matched words (the earliest such window on ties).
   */
  private static int[] bestWindow(String text, List<int[]> marks, List<String> terms) {
    int bestFirst = 0;
    int bestCount = 0;
    for (int i = 0; i < marks.size(); i++) {
      Set<String> distinct = new HashSet<>();
      int limit = marks.get(i)[0] + SNIPPET_CHARS;
      for (int j = i; j < marks.size() && marks.get(j)[1] <= limit; j++) {
        distinct.add(terms.get(j));
      }
      if (distinct.size() > bestCount) {
        bestCount = distinct.size();
        bestFirst = i;
      }
    }
    int firstMark = marks.get(bestFirst)[0];
    // Some context before the first match, from the start of a word (or of the text).
    int start = Math.max(0, firstMark - 30);
    if (start > 0) {
      int space = text.indexOf(' ', start);
      start = space >= 0 && space < firstMark ? space + 1 : firstMark;
    }
    // A line (paragraph, list item) that begins between there and the match starts the passage.
    int lineStart = text.lastIndexOf('\n', firstMark - 1) + 1;
    if (lineStart > start) {
      start = lineStart;
    }
    int end = Math.min(text.length(), start + SNIPPET_CHARS);
    if (end < text.length()) {
      int space = text.lastIndexOf(' ', end);
      if (space > firstMark) {
        end = space;
      }
    }
    // A match cut by the end is left unmarked rather than half marked.
    return new int[] {start, end};
  }
}
