package dev.offload.webhooks;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The SSRF guard: which URLs are taken, and which addresses a webhook may reach. */
class TargetPolicyTest {
  private static final TargetPolicy STRICT = new TargetPolicy(false, List.of());
  private static final TargetPolicy WITH_HTTP = new TargetPolicy(true, List.of());

  /** An address literal, parsed without DNS. */
  private static InetAddress ip(String literal) throws Exception {
    return InetAddress.getByName(literal);
  }

  // ---- URLs

  @ParameterizedTest
  @ValueSource(strings = {
    "https://hooks.example.com/offload",
    "https://hooks.example.com",
    "HTTPS://Hooks.Example.COM:8443/a/b?c=d&e=%20f",
    "https://203.0.113.7/hook",
    "https://[2001:db8::1]:8443/hook",
  })
  void goodUrlsAreAccepted(String url) {
    assertThat(STRICT.problemWithUrl(url)).isNull();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "''                                      | the URL is empty",
    "'   '                                   | the URL is empty",
    "/relative/path                          | the URL is not absolute",
    "hooks.example.com/offload               | the URL is not absolute",
    "https:opaque                            | the URL is not absolute",
    "http://hooks.example.com/               | the URL's scheme must be https",
    "ftp://hooks.example.com/                | the URL's scheme must be https",
    "file:///etc/passwd                      | the URL's scheme must be https",
    "gopher://hooks.example.com/             | the URL's scheme must be https",
    "https://user:pass@hooks.example.com/    | the URL must not contain a user name or password",
    "https://user@hooks.example.com/         | the URL must not contain a user name or password",
    "https:///no-host                        | the URL has no valid host",
    "https://under_score.example.com/        | the URL has no valid host",
    "https://hooks.example.com/#fragment     | the URL must not have a fragment",
    "https://hooks.example.com/#             | the URL must not have a fragment",
    "https://hooks.example.com:0/            | the URL's port must be between 1 and 65535",
    "https://hooks.example.com:70000/        | the URL's port must be between 1 and 65535",
    "https://hooks.example.com/a b           | the URL is not valid",
    "https://hooks.example.com/\\            | the URL is not valid",
  })
  void badUrlsAreRefusedWithAReason(String url, String reason) {
    assertThat(STRICT.problemWithUrl(url)).isEqualTo(reason);
  }

  @Test
  void httpIsAcceptedOnlyWhenAllowed() {
    assertThat(STRICT.problemWithUrl("http://hooks.example.com/")).isEqualTo("the URL's scheme must be https");
    assertThat(WITH_HTTP.problemWithUrl("http://hooks.example.com/")).isNull();
    assertThat(WITH_HTTP.problemWithUrl("ftp://hooks.example.com/")).isEqualTo("the URL's scheme must be https or http");
  }

  @Test
  void urlsUpTo2048CharactersAreAccepted() {
    String base = "https://hooks.example.com/";
    assertThat(STRICT.problemWithUrl(base + "a".repeat(2048 - base.length()))).isNull();
    assertThat(STRICT.problemWithUrl(base + "a".repeat(2049 - base.length())))
      .isEqualTo("the URL is longer than 2048 characters");
  }

  // ---- Addresses

  @ParameterizedTest(name = "{0} is refused: {1}")
  @CsvSource(delimiter = '|', value = {
    // loopback
    "127.0.0.1                | a loopback",
    "127.255.255.254          | a loopback",
    "::1                      | a loopback",
    // unspecified (connecting to 0.0.0.0 reaches this machine)
    "0.0.0.0                  | an unspecified",
    "0.1.2.3                  | an unspecified",
    "::                       | an unspecified",
    // private
    "10.0.0.5                 | a private",
    "10.255.255.255           | a private",
    "172.16.0.1               | a private",
    "172.31.255.255           | a private",
    "192.168.0.1              | a private",
    "192.168.255.255          | a private",
    "fc00::1                  | a private",
    "fd12:3456:789a::1        | a private",
    "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff | a private",
    "fec0::1                  | a private",
    // link-local and the cloud metadata services
    "169.254.0.1              | a link-local",
    "169.254.255.255          | a link-local",
    "169.254.169.254          | a cloud metadata",
    "fd00:ec2::254            | a cloud metadata",
    "fe80::1                  | a link-local",
    "febf:ffff::1             | a link-local",
    // carrier-grade NAT
    "100.64.0.0               | a carrier-grade NAT",
    "100.127.255.255          | a carrier-grade NAT",
    // multicast, broadcast and reserved
    "224.0.0.1                | a multicast",
    "239.255.255.250          | a multicast",
    "ff02::1                  | a multicast",
    "ff0e::1                  | a multicast",
    "240.0.0.1                | a reserved",
    "255.255.255.255          | a reserved",
    "198.18.0.1               | a benchmarking",
    "198.19.255.255           | a benchmarking",
    // IPv4 inside IPv6: compatible (deprecated) and NAT64 forms
    "::127.0.0.1              | a loopback",
    "::10.0.0.5               | a private",
    "::169.254.169.254        | a cloud metadata",
    "64:ff9b::10.0.0.5        | a private",
    "64:ff9b::7f00:1          | a loopback",
    "64:ff9b::a9fe:a9fe       | a cloud metadata",
  })
  void internalAddressesAreRefused(String literal, String kind) throws Exception {
    InetAddress address = ip(literal);
    assertThat(STRICT.allowedAddress("hooks.example.com", address)).isFalse();
    assertThat(STRICT.problemWithAddress("hooks.example.com", address))
      .isEqualTo(address.getHostAddress() + " is " + kind + " address");
  }

  @ParameterizedTest(name = "{0} as IPv4-mapped IPv6 is refused: {1}")
  @CsvSource(delimiter = '|', value = {
    "127.0.0.1       | a loopback",
    "10.0.0.5        | a private",
    "172.16.0.1      | a private",
    "192.168.1.1     | a private",
    "169.254.169.254 | a cloud metadata",
    "169.254.1.1     | a link-local",
    "100.64.0.1      | a carrier-grade NAT",
    "224.0.0.1       | a multicast",
    "0.0.0.0         | an unspecified",
  })
  void ipv4MappedFormsAreJudgedByTheirIpv4Address(String ipv4, String kind) throws Exception {
    // The JDK turns ::ffff:a.b.c.d into an Inet4Address when parsing, but an Inet6Address holding the
    // mapped bytes can still be made: both are refused.
    byte[] v4 = ip(ipv4).getAddress();
    byte[] mapped = new byte[16];
    mapped[10] = (byte) 0xff;
    mapped[11] = (byte) 0xff;
    System.arraycopy(v4, 0, mapped, 12, 4);
    InetAddress asV6 = Inet6Address.getByAddress(null, mapped, -1);
    assertThat(asV6).isInstanceOf(Inet6Address.class);
    assertThat(STRICT.problemWithAddress("hooks.example.com", asV6))
      .isEqualTo(asV6.getHostAddress() + " is " + kind + " address");

    InetAddress parsed = ip("::ffff:" + ipv4);
    assertThat(STRICT.allowedAddress("hooks.example.com", parsed)).isFalse();
  }

  @ParameterizedTest(name = "{0} is allowed")
  @ValueSource(strings = {
    "8.8.8.8", "1.1.1.1", "203.0.113.7", "93.184.216.34",
    "9.255.255.255", "11.0.0.0",          // either side of 10/8
    "172.15.255.255", "172.32.0.0",       // either side of 172.16/12
    "192.167.255.255", "192.169.0.0",     // either side of 192.168/16
    "100.63.255.255", "100.128.0.0",      // either side of 100.64/10
    "169.253.255.255", "169.255.0.0",     // either side of 169.254/16
    "126.255.255.255", "128.0.0.0",       // either side of 127/8
    "223.255.255.255",                    // below multicast
    "1.0.0.0",                            // above 0/8
    "2001:4860:4860::8888", "2606:4700:4700::1111", "2a00:1450:4001:82a::200e",
    "fbff:ffff::1",                       // below fc00::/7
    "fe00::1",                            // between fc00::/7 and fe80::/10
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",                   // NAT64 of 8.8.8.8
  })
  void publicAddressesAreAllowed(String literal) throws Exception {
    assertThat(STRICT.allowedAddress("hooks.example.com", ip(literal))).isTrue();
    assertThat(STRICT.problemWithAddress("hooks.example.com", ip(literal))).isNull();
  }

  @Test
  void allowHostsLiftsTheCheckForANameCaseInsensitively() throws Exception {
    TargetPolicy policy = new TargetPolicy(false, List.of("Hooks.Internal.Example", "localhost"));
    assertThat(policy.allowedAddress("hooks.internal.example", ip("10.0.0.5"))).isTrue();
    assertThat(policy.allowedAddress("HOOKS.INTERNAL.EXAMPLE", ip("10.0.0.5"))).isTrue();
    assertThat(policy.allowedAddress("hooks.internal.example.", ip("10.0.0.5"))).isTrue();
    assertThat(policy.allowedAddress("LocalHost", ip("127.0.0.1"))).isTrue();
    // Only for that name: another name on the same address is still refused.
    assertThat(policy.allowedAddress("evil.example.com", ip("10.0.0.5"))).isFalse();
    assertThat(policy.allowedAddress("internal.example", ip("10.0.0.5"))).isFalse();
  }

  @Test
  void allowHostsLiftsTheCheckForAnAddressLiteralInAnyOfItsSpellings() throws Exception {
    TargetPolicy policy = new TargetPolicy(false, List.of("127.0.0.1", "[::1]", "fd00:0:0:0:0:0:0:7"));
    assertThat(policy.allowedAddress("127.0.0.1", ip("127.0.0.1"))).isTrue();
    assertThat(policy.allowedAddress("any.name.example", ip("127.0.0.1"))).isTrue();
    assertThat(policy.allowedAddress("any.name.example", ip("::1"))).isTrue();
    assertThat(policy.allowedAddress("[::1]", ip("0:0:0:0:0:0:0:1"))).isTrue();
    assertThat(policy.allowedAddress("x.example", ip("fd00::7"))).isTrue();
    // Other addresses of the same kinds are not.
    assertThat(policy.allowedAddress("any.name.example", ip("127.0.0.2"))).isFalse();
    assertThat(policy.allowedAddress("any.name.example", ip("fd00::8"))).isFalse();
    assertThat(policy.allowedAddress("any.name.example", ip("169.254.169.254"))).isFalse();
  }

  @Test
  void blankAndMissingAllowListsAllowNothingExtra() throws Exception {
    assertThat(new TargetPolicy(false, null).allowedAddress("localhost", ip("127.0.0.1"))).isFalse();
    assertThat(new TargetPolicy(false, List.of("", "  ")).allowedAddress("", ip("127.0.0.1"))).isFalse();
    assertThat(STRICT.allowedAddress(null, ip("10.1.2.3"))).isFalse();
    assertThat(STRICT.allowedAddress("hooks.example.com", null)).isFalse();
  }
}
