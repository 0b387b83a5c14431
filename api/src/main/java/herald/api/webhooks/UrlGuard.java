package herald.api.webhooks;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Server-side request forgery protection for webhook URLs: only http(s) on allowed ports, and only
 * to public addresses. The host is resolved once; the caller connects to the address returned, so a
 * DNS answer that changes between the check and the connection (rebinding) cannot redirect it.
 *
 * <p>Refused: loopback, unspecified, private (RFC 1918, fc00::/7), link-local (169.254/16,
 * fe80::/10), CGNAT (100.64/10), multicast, broadcast and reserved ranges, cloud metadata
 * (169.254.169.254, fd00:ec2::254), and IPv6 forms that embed an IPv4 address (IPv4-mapped,
 * IPv4-compatible, NAT64, 6to4) when the embedded address is refused. An explicit allow-list (CIDRs
 * or host names) lets local development and tests reach their own receivers.
 */
public final class UrlGuard {

  /** Resolves a host name to its addresses (the JDK resolver, or a test's). */
  public interface Resolver {
    InetAddress[] resolve(String host) throws UnknownHostException;
  }

  /** A refused URL, with the reason to show. */
  public static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;

    Refused(String reason) {
      super(reason, null, false, false);
    }
  }

  /** A checked destination: connect to {@code address}, send {@code host} as Host and SNI. */
  public record Target(URI uri, String host, int port, boolean tls, InetAddress address) {
    /** Path and query, as sent on the request line. */
    public String requestUri() {
      String p = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
      return uri.getRawQuery() == null ? p : p + "?" + uri.getRawQuery();
    }
  }

  private record Cidr(byte[] net, int bits) {
    boolean contains(InetAddress a) {
      byte[] b = a.getAddress();
      if (b.length != net.length) {
        return false;
      }
      int full = bits / 8;
      for (int i = 0; i < full; i++) {
        if (b[i] != net[i]) {
          return false;
        }
      }
      int rest = bits % 8;
      if (rest == 0) {
        return true;
      }
      int mask = 0xff << (8 - rest) & 0xff;
      return (b[full] & mask) == (net[full] & mask);
    }
  }

  private final Resolver resolver;
  private final List<Cidr> allowedNets = new ArrayList<>();
  private final List<String> allowedHosts = new ArrayList<>();
  private final boolean[] ports = new boolean[65536];

  /**
   * @param allow CIDRs ({@code 127.0.0.1/32}, {@code ::1/128}), addresses or host names that may be
   *     reached even though they are not public
   * @param ports allowed ports and ranges, such as {@code 80,443,8000-8999}
   */
  public UrlGuard(List<String> allow, String ports, Resolver resolver) {
    this.resolver = resolver;
    for (String a : allow) {
      String s = a.trim().toLowerCase(Locale.ROOT);
      if (s.isEmpty()) {
        continue;
      }
      Cidr c = cidr(s);
      if (c != null) {
        allowedNets.add(c);
      } else {
        allowedHosts.add(s);
      }
    }
    for (String p : ports.split(",")) {
      String s = p.trim();
      if (s.isEmpty()) {
        continue;
      }
      int dash = s.indexOf('-');
      int lo = Integer.parseInt(dash < 0 ? s : s.substring(0, dash).trim());
      int hi = dash < 0 ? lo : Integer.parseInt(s.substring(dash + 1).trim());
      for (int i = Math.max(1, lo); i <= Math.min(65535, hi); i++) {
        this.ports[i] = true;
      }
    }
  }

  /** A host made of numbers only: an IPv4 address in some form. */
  private static final java.util.regex.Pattern NUMERIC_HOST =
      java.util.regex.Pattern.compile("(?i)(0x[0-9a-f]*|[0-9]+)(\\.(0x[0-9a-f]*|[0-9]+))*\\.?");

  /** The one numeric form taken: four decimal numbers 0-255 without leading zeros. */
  private static final java.util.regex.Pattern DOTTED_QUAD =
      java.util.regex.Pattern.compile(
          "((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}"
              + "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])");

  /** Checks the URL's form only (no resolution): scheme, host, port, no credentials. */
  public URI checkForm(String url) throws Refused {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new Refused("not a valid URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new Refused("only http and https URLs are allowed");
    }
    if (uri.getRawUserInfo() != null) {
      throw new Refused("credentials in the URL are not allowed");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw new Refused("the URL has no host");
    }
    if (uri.getRawFragment() != null) {
      throw new Refused("the URL may not have a fragment");
    }
    if (NUMERIC_HOST.matcher(uri.getHost()).matches()
        && !DOTTED_QUAD.matcher(uri.getHost()).matches()) {
      // 0177.0.0.1, 0x7f.1, 2130706433, 127.1: parsers disagree on what these are (C's
      // inet_aton reads 127.0.0.1 in all of them), so none is taken.
      throw new Refused(
          "the host "
              + uri.getHost()
              + " is a numeric address in a form other than a.b.c.d (octal, hex, decimal or"
              + " short): write it as four decimal numbers");
    }
    int port = port(uri);
    if (!ports[port]) {
      throw new Refused("port " + port + " is not allowed (HERALD_WEBHOOK_PORTS)");
    }
    return uri;
  }

  /**
   * Checks the URL and resolves its host once. Blocking (DNS): call it off the event loop.
   *
   * @throws Refused with the reason, when the URL or any of its addresses is not allowed
   */
  public Target check(String url) throws Refused {
    URI uri = checkForm(url);
    String host = uri.getHost();
    String bare =
        host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    InetAddress[] addresses;
    try {
      addresses = resolver.resolve(bare);
    } catch (UnknownHostException e) {
      throw new Refused("the host " + bare + " does not resolve");
    }
    if (addresses == null || addresses.length == 0) {
      throw new Refused("the host " + bare + " does not resolve");
    }
    boolean hostAllowed = allowedHosts.contains(bare.toLowerCase(Locale.ROOT));
    // Every address must pass: a name with one public and one private address is refused, since
    // any of them might be the one connected to.
    for (InetAddress a : addresses) {
      if (hostAllowed || allowedNets.stream().anyMatch(c -> c.contains(a))) {
        continue;
      }
      String why = refusal(a);
      if (why != null) {
        throw new Refused(bare + " resolves to " + a.getHostAddress() + ", " + why);
      }
    }
    return new Target(
        uri, bare, port(uri), uri.getScheme().equalsIgnoreCase("https"), addresses[0]);
  }

  private static int port(URI uri) {
    if (uri.getPort() > 0) {
      return uri.getPort();
    }
    return uri.getScheme().equalsIgnoreCase("https") ? 443 : 80;
  }

  /** Why an address may not be reached, or null when it is a public unicast address. */
  static String refusal(InetAddress a) {
    byte[] b = a.getAddress();
    if (a instanceof Inet4Address) {
      return refusal4(b);
    }
    if (a instanceof Inet6Address) {
      // IPv4-mapped (::ffff:a.b.c.d): the JDK usually turns these into Inet4Address, but not
      // always.
      if (isZero(b, 0, 10) && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
        String why = refusal4(tail4(b, 12));
        return why == null ? null : "an IPv4-mapped IPv6 address (" + why + ")";
      }
      if (isZero(b, 0, 12)) {
        if (isZero(b, 12, 15) && (b[15] == 0 || b[15] == 1)) {
          return b[15] == 1 ? "a loopback address" : "the unspecified address";
        }
        return "an IPv4-compatible IPv6 address (deprecated form)";
      }
      int first = b[0] & 0xff;
      int second = b[1] & 0xff;
      if (first == 0xfd
          && second == 0x00
          && (b[2] & 0xff) == 0x0e
          && (b[3] & 0xff) == 0xc2
          && isZero(b, 4, 14)
          && (b[14] & 0xff) == 0x02
          && (b[15] & 0xff) == 0x54) {
        return "a cloud metadata address";
      }
      if ((first & 0xfe) == 0xfc) {
        return "a private (unique local) address";
      }
      if (first == 0xfe && (second & 0xc0) == 0x80) {
        return "a link-local address";
      }
      if (first == 0xfe && (second & 0xc0) == 0xc0) {
        return "a site-local address";
      }
      if (first == 0xff) {
        return "a multicast address";
      }
      // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address that may be refused.
      if (first == 0x00 && second == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b) {
        String why = refusal4(tail4(b, 12));
        return why == null ? null : "a NAT64 address (" + why + ")";
      }
      if (first == 0x20 && second == 0x02) {
        String why = refusal4(tail4(b, 2));
        return why == null ? null : "a 6to4 address (" + why + ")";
      }
      if (first == 0x20 && second == 0x01 && (b[2] & 0xff) == 0x0d && (b[3] & 0xff) == 0xb8) {
        return "a documentation address";
      }
      return null;
    }
    return "an unknown kind of address";
  }

  private static String refusal4(byte[] b) {
    int a0 = b[0] & 0xff;
    int a1 = b[1] & 0xff;
    int a2 = b[2] & 0xff;
    int a3 = b[3] & 0xff;
    if (a0 == 169 && a1 == 254 && a2 == 169 && a3 == 254) {
      return "a cloud metadata address";
    }
    if (a0 == 127) {
      return "a loopback address";
    }
    if (a0 == 0) {
      return "the unspecified address";
    }
    if (a0 == 10 || a0 == 172 && (a1 & 0xf0) == 16 || a0 == 192 && a1 == 168) {
      return "a private address";
    }
    if (a0 == 169 && a1 == 254) {
      return "a link-local address";
    }
    if (a0 == 100 && (a1 & 0xc0) == 64) {
      return "a CGNAT (shared address space) address";
    }
    if (a0 >= 224 && a0 <= 239) {
      return "a multicast address";
    }
    if (a0 >= 240) {
      return "a reserved or broadcast address";
    }
    if (a0 == 192 && a1 == 0 && a2 == 0 || a0 == 198 && (a1 & 0xfe) == 18) {
      return "a reserved address";
    }
    if (a0 == 192 && a1 == 0 && a2 == 2
        || a0 == 198 && a1 == 51 && a2 == 100
        || a0 == 203 && a1 == 0 && a2 == 113) {
      return "a documentation address";
    }
    return null;
  }

  private static byte[] tail4(byte[] b, int from) {
    return new byte[] {b[from], b[from + 1], b[from + 2], b[from + 3]};
  }

  private static boolean isZero(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }

  private static Cidr cidr(String s) {
    int slash = s.indexOf('/');
    String addr = slash < 0 ? s : s.substring(0, slash);
    if (!looksNumeric(addr)) {
      return null;
    }
    try {
      // A literal is parsed without a DNS query.
      byte[] net = InetAddress.getByName(addr).getAddress();
      int bits = slash < 0 ? net.length * 8 : Integer.parseInt(s.substring(slash + 1));
      return new Cidr(net, bits);
    } catch (UnknownHostException | NumberFormatException e) {
      throw new IllegalArgumentException("HERALD_WEBHOOK_ALLOW: not a CIDR: " + s, e);
    }
  }

  private static boolean looksNumeric(String s) {
    return s.contains(":") || s.matches("[0-9.]+");
  }
}
