package herald.events;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.UUID;

/**
 * The pieces of iCalendar (RFC 5545) that every Herald calendar writer shares (the api's feeds and
 * the website's "Add to calendar" file), so that one event looks the same wherever a calendar got
 * it from.
 */
public final class ICalendar {
  private static final DateTimeFormatter UTC =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private ICalendar() {}

  /**
   * The UID of an entry's event: the same for every version, locale, host and channel, so that a
   * calendar that got the event from several places shows it once and updates it in place.
   */
  public static String uid(UUID entryId) {
    return entryId + "@herald";
  }

  /** A UTC DATE-TIME value, {@code 20261201T130000Z} (RFC 5545 §3.3.5, form #2). */
  public static String utc(Instant t) {
    return UTC.format(t);
  }

  /** Escapes a TEXT value: backslash, semicolon, comma and line breaks (RFC 5545 §3.3.11). */
  public static String text(String s) {
    return s.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n");
  }

  /**
   * Appends a content line ended with CRLF, folded so that no physical line is longer than 75
   * octets (continuation lines start with a space), never inside a UTF-8 sequence (RFC 5545 §3.1).
   */
  public static void line(StringBuilder out, String content) {
    int octets = 0;
    for (int i = 0; i < content.length(); ) {
      int cp = content.codePointAt(i);
      int n = utf8Length(cp);
      if (octets + n > 75) {
        out.append("\r\n ");
        octets = 1;
      }
      out.appendCodePoint(cp);
      octets += n;
      i += Character.charCount(cp);
    }
    out.append("\r\n");
  }

  private static int utf8Length(int cp) {
    if (cp < 0x80) {
      return 1;
    }
    if (cp < 0x800) {
      return 2;
    }
    if (cp < 0x10000) {
      // A lone surrogate is written as '?' (one octet) by the UTF-8 encoder.
      return Character.isSurrogate((char) cp) ? 1 : 3;
    }
    return 4;
  }
}
