package dev.sluice.gateway.relay;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * The command line's {@link DestinationPolicy} (issue 15, "who may go where"): the guest may not
 * reach the gateway host itself, and {@code --allow}/{@code --deny} narrow where else it may go.
 * Protocol-agnostic: it looks at the destination address only (the port is carried through), so
 * TCP, UDP and ICMP echo ask the same question. The rules, in this order, first match decides:
 *
 * <ol>
 *   <li>never: unspecified ({@code 0.0.0.0/8}, which RFC 1122 §3.2.1.3 forbids as a destination
 *       and Linux takes as this host; {@code ::}), multicast ({@code 224.0.0.0/4},
 *       {@code ff00::/8}), broadcast ({@code 255.255.255.255}, the guest network's own);
 *   <li>the host: the mapped loopback address ({@link #mappedLoopback}) goes to {@code 127.0.0.1}
 *       on the same port if {@code --allow-host-loopback} was given, and is refused otherwise; the
 *       host's loopback ({@code 127.0.0.0/8}, {@code ::1}) and every address of its interfaces
 *       ({@link HostAddresses}) are refused, whatever {@code --allow} says;
 *   <li>{@code --deny}: refused, even inside an {@code --allow} (deny wins; this is not a
 *       longest-prefix match);
 *   <li>{@code --allow}: if any was given, a destination in none of them is refused;
 *   <li>everything else goes where the guest asked.
 * </ol>
 *
 * <p>slirp4netns's {@code --disable-host-loopback} is the model for rule 2, with two differences:
 * slirp4netns maps the host's loopback at the gateway's own address and refuses only that, while
 * the host's other addresses stay reachable through it; here the mapped address is a separate one
 * and the host's own addresses are refused too.
 *
 * <p>Thread-safe and cheap: {@link #route} runs on the worker thread for each SYN; it compares
 * against masks computed once, never resolves a name, and allocates only the address's byte array
 * (and the mapped destination).
 */
final class DestinationRules implements DestinationPolicy {
  /** Rule 1, and the host's loopback of rule 2. */
  private static final CidrRange[] NEVER = {
    range("0.0.0.0", 8), range("224.0.0.0", 4), range("255.255.255.255", 32),
    range("::", 128), range("ff00::", 8), range("127.0.0.0", 8), range("::1", 128),
  };
  private static final InetAddress LOOPBACK = InetAddress.ofLiteral("127.0.0.1");

  private final long guestBroadcast;
  private final long mapped; // the mapped loopback address, as CidrRange.low; -1 if the cidr has none
  private final boolean allowHostLoopback;
  private final String mappedText;
  private final HostAddresses host;
  private final CidrRange[] allow;
  private final CidrRange[] deny;

  /**
   * Rules for a guest on {@code guest}'s network. {@code allowHostLoopback} needs a cidr of /29 or
   * wider, to hold the mapped address; an IllegalArgumentException says so.
   */
  DestinationRules(GatewayAddresses guest, boolean allowHostLoopback, List<CidrRange> allow, List<CidrRange> deny,
      HostAddresses host) {
    long network = CidrRange.low(InetAddress.ofLiteral(guest.network()).getAddress());
    this.guestBroadcast = network | (0xffff_ffffL >>> guest.prefix());
    if (allowHostLoopback && guest.prefix() > 29) {
      throw new IllegalArgumentException("--allow-host-loopback needs a --cidr of /29 or wider: the host's loopback "
          + "is mapped at the network's fourth address, which a /" + guest.prefix() + " does not have");
    }
    this.mapped = guest.prefix() <= 29 ? network + 3 : -1;
    this.allowHostLoopback = allowHostLoopback;
    this.mappedText = mappedLoopback(guest);
    this.host = host;
    this.allow = allow.toArray(new CidrRange[0]);
    this.deny = deny.toArray(new CidrRange[0]);
  }

  /**
   * The command's rules: {@code allow} and {@code deny} as given to {@code --allow} and {@code
   * --deny}, this host's interfaces read now. IllegalArgumentException: a bad range or option, in one
   * line; IOException: the interfaces could not be read.
   */
  static DestinationRules fromCommandLine(GatewayAddresses guest, boolean allowHostLoopback, List<String> allow,
      List<String> deny) throws IOException {
    List<CidrRange> allowed = allow.stream().map(text -> CidrRange.parse("--allow", text)).toList();
    List<CidrRange> denied = deny.stream().map(text -> CidrRange.parse("--deny", text)).toList();
    return new DestinationRules(guest, allowHostLoopback, allowed, denied, HostAddresses.ofThisHost());
  }

  /**
   * Where the host's loopback appears to a guest on {@code guest}'s network, with {@code
   * --allow-host-loopback}: the network's fourth address (198.18.0.3 for 198.18.0.0/24), after the
   * guest's (.1) and the gateway's (.2). Not the gateway's own address, as slirp4netns does: a
   * packet to that address is the Sluice host's own (it answers pings there, and a SYN there finds
   * its listeners or a RST), so only an address that is not the host's reaches the forwarder, for
   * TCP, UDP and ICMP alike. Null if the cidr is narrower than /29.
   */
  static String mappedLoopback(GatewayAddresses guest) {
    if (guest.prefix() > 29) {
      return null;
    }
    long a = CidrRange.low(InetAddress.ofLiteral(guest.network()).getAddress()) + 3;
    return (a >>> 24) + "." + ((a >>> 16) & 0xff) + "." + ((a >>> 8) & 0xff) + "." + (a & 0xff);
  }

  @Override
  public InetSocketAddress route(InetSocketAddress destination) {
    InetAddress address = destination.getAddress();
    if (address == null) {
      return null; // unresolved: the gateway only ever asks with the guest's addresses
    }
    byte[] bytes = address.getAddress();
    boolean v6 = bytes.length == 16;
    long high = CidrRange.high(bytes);
    long low = CidrRange.low(bytes);
    if (!v6 && low == mapped) {
      return allowHostLoopback ? new InetSocketAddress(LOOPBACK, destination.getPort()) : null;
    }
    if (CidrRange.anyContains(NEVER, v6, high, low) || (!v6 && low == guestBroadcast)
        || host.contains(v6, high, low) || CidrRange.anyContains(deny, v6, high, low)) {
      return null;
    }
    if (allow.length > 0 && !CidrRange.anyContains(allow, v6, high, low)) {
      return null;
    }
    return destination;
  }

  /** One line for the command's start: what the guest may reach. */
  String describe() {
    StringBuilder s = new StringBuilder("the guest may not reach this host");
    if (allowHostLoopback) {
      s.append(" (its loopback only, at ").append(mappedText).append(")");
    }
    if (allow.length > 0) {
      s.append("; only ").append(join(allow));
    }
    if (deny.length > 0) {
      s.append("; never ").append(join(deny));
    }
    return s.toString();
  }

  private static String join(CidrRange[] ranges) {
    return String.join(", ", java.util.Arrays.stream(ranges).map(CidrRange::toString).toList());
  }

  private static CidrRange range(String literal, int prefix) {
    return CidrRange.of(InetAddress.ofLiteral(literal), prefix);
  }
}
