package herald.deploy.studio;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/** The all-in-one's local SMTP sink, read as files: the mail a person would open. */
final class Mailbox {
  private final Path dir;

  Mailbox(Path dir) {
    this.dir = dir;
  }

  /** Waits for a mail to {@code to} whose decoded text matches {@code pattern}; its group 1. */
  String await(String to, Pattern pattern) {
    AtomicReference<String> found = new AtomicReference<>();
    try {
      poll(to, pattern, found);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(
          "no mail to " + to + " matching " + pattern + " in " + dir + ": " + messages(), e);
    }
    return found.get();
  }

  private void poll(String to, Pattern pattern, AtomicReference<String> found) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              for (String text : messages()) {
                if (text.contains(to)) {
                  Matcher m = pattern.matcher(text);
                  if (m.find()) {
                    found.set(m.group(1));
                    return true;
                  }
                }
              }
              return false;
            });
  }

  /** The decoded text of every message, newest first. */
  List<String> messages() {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .filter(p -> p.toString().endsWith(".eml"))
          .sorted((a, b) -> b.getFileName().compareTo(a.getFileName()))
          .map(Mailbox::read)
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String read(Path p) {
    try {
      String raw = Files.readString(p, StandardCharsets.ISO_8859_1);
      // NOTE: only a quoted-printable part is decoded: in 7-bit text "token=4C…" is no escape.
      return raw.toLowerCase(java.util.Locale.ROOT)
              .contains("content-transfer-encoding: quoted-printable")
          ? decodeQuotedPrintable(raw)
          : raw;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Undoes quoted-printable soft breaks and escapes (RFC 2045), enough to read links. */
  static String decodeQuotedPrintable(String raw) {
    String s = raw.replace("=\r\n", "").replace("=\n", "");
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '=' && i + 2 < s.length() && isHex(s.charAt(i + 1)) && isHex(s.charAt(i + 2))) {
        out.append((char) Integer.parseInt(s.substring(i + 1, i + 3), 16));
        i += 2;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static boolean isHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
  }
}
