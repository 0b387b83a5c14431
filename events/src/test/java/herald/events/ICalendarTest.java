package herald.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ICalendarTest {

  private static String line(String content) {
    StringBuilder b = new StringBuilder();
    ICalendar.line(b, content);
    return b.toString();
  }

  /** Undoes folding (RFC 5545 §3.1): a CRLF followed by one space is removed. */
  private static String unfold(String folded) {
    return folded.replace("\r\n ", "");
  }

  private static void assertFoldedAt75(String folded) {
    assertTrue(folded.endsWith("\r\n"), "ends with CRLF");
    String[] lines = folded.substring(0, folded.length() - 2).split("\r\n", -1);
    for (int i = 0; i < lines.length; i++) {
      byte[] utf8 = lines[i].getBytes(StandardCharsets.UTF_8);
      assertTrue(utf8.length <= 75, "line " + i + " has " + utf8.length + " octets: " + lines[i]);
      // A line cut inside a character (here: inside a surrogate pair) would not survive UTF-8.
      assertEquals(lines[i], new String(utf8, StandardCharsets.UTF_8), "line " + i);
      if (i > 0) {
        assertTrue(lines[i].startsWith(" "), "a continuation line starts with a space");
      }
    }
  }

  @Test
  @DisplayName("TEXT escapes backslash, semicolon, comma and every kind of line break")
  void escaping() {
    assertEquals("a\\\\b\\;c\\,d", ICalendar.text("a\\b;c,d"));
    assertEquals("one\\ntwo\\nthree\\nfour", ICalendar.text("one\r\ntwo\nthree\rfour"));
    assertEquals("C:\\\\new", ICalendar.text("C:\\new"), "a backslash is escaped before 'n'");
    assertEquals("Online: Zoom", ICalendar.text("Online: Zoom"), "a colon stays as it is");
  }

  @Test
  @DisplayName("a line of 75 octets stays whole; a longer one folds at 75 octets and unfolds back")
  void foldsAscii() {
    String exact = "SUMMARY:" + "x".repeat(75 - 8);
    assertEquals(exact + "\r\n", line(exact));

    String longer = "DESCRIPTION:" + "abcdefghij".repeat(20);
    String folded = line(longer);
    assertFoldedAt75(folded);
    assertEquals(
        longer.substring(0, 75) + "\r\n " + longer.substring(75, 149) + "\r\n ",
        folded.substring(0, 75 + 3 + 74 + 3));
    assertEquals(longer + "\r\n", unfold(folded));
  }

  @Test
  @DisplayName("folding counts octets and never splits a UTF-8 sequence")
  void foldsMultiByte() {
    // Cyrillic letters are 2 octets, the euro sign 3, an emoji 4 (a surrogate pair in Java).
    String content =
        "SUMMARY:" + "Смањење штете у Нишу ".repeat(6) + "€".repeat(30) + "\uD83D\uDCC5".repeat(20);
    String folded = line(content);
    assertFoldedAt75(folded);
    assertEquals(content + "\r\n", unfold(folded));

    // 2 + 24 x 3 = 74 octets: a 25th euro sign (77) goes to the next line whole.
    String euros = line("X:" + "€".repeat(30));
    assertEquals("X:" + "€".repeat(24) + "\r\n " + "€".repeat(6) + "\r\n", euros);
  }

  @Test
  @DisplayName("UIDs are <entry id>@herald, whatever host serves them; times are UTC DATE-TIMEs")
  void uidAndTime() {
    UUID id = UUID.fromString("9d3c2a41-7e0b-4c55-8f1a-2b6e4d8c0a17");
    assertEquals("9d3c2a41-7e0b-4c55-8f1a-2b6e4d8c0a17@herald", ICalendar.uid(id));
    assertEquals("20251204T133000Z", ICalendar.utc(Instant.parse("2025-12-04T13:30:00.123Z")));
  }
}
