package herald.api.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UrlGuardTest {
  static final Map<String, String> DNS =
      Map.of(
          "public.test", "93.184.216.34", "receiver.test", "127.0.0.1", "mixed.test", "10.1.2.3");

  static InetAddress[] resolve(String host) throws java.net.UnknownHostException {
    String ip = DNS.get(host);
    return ip == null
        ? InetAddress.getAllByName(host)
        : new InetAddress[] {InetAddress.getByName(ip)};
  }

  final UrlGuard guard =
      new UrlGuard(
          List.of("receiver.test", "192.0.2.0/24"), "80,443,8000-8999", UrlGuardTest::resolve);

  /** Every address form the issue lists, as a URL host. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "127.0.0.1",
        "127.1.2.3",
        "localhost",
        "[::1]",
        "0.0.0.0",
        "[::]",
        "10.0.0.1",
        "172.16.5.4",
        "172.31.255.255",
        "192.168.1.1",
        "[fd12:3456::1]",
        "[fc00::1]",
        "169.254.10.10",
        "[fe80::1]",
        "100.64.0.1",
        "100.127.255.254",
        "224.0.0.1",
        "239.255.255.250",
        "[ff02::1]",
        "255.255.255.255",
        "169.254.169.254",
        "[fd00:ec2::254]",
        "[::ffff:127.0.0.1]",
        "[::ffff:10.0.0.1]",
        "[::ffff:169.254.169.254]",
        "[::ffff:7f00:1]",
        "[::127.0.0.1]",
        "[::10.0.0.1]",
        "[64:ff9b::7f00:1]",
        "[2002:7f00:1::]",
        "mixed.test"
      })
  @DisplayName("non-public addresses are refused")
  void refusesNonPublic(String host) {
    UrlGuard.Refused e =
        assertThrows(UrlGuard.Refused.class, () -> guard.check("http://" + host + "/hook"));
    assertTrue(e.getMessage().contains("resolves to"), e.getMessage());
  }

  @Test
  @DisplayName("the metadata addresses are named as such")
  void metadata() {
    for (String h : List.of("169.254.169.254", "[fd00:ec2::254]")) {
      UrlGuard.Refused e =
          assertThrows(UrlGuard.Refused.class, () -> guard.check("http://" + h + "/"));
      assertTrue(e.getMessage().contains("metadata"), e.getMessage());
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "ftp://public.test/x", "file:///etc/passwd", "gopher://public.test/",
            "http://public.test:22/",
        "https://public.test:6379/", "http://user:pw@public.test/", "http:///nohost", "not a url",
        "http://public.test/#frag", "http://nonexistent.invalid/"
      })
  @DisplayName("other schemes, ports, credentials and unresolvable hosts are refused")
  void refusesForms(String url) {
    assertThrows(UrlGuard.Refused.class, () -> guard.check(url));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "0177.0.0.1",
        "0x7f.0.0.1",
        "0x7f000001",
        "2130706433",
        "127.1",
        "017700000001",
        "93.184.216.034",
        "1.2.3.4.",
        "0X5D.184.216.34"
      })
  @DisplayName("numeric hosts in octal, hex, decimal or short form are refused, public or not")
  void refusesAmbiguousNumbers(String host) {
    UrlGuard.Refused e =
        assertThrows(UrlGuard.Refused.class, () -> guard.check("http://" + host + "/hook"));
    // java.net.URI itself finds no host in some of these forms; the rest are refused by name.
    assertTrue(
        e.getMessage().contains("four decimal numbers") || e.getMessage().contains("no host"),
        e.getMessage());
  }

  @Test
  @DisplayName("public addresses and allow-listed hosts and networks pass, with the address to use")
  void allows() throws Exception {
    UrlGuard.Target t = guard.check("https://public.test/hooks?a=1");
    assertEquals("93.184.216.34", t.address().getHostAddress());
    assertEquals(443, t.port());
    assertEquals("/hooks?a=1", t.requestUri());
    assertEquals("127.0.0.1", guard.check("http://receiver.test:8080/").address().getHostAddress());
    assertEquals("192.0.2.7", guard.check("http://192.0.2.7:8443/").address().getHostAddress());
    assertEquals(
        "2606:4700:4700:0:0:0:0:1111",
        guard.check("http://[2606:4700:4700::1111]/").address().getHostAddress());
  }
}
