package dev.offload.webhooks;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where webhooks may be sent: the guard against server-side request forgery. A webhook URL is chosen by
 * a caller, and without this guard it could make this service post to its own admin port, to a database
 * on the private network, or to the cloud metadata service (169.254.169.254, fd00:ec2::254) that hands
 * out credentials.
 *
 * <p>Two checks, because a URL that looks harmless can resolve to an internal address:
 * <ul>
 *   <li>{@link #problemWithUrl} when a URL is given: https (http only where allowed), a host, no user
 *       info, no fragment, at most {@value #MAX_URL_LENGTH} characters;</li>
 *   <li>{@link #allowedAddress} on every address the host resolves to, right before connecting (and
 *       the client then connects to that very address, so a DNS answer that changes in between does
 *       not matter): no loopback, link-local, private (site-local, unique-local), carrier-grade NAT,
 *       multicast or unspecified address, nor those written as IPv4-mapped, IPv4-compatible or NAT64
 *       IPv6 addresses.</li>
 * </ul>
 *
 * <p>Besides the ranges every SSRF list has, all of 0.0.0.0/8 is refused (Linux connects 0.0.0.0 to this
 * machine), and so are 198.18.0.0/15 (benchmarking, often used for internal networks) and 240.0.0.0/4
 * (reserved, with the broadcast address): none of them holds a public receiver.
 *
 * <p>{@code allowHosts} lifts the address check for a host name (compared case-insensitively, without
 * a port) or for an address literal in any of its spellings: for a receiver on the same machine in
 * development, or a known internal consumer. A listed name is trusted whatever it resolves to.
 *
 * <p>Immutable and thread-safe; nothing here resolves a name, so both checks are fine on an event loop.
 */
public final class TargetPolicy {
  /** The longest URL accepted, in characters. */
  public static final int MAX_URL_LENGTH = 2048;

  private static final Pattern IPV4_LITERAL = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  /** Refused ranges, the most specific first: the first that holds an address names it. */
  private static final List<Block> BLOCKS = List.of(
    Block.of("169.254.169.254/32", "a cloud metadata"),
    Block.of("fd00:ec2::254/128", "a cloud metadata"),
    Block.of("0.0.0.0/8", "an unspecified"),
    Block.of("127.0.0.0/8", "a loopback"),
    Block.of("10.0.0.0/8", "a private"),
    Block.of("172.16.0.0/12", "a private"),
    Block.of("192.168.0.0/16", "a private"),
    Block.of("100.64.0.0/10", "a carrier-grade NAT"),
    Block.of("169.254.0.0/16", "a link-local"),
    Block.of("198.18.0.0/15", "a benchmarking"),
    Block.of("224.0.0.0/4", "a multicast"),
    Block.of("240.0.0.0/4", "a reserved"),
    Block.of("::/128", "an unspecified"),
    Block.of("::1/128", "a loopback"),
    Block.of("fe80::/10", "a link-local"),
    Block.of("fec0::/10", "a private"),
    Block.of("fc00::/7", "a private"),
    Block.of("ff00::/8", "a multicast"));

  private final boolean allowHttp;
  private final Set<String> allowedNames = new HashSet<>();
  private final Set<String> allowedAddresses = new HashSet<>();

  /**
   * @param allowHttp whether plain http URLs are accepted (development, or receivers inside a trusted network)
   * @param allowHosts host names and address literals exempt from the address check
   */
  public TargetPolicy(boolean allowHttp, List<String> allowHosts) {
    this.allowHttp = allowHttp;
    for (String entry : allowHosts == null ? List.<String>of() : allowHosts) {
      if (entry == null || entry.isBlank()) {
        continue;
      }
      String host = normalHost(entry.trim());
      allowedNames.add(host);
      InetAddress literal = literal(host);
      if (literal != null) {
        allowedAddresses.add(literal.getHostAddress());
      }
    }
  }

  /**
   * What is wrong with {@code url} as a webhook target, in a few words, or null when nothing is. Only
   * the URL itself: its host's addresses are checked by {@link #allowedAddress} when it is called.
   */
  public String problemWithUrl(String url) {
    if (url == null || url.isBlank()) {
      return "the URL is empty";
    }
    if (url.length() > MAX_URL_LENGTH) {
      return "the URL is longer than " + MAX_URL_LENGTH + " characters";
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      return "the URL is not valid";
    }
    if (!uri.isAbsolute() || uri.isOpaque()) {
      return "the URL is not absolute";
    }
    String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !(allowHttp && scheme.equals("http"))) {
      return allowHttp ? "the URL's scheme must be https or http" : "the URL's scheme must be https";
    }
    if (uri.getRawUserInfo() != null) {
      return "the URL must not contain a user name or password";
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      return "the URL has no valid host";
    }
    if (uri.getRawFragment() != null) {
      return "the URL must not have a fragment";
    }
    if (uri.getPort() == 0 || uri.getPort() > 65535) {
      return "the URL's port must be between 1 and 65535";
    }
    return null;
  }

  /**
   * Whether a webhook for {@code host} may be sent to {@code address}, one of its resolved addresses:
   * {@code host} or the address is in {@code allowHosts}, or the address is none of the refused kinds.
   */
  public boolean allowedAddress(String host, InetAddress address) {
    return problemWithAddress(host, address) == null;
  }

  /**
   * Why a webhook for {@code host} may not be sent to {@code address}, such as
   * {@code "10.0.0.5 is a private address"}, or null when it may; see {@link #allowedAddress}.
   */
  public String problemWithAddress(String host, InetAddress address) {
    if (address == null) {
      return "no address";
    }
    String text = address.getHostAddress();
    if ((host != null && allowedNames.contains(normalHost(host))) || allowedAddresses.contains(text)) {
      return null;
    }
    InetAddress checked = embeddedIpv4(address);
    for (Block block : BLOCKS) {
      if (block.contains(checked)) {
        return text + " is " + block.kind() + " address";
      }
    }
    return null;
  }

  /**
   * The IPv4 address that an IPv6 one stands for, or the address itself. IPv4-mapped
   * ({@code ::ffff:a.b.c.d}), IPv4-compatible ({@code ::a.b.c.d}, deprecated) and NAT64
   * ({@code 64:ff9b::a.b.c.d}) addresses reach the IPv4 address inside them, so it is that one which
   * is judged. {@code ::} and {@code ::1} are left as they are.
   */
  private static InetAddress embeddedIpv4(InetAddress address) {
    if (!(address instanceof Inet6Address)) {
      return address;
    }
    byte[] b = address.getAddress();
    boolean zeroTo9 = allZero(b, 0, 10);
    boolean mapped = zeroTo9 && b[10] == (byte) 0xff && b[11] == (byte) 0xff;
    boolean unspecifiedOrLoopback = allZero(b, 0, 15) && (b[15] == 0 || b[15] == 1);
    boolean compatible = zeroTo9 && b[10] == 0 && b[11] == 0 && !unspecifiedOrLoopback;
    boolean nat64 = b[0] == 0 && b[1] == 0x64 && b[2] == (byte) 0xff && b[3] == (byte) 0x9b && allZero(b, 4, 12);
    if (!mapped && !compatible && !nat64) {
      return address;
    }
    try {
      return InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
    } catch (UnknownHostException e) {
      throw new IllegalStateException("four bytes are always an IPv4 address", e);
    }
  }

  private static boolean allZero(byte[] bytes, int from, int to) {
    for (int i = from; i < to; i++) {
      if (bytes[i] != 0) {
        return false;
      }
    }
    return true;
  }

  /** Lower case, without IPv6 brackets or a trailing dot, so that equal hosts compare equal. */
  private static String normalHost(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    if (h.endsWith(".") && h.length() > 1) {
      h = h.substring(0, h.length() - 1);
    }
    return h;
  }

  /**
   * {@code host} as an address when it is an address literal, else null. Never a DNS lookup: only a
   * dotted quad or text with a colon reaches {@link InetAddress#getByName}, which parses literals.
   */
  private static InetAddress literal(String host) {
    if (!IPV4_LITERAL.matcher(host).matches() && host.indexOf(':') < 0) {
      return null;
    }
    try {
      return InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      return null;
    }
  }

  /** A CIDR range of refused addresses and the word that says what it is. */
  private record Block(byte[] prefix, int bits, String kind) {
    static Block of(String cidr, String kind) {
      int slash = cidr.indexOf('/');
      InetAddress base = literal(cidr.substring(0, slash));
      if (base == null) {
        throw new IllegalArgumentException("not an address range: " + cidr);
      }
      return new Block(base.getAddress(), Integer.parseInt(cidr.substring(slash + 1)), kind);
    }

    boolean contains(InetAddress address) {
      byte[] bytes = address.getAddress();
      if (bytes.length != prefix.length) {
        return false;
      }
      int full = bits / 8;
      for (int i = 0; i < full; i++) {
        if (bytes[i] != prefix[i]) {
          return false;
        }
      }
      int rest = bits % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xff << (8 - rest)) & 0xff;
      return (bytes[full] & mask) == (prefix[full] & mask);
    }
  }
}
