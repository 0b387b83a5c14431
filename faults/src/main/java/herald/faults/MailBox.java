package herald.faults;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the local SMTP server kept ({@code .eml} files), read as a recipient's mail store would:
 * each message's recipient, {@code Message-ID} and the entries it links to.
 */
public final class MailBox {
  /** One message as received. */
  public record Message(String file, String to, String messageId, Set<String> slugs, String text) {}

  private static final Pattern SLUG = Pattern.compile("/" + EditorLoad.TYPE + "/([a-z0-9-]+)/");
  private static final Pattern BASE64_PART =
      Pattern.compile(
          "Content-Transfer-Encoding: base64\r\n(?:[^\r\n]+\r\n)*\r\n([A-Za-z0-9+/=\r\n]+)",
          Pattern.CASE_INSENSITIVE);

  private final Map<Path, Message> read = new ConcurrentHashMap<>();

  /** Every message kept so far, in order of arrival. */
  public List<Message> messages(List<Path> files) throws IOException {
    List<Message> out = new ArrayList<>();
    for (Path f : files) {
      Message m = read.get(f);
      if (m == null) {
        m = parse(f);
        read.put(f, m);
      }
      out.add(m);
    }
    return out;
  }

  private static Message parse(Path file) throws IOException {
    String raw = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
    int end = raw.indexOf("\r\n\r\n");
    String headers = end < 0 ? raw : raw.substring(0, end);
    String to = header(headers, "To");
    String id = header(headers, "Message-ID");
    // Quoted-printable soft breaks and the encoded '=' are all that stands between a link and a
    // plain reading of it; base64 parts are decoded.
    StringBuilder text =
        new StringBuilder(raw.replace("=\r\n", "").replace("=3D", "=").replace("=3d", "="));
    Matcher b64 = BASE64_PART.matcher(raw);
    while (b64.find()) {
      try {
        text.append('\n')
            .append(
                new String(
                    Base64.getMimeDecoder().decode(b64.group(1).strip()), StandardCharsets.UTF_8));
      } catch (IllegalArgumentException notBase64) {
        // Not a whole base64 body: the plain reading above has to do.
      }
    }
    Set<String> slugs = new HashSet<>();
    Matcher m = SLUG.matcher(text);
    while (m.find()) {
      slugs.add(m.group(1));
    }
    return new Message(
        file.getFileName().toString(), address(to), bare(id), slugs, text.toString());
  }

  private static String header(String headers, String name) {
    // Unfolded: a header's continuation lines start with white space.
    String unfolded = headers.replaceAll("\r\n[ \t]+", " ");
    for (String line : unfolded.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
        return line.substring(colon + 1).trim();
      }
    }
    return "";
  }

  /** {@code <a@b>} or {@code Name <a@b>} → {@code a@b}, lower case. */
  public static String address(String header) {
    int lt = header.lastIndexOf('<');
    int gt = header.lastIndexOf('>');
    String a = lt >= 0 && gt > lt ? header.substring(lt + 1, gt) : header;
    return a.strip().toLowerCase(Locale.ROOT);
  }

  /** A Message-ID without its angle brackets. */
  public static String bare(String id) {
    String s = id.strip();
    if (s.startsWith("<") && s.endsWith(">")) {
      s = s.substring(1, s.length() - 1);
    }
    return s;
  }
}
