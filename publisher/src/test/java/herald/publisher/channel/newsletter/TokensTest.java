package herald.publisher.channel.newsletter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import herald.publisher.channel.newsletter.Tokens.Purpose;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Signed subscriber links and address checks")
class TokensTest {

  static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);
  static final Instant NOW = Instant.parse("2026-01-27T09:00:00Z");
  final UUID id = UUID.randomUUID();
  final Tokens tokens = new Tokens(KEY, Clock.fixed(NOW, ZoneOffset.UTC));

  @Test
  @DisplayName("a confirmation token is valid until it expires, and only for confirming")
  void confirmToken() {
    String t = tokens.confirm(id, NOW.plus(Duration.ofHours(48)));
    assertEquals(Optional.of(id), tokens.verify(t, Purpose.CONFIRM));
    assertEquals(Optional.empty(), tokens.verify(t, Purpose.UNSUBSCRIBE));
    Tokens later = new Tokens(KEY, Clock.fixed(NOW.plus(Duration.ofHours(49)), ZoneOffset.UTC));
    assertEquals(Optional.empty(), later.verify(t, Purpose.CONFIRM));
  }

  @Test
  @DisplayName("an unsubscribe token never expires; a changed byte or another key breaks it")
  void unsubscribeToken() {
    String t = tokens.unsubscribe(id);
    Tokens years = new Tokens(KEY, Clock.fixed(NOW.plus(Duration.ofDays(3650)), ZoneOffset.UTC));
    assertEquals(Optional.of(id), years.verify(t, Purpose.UNSUBSCRIBE));
    char c = t.charAt(5);
    String tampered = t.substring(0, 5) + (c == 'A' ? 'B' : 'A') + t.substring(6);
    assertEquals(Optional.empty(), tokens.verify(tampered, Purpose.UNSUBSCRIBE));
    Tokens other =
        new Tokens(
            "another key, another key, 123456".getBytes(StandardCharsets.UTF_8), Clock.systemUTC());
    assertEquals(Optional.empty(), other.verify(t, Purpose.UNSUBSCRIBE));
    assertEquals(Optional.empty(), tokens.verify("garbage", Purpose.UNSUBSCRIBE));
    assertEquals(Optional.empty(), tokens.verify("a.b", Purpose.UNSUBSCRIBE));
    assertEquals(Optional.empty(), tokens.verify(null, Purpose.UNSUBSCRIBE));
  }

  @Test
  @DisplayName("addresses are checked: dot-atoms and real-looking domains, IDN domains as ASCII")
  void addresses() {
    assertEquals(
        Optional.of("ana.p+news@example.org"),
        EmailAddresses.normalise("  ana.p+news@Example.ORG "));
    assertEquals(Optional.of("milos@xn--ni-mta.rs"), EmailAddresses.normalise("milos@niš.rs"));
    for (String bad :
        new String[] {
          "",
          "plain",
          "@example.org",
          "a@",
          "a@b",
          "a@@b.org",
          "a b@example.org",
          "a..b@example.org",
          ".a@example.org",
          "a@-example.org",
          "a@example..org",
          "a@1.2.3.4",
          "<a@b.org>",
          "a@b.org\r\nBcc: x@y.org",
          "x".repeat(65) + "@example.org"
        }) {
      assertTrue(EmailAddresses.normalise(bad).isEmpty(), bad);
    }
  }
}
