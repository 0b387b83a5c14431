package herald.api.studio;

import java.util.Map;

/**
 * Serbian Cyrillic ↔ Latin, letter for letter as the two official alphabets map (љ ↔ lj, њ ↔ nj, џ
 * ↔ dž, ђ ↔ đ, ћ ↔ ć …), keeping capitals (Љубљана ↔ Ljubljana, ЊЕГОШ ↔ NJEGOŠ). Other text is kept
 * as it is. Latin digraphs are read as one letter, which is right for all but a handful of words
 * (such as "konjugacija").
 */
public final class Transliteration {
  private static final String CYR = "абвгдђежзијклљмнњопрстћуфхцчџш";
  private static final String[] LAT = {
    "a", "b", "v", "g", "d", "đ", "e", "ž", "z", "i", "j", "k", "l", "lj", "m", "n", "nj", "o", "p",
    "r", "s", "t", "ć", "u", "f", "h", "c", "č", "dž", "š"
  };
  private static final Map<String, Character> DIGRAPHS = Map.of("lj", 'љ', "nj", 'њ', "dž", 'џ');

  private Transliteration() {}

  /** Serbian Cyrillic to Latin. */
  public static String toLatin(String s) {
    StringBuilder out = new StringBuilder(s.length() + 8);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      char lower = Character.toLowerCase(c);
      int k = CYR.indexOf(lower);
      if (k < 0) {
        out.append(c);
        continue;
      }
      String lat = LAT[k];
      if (c == lower) {
        out.append(lat);
      } else if (lat.length() == 1) {
        out.append(lat.toUpperCase());
      } else {
        // A capital digraph is all capitals inside an all-capital word (ЉУБА → LJUBA), else Lj.
        boolean word =
            (i + 1 < s.length() && Character.isUpperCase(s.charAt(i + 1)))
                || (i > 0 && Character.isUpperCase(s.charAt(i - 1)));
        out.append(
            word ? lat.toUpperCase() : Character.toUpperCase(lat.charAt(0)) + lat.substring(1));
      }
    }
    return out.toString();
  }

  /** Serbian Latin to Cyrillic. */
  public static String toCyrillic(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (i + 1 < s.length()) {
        String pair = s.substring(i, i + 2).toLowerCase();
        Character d = DIGRAPHS.get(pair);
        if (d != null) {
          out.append(Character.isUpperCase(c) ? Character.toUpperCase(d) : d);
          i++;
          continue;
        }
      }
      char lower = Character.toLowerCase(c);
      int k = -1;
      for (int j = 0; j < LAT.length; j++) {
        if (LAT[j].length() == 1 && LAT[j].charAt(0) == lower) {
          k = j;
          break;
        }
      }
      if (k < 0) {
        out.append(c);
      } else {
        char cyr = CYR.charAt(k);
        out.append(c == lower ? cyr : Character.toUpperCase(cyr));
      }
    }
    return out.toString();
  }
}
