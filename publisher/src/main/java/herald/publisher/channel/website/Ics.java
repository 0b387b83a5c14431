package herald.publisher.channel.website;

import static herald.events.ICalendar.line;
import static herald.events.ICalendar.text;
import static herald.events.ICalendar.utc;

import herald.events.ICalendar;
import java.time.Instant;
import java.util.UUID;

/** An iCalendar (RFC 5545) file with one event, for the "Add to calendar" download. */
final class Ics {

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
    // The same UID for every version, and a SEQUENCE, so calendars update the event in place; the
    // api's calendar feeds use the same UID, so an event taken from both shows once.
    line(b, "UID:" + ICalendar.uid(entryId));
    line(b, "SEQUENCE:" + version);
    line(b, "DTSTAMP:" + utc(stamp));
    line(b, "DTSTART:" + utc(start));
    if (end != null) {
      line(b, "DTEND:" + utc(end));
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
}
