package dev.sluice.stack;

import dev.sluice.link.Device;
import dev.sluice.wire.IpAddress;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A host's interfaces: its devices by name, its own addresses, and the routing table that holds
 * the connected route of each address's prefix. It answers the three questions of the IP layer:
 * is an address ours (RFC 1122 §3.3.4.2: a packet for another host is not accepted), which device
 * does a packet to an address leave through, and which of our addresses it leaves from (RFC 1122
 * §3.3.4.3: the source of an outgoing packet is an address of the interface it leaves through).
 * With a loopback device ({@link #addLoopback}), packets to any of our addresses leave through it.
 *
 * <p><b>Threads.</b> Written only while the host is set up ({@link #add}, before {@link
 * Host#start()} or the first {@link Host#poll}), read by every thread afterwards; starting the
 * workers publishes it. Reads take no lock and allocate nothing. The route table is itself safe
 * for concurrent reads (copy-on-write).
 */
final class Interfaces {
  private final RouteTable routes = new RouteTable();
  /** Set up only (see the class comment). */
  private final Map<String, Device> devices = new HashMap<>();
  /** Our addresses, in the order they were added; replaced whole on set-up, read per packet. */
  private IpAddress[] locals = new IpAddress[0];
  /** The loopback device, or null if the host has none; set up only. */
  private Device loopback;

  /**
   * Adds the loopback device {@code lo} with 127.0.0.1/8 and ::1/128 (RFC 1122 §3.2.1.3 (g), RFC
   * 4291 §2.5.3). From then on every packet to one of our addresses, on any interface, leaves
   * through it, and all of 127/8 is ours, as on Linux, whose {@code local} table holds 127.0.0.0/8.
   */
  void addLoopback(Device lo, Consumer<Device> onNewDevice) {
    loopback = lo;
    add(lo, "127.0.0.1/8", onNewDevice);
    add(lo, "::1/128", onNewDevice);
  }

  /**
   * Adds a route to {@code destination} (CIDR, as {@link Route#parse}) through {@code gateway},
   * out of the interface whose connected route covers the gateway, as {@code ip route add
   * default via ADDRESS} picks it (RFC 1122 §3.3.1.1: a first hop is on a connected network).
   *
   * @throws IllegalArgumentException if the gateway is on no connected network, or the route is
   *     malformed or exists
   */
  void addGatewayRoute(String destination, String gateway) {
    IpAddress via = IpAddress.of(literal(gateway));
    Route connected = routeTo(via.ipv6(), via.high(), via.low());
    if (connected == null || connected.hasGateway()) {
      throw new IllegalArgumentException("gateway " + gateway + " is not on the network of any interface address");
    }
    routes.add(Route.parse(destination, connected.interfaceName(), gateway));
  }

  /** Whether {@code device} is our loopback device. */
  boolean isLoopback(Device device) {
    return device != null && device == loopback;
  }

  /**
   * Whether {@code high:low} is a loopback address, 127/8 or ::1, which never appears on a wire
   * (RFC 1122 §3.2.1.3 (g), RFC 4291 §2.5.3). Per packet.
   */
  static boolean isLoopbackAddress(boolean v6, long high, long low) {
    return v6 ? high == 0 && low == 1 : (low >>> 24) == 127;
  }

  /**
   * Adds {@code device} (once per name) with an address given as {@code address/prefix} (an IPv4
   * or IPv6 literal), and the connected route for the prefix. A device seen for the first time
   * goes to {@code onNewDevice} (the host shares its receive queues among the workers) before the
   * route is added.
   */
  void add(Device device, String addressWithPrefix, Consumer<Device> onNewDevice) {
    int slash = addressWithPrefix.indexOf('/');
    if (slash < 0) {
      throw new IllegalArgumentException("address needs a prefix length, like 198.18.0.1/24: " + addressWithPrefix);
    }
    IpAddress address = IpAddress.of(literal(addressWithPrefix.substring(0, slash)));
    int prefix = Integer.parseInt(addressWithPrefix.substring(slash + 1));
    if (devices.putIfAbsent(device.name(), device) == null) {
      onNewDevice.accept(device);
    }
    if (address.ipv6()) {
      long maskHigh = prefix == 0 ? 0 : prefix >= 64 ? -1L : -1L << (64 - prefix);
      long maskLow = prefix <= 64 ? 0 : prefix == 128 ? -1L : -1L << (128 - prefix);
      routes.add(Route.ipv6(address.high() & maskHigh, address.low() & maskLow, prefix, device.name()));
    } else {
      int mask = prefix == 0 ? 0 : -1 << (32 - prefix);
      routes.add(Route.ipv4(address.ipv4() & mask, prefix, device.name()));
    }
    IpAddress[] grown = Arrays.copyOf(locals, locals.length + 1);
    grown[locals.length] = address;
    locals = grown;
  }

  private static InetAddress literal(String text) {
    if (text.isEmpty() || !(Character.digit(text.charAt(0), 16) >= 0 || text.charAt(0) == ':')) {
      throw new IllegalArgumentException("not an IP address literal: " + text);
    }
    try {
      return InetAddress.ofLiteral(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not an IP address literal: " + text, e);
    }
  }

  /** Whether {@code high:low} of the family {@code v6} is one of our addresses. Per packet. */
  boolean isLocal(boolean v6, long high, long low) {
    return (loopback != null && isLoopbackAddress(v6, high, low)) || isAssigned(v6, high, low);
  }

  /** Whether {@code high:low} is one of the addresses given to an interface. */
  private boolean isAssigned(boolean v6, long high, long low) {
    for (IpAddress local : locals) {
      if (local.is(v6, high, low)) {
        return true;
      }
    }
    return false;
  }

  /** The route a packet to {@code high:low} takes, or null. */
  Route routeTo(boolean v6, long high, long low) {
    return v6 ? routes.lookupIpv6(high, low) : routes.lookupIpv4((int) low);
  }

  /**
   * The device the route to {@code remote} goes out of, or null if there is no route. With a
   * loopback device, our own addresses are reached through it whichever interface they are on
   * (RFC 1122 §3.3.4.2: a host's packets to itself never leave it), as Linux's {@code local}
   * routing table sends them to {@code lo}.
   */
  Device deviceFor(boolean v6, long remoteHigh, long remoteLow) {
    if (loopback != null && isLocal(v6, remoteHigh, remoteLow)) {
      return loopback;
    }
    Route route = routeTo(v6, remoteHigh, remoteLow);
    return route == null ? null : devices.get(route.interfaceName());
  }

  /**
   * The local address to send from towards {@code remote}, or null if none (or no route). To one
   * of our own addresses (with a loopback device) it is that address itself, as on Linux: a
   * connection to 198.18.0.2 from its own host runs from 198.18.0.2, not from 127.0.0.1.
   */
  IpAddress sourceFor(IpAddress remote) {
    if (loopback != null && isAssigned(remote.ipv6(), remote.high(), remote.low())) {
      return remote; // the rest of 127/8 takes 127.0.0.1 from its route, as on Linux
    }
    Route route = routeTo(remote.ipv6(), remote.high(), remote.low());
    return route == null ? null : localAddressOn(route.interfaceName(), remote.ipv6());
  }

  /**
   * Our first address of the family {@code v6} on the interface {@code interfaceName}: the first
   * whose own connected route leaves through it. Null if there is none.
   */
  IpAddress localAddressOn(String interfaceName, boolean v6) {
    if (!devices.containsKey(interfaceName)) {
      return null;
    }
    for (IpAddress local : locals) {
      if (local.ipv6() == v6) {
        Route own = routeTo(v6, local.high(), local.low());
        if (own != null && own.interfaceName().equals(interfaceName)) {
          return local;
        }
      }
    }
    return null;
  }
}
