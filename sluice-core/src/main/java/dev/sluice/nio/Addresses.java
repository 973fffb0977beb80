package dev.sluice.nio;

import dev.sluice.tcp.TcpEndpoints;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;

/** Socket addresses as the JDK's channels check and report them. */
final class Addresses {
  private Addresses() {}

  /**
   * {@code address} as an {@link InetSocketAddress}; throws {@link UnsupportedAddressTypeException}
   * for another kind and {@link UnresolvedAddressException} for an unresolved name, as the JDK's
   * channels do.
   */
  static InetSocketAddress check(SocketAddress address) {
    if (address == null) {
      throw new IllegalArgumentException("address must not be null");
    }
    if (!(address instanceof InetSocketAddress inet)) {
      throw new UnsupportedAddressTypeException();
    }
    if (inet.isUnresolved()) {
      throw new UnresolvedAddressException();
    }
    return inet;
  }

  /** Connecting to the wildcard address means this host, as the JDK does: loopback. */
  static InetSocketAddress loopbackIfAny(InetSocketAddress address) {
    if (!address.getAddress().isAnyLocalAddress()) {
      return address;
    }
    boolean v6 = address.getAddress().getAddress().length == 16;
    return new InetSocketAddress(loopback(v6), address.getPort());
  }

  static InetAddress loopback(boolean v6) {
    try {
      return InetAddress.getByAddress(v6 ? new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}
          : new byte[] {127, 0, 0, 1});
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e); // cannot happen: the length is 4 or 16
    }
  }

  static InetSocketAddress local(TcpEndpoints e) {
    return new InetSocketAddress(address(e.ipv6(), e.localHigh(), e.localLow()), e.localPort());
  }

  static InetSocketAddress remote(TcpEndpoints e) {
    return new InetSocketAddress(address(e.ipv6(), e.remoteHigh(), e.remoteLow()), e.remotePort());
  }

  /** The wildcard address with {@code port}: where a socket bound to no address in particular is. */
  static InetSocketAddress wildcard(int port) {
    try {
      return new InetSocketAddress(InetAddress.getByAddress(new byte[4]), port);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e); // cannot happen
    }
  }

  private static InetAddress address(boolean ipv6, long high, long low) {
    byte[] bytes = ipv6
        ? ByteBuffer.allocate(16).putLong(high).putLong(low).array()
        : ByteBuffer.allocate(4).putInt((int) low).array();
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e); // cannot happen: the length is 4 or 16
    }
  }
}
