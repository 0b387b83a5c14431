package herald.publisher.channel.social;

import com.ibm.icu.text.BreakIterator;
import java.nio.charset.StandardCharsets;

/**
 * Text measured and cut in grapheme clusters (what a reader sees as one character: an emoji with
 * its modifiers, a letter with its combining marks), as social networks count it.
 */
public final class Graphemes {

  /** What a cut text ends with. */
  public static final String ELLIPSIS = "…";

  private Graphemes() {}

  /** The number of grapheme clusters in the text. */
  public static int count(String text) {
    BreakIterator it = BreakIterator.getCharacterInstance();
    it.setText(text);
    int n = 0;
    while (it.next() != BreakIterator.DONE) {
      n++;
    }
    return n;
  }

  /** The number of bytes the text takes in UTF-8, the unit of Bluesky's facet offsets. */
  public static int utf8Length(CharSequence text) {
    return text.toString().getBytes(StandardCharsets.UTF_8).length;
  }

  /**
   * The text cut to at most {@code max} grapheme clusters, ellipsis included: at the last word
   * boundary that keeps at least half of the room, else at a grapheme boundary; never inside a
   * cluster. A text that fits is returned as it is; {@code max} 0 gives the empty string.
   */
  public static String truncate(String text, int max) {
    if (max <= 0) {
      return "";
    }
    BreakIterator chars = BreakIterator.getCharacterInstance();
    chars.setText(text);
    // Offset after the (max - 1)th cluster, where the kept part ends to leave room for "…".
    int keepEnd = 0;
    for (int n = 1; n <= max; n++) {
      int next = chars.next();
      if (next == BreakIterator.DONE) {
        return text;
      }
      if (n == max - 1) {
        keepEnd = next;
      }
    }
    if (chars.next() == BreakIterator.DONE) {
      return text; // exactly max clusters
    }
    if (max == 1) {
      return ELLIPSIS;
    }
    String head = text.substring(0, keepEnd);
    int cut = lastWordBoundary(head);
    if (cut > 0 && count(head.substring(0, cut)) >= (max - 1) / 2) {
      head = head.substring(0, cut);
    }
    return stripTrailing(head) + ELLIPSIS;
  }

  /** Offset of the last whitespace that ends a word in the text, or -1. */
  private static int lastWordBoundary(String head) {
    for (int i = head.length() - 1; i > 0; i--) {
      if (Character.isWhitespace(head.charAt(i)) && !Character.isWhitespace(head.charAt(i - 1))) {
        return i;
      }
    }
    return -1;
  }

  /** Trailing spaces and the punctuation that reads badly before an ellipsis. */
  private static String stripTrailing(String s) {
    int end = s.length();
    while (end > 0) {
      char c = s.charAt(end - 1);
      if (Character.isWhitespace(c) || ",;:–—-(".indexOf(c) >= 0) {
        end--;
      } else {
        break;
      }
    }
    return s.substring(0, end);
  }
}
