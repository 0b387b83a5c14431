package herald.publisher.channel.newsletter;

import java.net.IDN;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Syntax check of a subscriber's address: a dot-atom local part (RFC 5322, no quoted strings or
 * comments) and a domain name with at least two labels; international domains as IDNA.
 */
final class EmailAddresses {

  private static final Pattern LOCAL =
      Pattern.compile("[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*");
  private static final Pattern LABEL =
      Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");

  private EmailAddresses() {}

  /** The address, trimmed and with its domain in lower-case ASCII, when it is valid. */
  static Optional<String> normalise(String address) {
    if (address == null) {
      return Optional.empty();
    }
    String a = address.strip();
    int at = a.lastIndexOf('@');
    if (a.length() > 254 || at < 1 || at != a.indexOf('@') || at == a.length() - 1) {
      return Optional.empty();
    }
    String local = a.substring(0, at);
    String domain;
    try {
      domain =
          IDN.toASCII(a.substring(at + 1), IDN.USE_STD3_ASCII_RULES)
              .toLowerCase(java.util.Locale.ROOT);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    if (local.length() > 64 || !LOCAL.matcher(local).matches()) {
      return Optional.empty();
    }
    String[] labels = domain.split("\\.", -1);
    if (labels.length < 2 || domain.length() > 253) {
      return Optional.empty();
    }
    for (String l : labels) {
      if (!LABEL.matcher(l).matches()) {
        return Optional.empty();
      }
    }
    // A top-level domain is never all digits: "1.2.3.4" is not a mail domain.
    if (labels[labels.length - 1].chars().allMatch(Character::isDigit)) {
      return Optional.empty();
    }
    return Optional.of(local + "@" + domain);
  }
}
