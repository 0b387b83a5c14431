package herald.publisher.channel.website;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.UUID;

/** An iCalendar (RFC 5545) file with one event, for the "Add to calendar" download. */
final class Ics {

  private static final DateTimeFormatter UTC =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private Ics() {}

  /**
   * The calendar text, with CRLF line ends and long lines folded as the RFC asks.
   *
   * @param end may be null
   */
  static String event(
      UUID entryId,
      long version,
      Instant stamp,
      Instant start,
      Instant end,
      String summary,
      String description,
      String location,
      String url) {
    StringBuilder b = new StringBuilder(512);
    line(b, "BEGIN:VCALENDAR");
    line(b, "VERSION:2.0");
    line(b, "PRODID:-//Herald//Website//EN");
    line(b, "CALSCALE:GREGORIAN");
    line(b, "METHOD:PUBLISH");
    line(b, "BEGIN:VEVENT");
    // The same UID for every version, and a SEQUENCE, so calendars update the event in place.
    line(b, "UID:" + entryId + "@herald");
    line(b, "SEQUENCE:" + version);
    line(b, "DTSTAMP:" + UTC.format(stamp));
    line(b, "DTSTART:" + UTC.format(start));
    if (end != null) {
      line(b, "DTEND:" + UTC.format(end));
    }
    line(b, "SUMMARY:" + text(summary));
    if (description != null) {
      line(b, "DESCRIPTION:" + text(description));
    }
    if (location != null) {
      line(b, "LOCATION:" + text(location));
    }
    if (url != null) {
      line(b, "URL:" + url);
    }
    line(b, "END:VEVENT");
    line(b, "END:VCALENDAR");
    return b.toString();
  }

  /** Escapes a TEXT value: backslash, semicolon, comma and line breaks. */
  static String text(String s) {
    return s.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n");
  }

  /**
   * Appends a content line folded at 75 octets (continuation lines start with a space), never in
   * the middle of a UTF-8 sequence.
   */
  private static void line(StringBuilder b, String content) {
    int octets = 0;
    int limit = 75;
    for (int i = 0; i < content.length(); ) {
      int cp = content.codePointAt(i);
      int n = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
      if (octets + n > limit) {
        b.append("\r\n ");
        octets = 1;
        limit = 75;
      }
      b.appendCodePoint(cp);
      octets += n;
      i += Character.charCount(cp);
    }
    b.append("\r\n");
  }
}
