package herald.indexer.search;

import herald.indexer.analysis.ContentAnalysis;
import java.util.ArrayList;
import java.util.List;

/**
 * What a person typed, read as words, {@code "phrases"} and {@code -excluded} words; nothing else
 * is syntax. A quote without its partner is ignored, and every other character (wildcards, boosts,
 * brackets, field names) is only a word break or part of a word, so no input can ask for an
 * expensive or unbounded query.
 *
 * @param words words that must each match (exactly, by stem, with a typo, or as a prefix)
 * @param phrases word sequences that must match in order, as folded terms
 * @param excluded folded words that must not occur
 * @param prefixLast whether the last word may be the beginning of a longer word (search as you
 *     type): true unless the text ends with a space or a closing quote
 */
public record QueryText(
    List<String> words, List<List<String>> phrases, List<String> excluded, boolean prefixLast) {

  /** Words past this many (in all parts together) are ignored. */
  public static final int MAX_WORDS = 32;

  public QueryText {
    words = List.copyOf(words);
    phrases = phrases.stream().map(List::copyOf).toList();
    excluded = List.copyOf(excluded);
  }

  /** Nothing to match: only filters (or only punctuation). */
  public boolean isEmpty() {
    return words.isEmpty() && phrases.isEmpty();
  }

  public static QueryText parse(String text) {
    List<String> words = new ArrayList<>();
    List<List<String>> phrases = new ArrayList<>();
    List<String> excluded = new ArrayList<>();
    int budget = MAX_WORDS;
    int closing = lastQuote(text);
    StringBuilder plain = new StringBuilder();
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (isQuote(c) && i < closing) {
        int end = nextQuote(text, i + 1);
        List<String> phrase = folded(ContentAnalysis.words(text.substring(i + 1, end)));
        phrase = phrase.subList(0, Math.min(phrase.size(), Math.max(budget, 0)));
        budget -= phrase.size();
        // One quoted word is a phrase of one: matched exactly (no stem, typo or prefix).
        if (!phrase.isEmpty()) {
          phrases.add(phrase);
        }
        plain.append(' ');
        i = end + 1;
        continue;
      }
      if (c == '-' && (i == 0 || Character.isWhitespace(text.charAt(i - 1)))) {
        int end = i + 1;
        while (end < text.length() && !Character.isWhitespace(text.charAt(end))) {
          end++;
        }
        for (String w : folded(ContentAnalysis.words(text.substring(i + 1, end)))) {
          if (budget-- > 0) {
            excluded.add(w);
          }
        }
        plain.append(' ');
        i = end;
        continue;
      }
      plain.append(isQuote(c) ? ' ' : c);
      i++;
    }
    for (String w : ContentAnalysis.words(plain.toString())) {
      if (budget-- > 0) {
        words.add(w);
      }
    }
    boolean prefixLast =
        !text.isEmpty()
            && !Character.isWhitespace(text.charAt(text.length() - 1))
            && !isQuote(text.charAt(text.length() - 1))
            && plain.length() > 0
            && !Character.isWhitespace(plain.charAt(plain.length() - 1));
    return new QueryText(words, phrases, excluded, prefixLast && !words.isEmpty());
  }

  private static List<String> folded(List<String> words) {
    List<String> out = new ArrayList<>(words.size());
    for (String w : words) {
      String f = ContentAnalysis.fold(w);
      if (!f.isEmpty()) {
        out.add(f);
      }
    }
    return out;
  }

  private static boolean isQuote(char c) {
    return c == '"' || c == '“' || c == '”' || c == '„' || c == '«' || c == '»';
  }

  private static int nextQuote(String text, int from) {
    for (int i = from; i < text.length(); i++) {
      if (isQuote(text.charAt(i))) {
        return i;
      }
    }
    return text.length();
  }

  /** Index of the last quote that closes a pair, or -1; a lone last quote opens nothing. */
  private static int lastQuote(String text) {
    int count = 0;
    int last = -1;
    for (int i = 0; i < text.length(); i++) {
      if (isQuote(text.charAt(i))) {
        count++;
        if (count % 2 == 0) {
          last = i;
        }
      }
    }
    return last;
  }
}
