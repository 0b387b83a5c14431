package herald.api.feeds;

import static herald.events.ICalendar.line;
import static herald.events.ICalendar.text;
import static herald.events.ICalendar.utc;

import herald.events.ICalendar;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Writes events as iCalendar (RFC 5545): one VEVENT per event entry (fields {@code startsAt},
 * {@code endsAt}, {@code timeZone}, {@code title}, {@code summary}, {@code registrationUrl}, {@code
 * venue}), times in the event's own time zone with its VTIMEZONE (from ical4j's bundled zone
 * definitions), lines folded at 75 octets and ended with CRLF ({@link ICalendar}, shared with the
 * website's "Add to calendar" file, whose UIDs these match).
 */
public final class ICalendarWriter {
  private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss");
  private static final ConcurrentHashMap<String, String> ZONES = new ConcurrentHashMap<>();

  public String write(String name, List<FeedItem> events) {
    StringBuilder out = new StringBuilder();
    line(out, "BEGIN:VCALENDAR");
    line(out, "VERSION:2.0");
    line(out, "PRODID:-//Herald//Herald partner feeds//EN");
    line(out, "CALSCALE:GREGORIAN");
    line(out, "METHOD:PUBLISH");
    line(out, "X-WR-CALNAME:" + text(name));
    Set<String> zones = new LinkedHashSet<>();
    StringBuilder body = new StringBuilder();
    for (FeedItem e : events) {
      event(body, e, zones);
    }
    for (String z : zones) {
      String vtz = vtimezone(z);
      if (vtz != null) {
        out.append(vtz);
      }
    }
    out.append(body);
    line(out, "END:VCALENDAR");
    return out.toString();
  }

  private void event(StringBuilder out, FeedItem e, Set<String> zones) {
    JsonObject f = e.fields();
    OffsetDateTime start = time(f.getString("startsAt"));
    if (start == null) {
      return;
    }
    OffsetDateTime end = time(f.getString("endsAt"));
    ZoneId zone = zone(f.getString("timeZone"));
    line(out, "BEGIN:VEVENT");
    line(out, "UID:" + ICalendar.uid(e.id()));
    line(out, "DTSTAMP:" + utc(e.updated()));
    line(out, "CREATED:" + utc(e.published()));
    line(out, "LAST-MODIFIED:" + utc(e.updated()));
    line(out, "SEQUENCE:" + e.version());
    line(out, "DTSTART" + when(start, zone, zones));
    if (end != null && !end.isBefore(start)) {
      line(out, "DTEND" + when(end, zone, zones));
    }
    line(out, "SUMMARY:" + text(e.title()));
    StringBuilder desc = new StringBuilder();
    if (e.summary() != null) {
      desc.append(e.summary());
    }
    String reg = f.getString("registrationUrl");
    if (reg != null) {
      if (desc.length() > 0) {
        desc.append("\n\n");
      }
      desc.append("Registration: ").append(reg);
    }
    if (desc.length() > 0) {
      line(out, "DESCRIPTION:" + text(desc.toString()));
    }
    line(out, "URL:" + (reg != null ? reg : e.link()));
    if (f.getValue("venue") instanceof JsonObject venue) {
      if (venue.getString("name") != null) {
        line(out, "LOCATION:" + text(venue.getString("name")));
      }
      if (venue.getValue("lat") instanceof Number lat
          && venue.getValue("lon") instanceof Number lon) {
        line(out, "GEO:" + lat + ";" + lon);
      }
    }
    if (!e.tags().isEmpty()) {
      line(out, "CATEGORIES:" + String.join(",", e.tags().stream().map(ICalendar::text).toList()));
    }
    line(out, "STATUS:CONFIRMED");
    line(out, "END:VEVENT");
  }

  /** {@code ;TZID=Europe/Belgrade:20261201T140000}, or {@code :20261201T130000Z} without a zone. */
  private static String when(OffsetDateTime t, ZoneId zone, Set<String> zones) {
    if (zone == null || vtimezone(zone.getId()) == null) {
      return ":" + utc(t.toInstant());
    }
    zones.add(zone.getId());
    return ";TZID=" + zone.getId() + ":" + LOCAL.format(t.atZoneSameInstant(zone));
  }

  private static OffsetDateTime time(String s) {
    try {
      return s == null ? null : OffsetDateTime.parse(s);
    } catch (DateTimeException e) {
      return null;
    }
  }

  private static ZoneId zone(String s) {
    try {
      return s == null || s.isBlank() ? null : ZoneId.of(s.trim());
    } catch (DateTimeException e) {
      return null;
    }
  }

  /** The VTIMEZONE of an Olson zone, from ical4j's bundled definitions, or null if unknown. */
  static String vtimezone(String id) {
    if (!id.matches("[A-Za-z0-9_+\\-]+(/[A-Za-z0-9_+\\-]+)*")) {
      return null;
    }
    String v =
        ZONES.computeIfAbsent(
            id,
            k -> {
              try (InputStream in =
                  ICalendarWriter.class.getResourceAsStream("/zoneinfo/" + k + ".ics")) {
                if (in == null) {
                  return "";
                }
                String ics = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                int from = ics.indexOf("BEGIN:VTIMEZONE");
                int to = ics.indexOf("END:VTIMEZONE");
                if (from < 0 || to < 0) {
                  return "";
                }
                String block = ics.substring(from, to + "END:VTIMEZONE".length());
                StringBuilder out = new StringBuilder();
                for (String l : block.split("\r?\n")) {
                  // The bundled files carry a tzurl.org TZURL; calendars need no pointer to it.
                  if (!l.isEmpty() && !l.startsWith("TZURL")) {
                    out.append(l).append("\r\n");
                  }
                }
                return out.toString();
              } catch (IOException e) {
                return "";
              }
            });
    return v.isEmpty() ? null : v;
  }
}
