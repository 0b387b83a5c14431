package herald.indexer.analysis;

import java.io.IOException;
import org.apache.lucene.analysis.TokenFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;

/**
 * Writes Cyrillic words in Latin letters the way Serbian does ("Милошевић" → "milošević"), so that
 * both scripts of Serbian (and Macedonian, Bulgarian, Russian names) meet in one term; the
 * diacritics are then folded by {@link
 * org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter}.
 *
 * <p>{@code đ} and {@code ђ} become {@code dj}, the usual ASCII spelling ("Đinđić", "Djindjic").
 * Expects lower-case input.
 */
public final class ScriptFoldingFilter extends TokenFilter {
  private static final String[] CYRILLIC = new String[0x60];

  static {
    String[][] pairs = {
      {"а", "a"},
      {"б", "b"},
      {"в", "v"},
      {"г", "g"},
      {"д", "d"},
      {"ђ", "dj"},
      {"е", "e"},
      {"ж", "ž"},
      {"з", "z"},
      {"и", "i"},
      {"ј", "j"},
      {"к", "k"},
      {"л", "l"},
      {"љ", "lj"},
      {"м", "m"},
      {"н", "n"},
      {"њ", "nj"},
      {"о", "o"},
      {"п", "p"},
      {"р", "r"},
      {"с", "s"},
      {"т", "t"},
      {"ћ", "ć"},
      {"у", "u"},
      {"ф", "f"},
      {"х", "h"},
      {"ц", "c"},
      {"ч", "č"},
      {"џ", "dž"},
      {"ш", "š"},
      // Macedonian
      {"ѓ", "gj"},
      {"ќ", "kj"},
      {"ѕ", "dz"},
      // Russian, Ukrainian, Bulgarian, Belarusian letters that Serbian lacks
      {"ё", "e"},
      {"й", "j"},
      {"ы", "y"},
      {"э", "e"},
      {"ю", "ju"},
      {"я", "ja"},
      {"щ", "šč"},
      {"ъ", ""},
      {"ь", ""},
      {"і", "i"},
      {"ї", "ji"},
      {"є", "je"},
      {"ў", "u"}
    };
    for (String[] p : pairs) {
      CYRILLIC[p[0].charAt(0) - 0x400] = p[1];
    }
  }

  private final CharTermAttribute term = addAttribute(CharTermAttribute.class);
  private final StringBuilder out = new StringBuilder();

  public ScriptFoldingFilter(TokenStream input) {
    super(input);
  }

  @Override
  public boolean incrementToken() throws IOException {
    if (!input.incrementToken()) {
      return false;
    }
    char[] buf = term.buffer();
    int len = term.length();
    int i = 0;
    while (i < len && !needsFolding(buf[i])) {
      i++;
    }
    if (i == len) {
      return true;
    }
    out.setLength(0);
    out.append(buf, 0, i);
    for (; i < len; i++) {
      out.append(fold(buf[i]));
    }
    term.setEmpty().append(out);
    return true;
  }

  private static boolean needsFolding(char c) {
    return (c >= 0x400 && c < 0x460) || c == 'đ' || c == 'Đ';
  }

  /** The Latin spelling of one character, or the character itself. */
  static CharSequence fold(char c) {
    if (c == 'đ' || c == 'Đ') {
      return "dj";
    }
    if (c >= 0x400 && c < 0x460) {
      char lower = Character.toLowerCase(c);
      String s = lower >= 0x400 && lower < 0x460 ? CYRILLIC[lower - 0x400] : null;
      if (s != null) {
        return s;
      }
    }
    return String.valueOf(c);
  }
}
