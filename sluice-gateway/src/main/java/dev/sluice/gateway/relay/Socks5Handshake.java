package dev.sluice.gateway.relay;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The client's side of one SOCKS5 exchange (RFC 1928) on a TCP connection to the proxy: method
 * selection, username/password authentication (RFC 1929) when the proxy asks for it, then one
 * request (CONNECT or UDP ASSOCIATE) and its reply. Every read is bounded by one deadline for the
 * whole exchange, and every length the proxy sends is checked, so a proxy that stalls or sends
 * garbage costs a flow at most its connect timeout and an {@link IOException}; reads take exactly
 * the bytes of the reply, so what the destination sends right after it stays in the socket for the
 * relay. Used by one thread, once, per connection.
 *
 * <p>A failed request throws what a kernel socket would have (see {@link OutsideConnector}); a
 * proxy that breaks the protocol, or turns our methods or credentials down, throws a {@link
 * ProxyFault}: the proxy, not the destination, is at fault, and the connector says so in its log.
 */
final class Socks5Handshake {
  static final int CONNECT = 1;
  static final int UDP_ASSOCIATE = 3;

  private static final int VERSION = 5;
  private static final int NO_AUTHENTICATION = 0;
  private static final int USERNAME_PASSWORD = 2;
  private static final int NO_ACCEPTABLE_METHOD = 0xff;
  private static final int ATYP_IPV4 = 1;
  private static final int ATYP_DOMAIN = 3;
  private static final int ATYP_IPV6 = 4;

  /** The proxy, not the destination, failed: it broke the protocol or turned us down. */
  static final class ProxyFault extends IOException {
    ProxyFault(String message) {
      super(message);
    }
  }

  private final Socket socket;
  private final Socks5Proxy proxy;
  private final long deadlineNanos;
  private final InputStream in;
  private final OutputStream out;
  private int lastCommand;
  private boolean replied;

  /** An exchange on {@code socket}, connected to {@code proxy}, that must end by {@code deadlineNanos}. */
  Socks5Handshake(Socket socket, Socks5Proxy proxy, long deadlineNanos) throws IOException {
    this.socket = socket;
    this.proxy = proxy;
    this.deadlineNanos = deadlineNanos;
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
  }

  /** The connection to the proxy. */
  Socket socket() {
    return socket;
  }

  /** Whether the proxy answered the request with a reply RFC 1928 defines (success or failure). */
  boolean replied() {
    return replied;
  }

  /**
   * Method selection (RFC 1928 §3): no authentication, and username/password too when we have
   * them; then RFC 1929's sub-negotiation if the proxy picked it.
   */
  void negotiate() throws IOException {
    out.write(proxy.hasCredentials()
        ? new byte[] {VERSION, 2, NO_AUTHENTICATION, USERNAME_PASSWORD}
        : new byte[] {VERSION, 1, NO_AUTHENTICATION});
    byte[] choice = read(2);
    if (choice[0] != VERSION) {
      throw new ProxyFault("the SOCKS5 proxy at " + proxy + " answered with version " + (choice[0] & 0xff)
          + ", not 5: is it a SOCKS5 proxy?");
    }
    int method = choice[1] & 0xff;
    if (method == NO_AUTHENTICATION) {
      return;
    }
    if (method == USERNAME_PASSWORD && proxy.hasCredentials()) {
      authenticate();
      return;
    }
    throw new ProxyFault(method == NO_ACCEPTABLE_METHOD
        ? "the SOCKS5 proxy at " + proxy + " accepts none of our methods (no authentication"
            + (proxy.hasCredentials() ? ", username/password)" : "): does it want a username and password?")
        : "the SOCKS5 proxy at " + proxy + " chose method " + method + ", which we did not offer");
  }

  /** RFC 1929: VER 1, ULEN, UNAME, PLEN, PASSWD; the reply's STATUS 0 is success. */
  private void authenticate() throws IOException {
    byte[] user = proxy.username().getBytes(StandardCharsets.UTF_8);
    byte[] password = proxy.password().getBytes(StandardCharsets.UTF_8);
    ByteBuffer request = ByteBuffer.allocate(3 + user.length + password.length);
    request.put((byte) 1).put((byte) user.length).put(user).put((byte) password.length).put(password);
    out.write(request.array());
    byte[] reply = read(2);
    if (reply[0] != 1) {
      throw new ProxyFault("the SOCKS5 proxy at " + proxy + " answered the username/password with version "
          + (reply[0] & 0xff) + ", not 1 (RFC 1929)");
    }
    if (reply[1] != 0) {
      throw new ProxyFault("the SOCKS5 proxy at " + proxy + " rejected the username and password");
    }
  }

  /**
   * Sends request {@code command} for {@code address} (RFC 1928 §4) and reads the reply (§6):
   * BND.ADDR and BND.PORT on success, else the reply's failure as the exception a kernel socket
   * would throw for it. A reply that names a domain answers it unresolved.
   */
  InetSocketAddress request(int command, InetSocketAddress address) throws IOException {
    lastCommand = command;
    ByteBuffer request = ByteBuffer.allocate(22);
    request.put((byte) VERSION).put((byte) command).put((byte) 0);
    putAddress(request, address);
    out.write(request.array(), 0, request.position());
    byte[] head = read(4);
    if (head[0] != VERSION) {
      throw new ProxyFault("the SOCKS5 proxy at " + proxy + " replied with version " + (head[0] & 0xff) + ", not 5");
    }
    int reply = head[1] & 0xff;
    InetSocketAddress bound = readBound(head[3] & 0xff); // the whole reply is read, also on failure
    replied = reply <= 8 && reply != 7; // a reply RFC 1928 defines, to a command it knows: the proxy works
    if (reply != 0) {
      throw failure(reply, address);
    }
    return bound;
  }

  /**
   * What a kernel socket would have thrown for reply code {@code reply} (RFC 1928 §6), so the guest
   * is told what it would be told without the proxy: refused (0x05, and 0x02, the proxy's rules)
   * gets a RST, unreachable (0x03, 0x04) an ICMP unreachable, anything else no answer.
   */
  private IOException failure(int reply, InetSocketAddress destination) {
    String via = " (SOCKS5 proxy " + proxy + ", reply " + reply + ", for " + destination + ")";
    return switch (reply) {
      case 2 -> new ConnectException("Connection refused: not allowed by the proxy's ruleset" + via);
      case 3 -> new NoRouteToHostException("Network is unreachable" + via);
      case 4 -> new NoRouteToHostException("No route to host" + via);
      case 5 -> new ConnectException("Connection refused" + via);
      case 6 -> new SocketTimeoutException("TTL expired" + via);
      case 1 -> new IOException("general SOCKS server failure" + via);
      case 8 -> new IOException("address type not supported" + via);
      case 7 -> new ProxyFault("the SOCKS5 proxy at " + proxy + " does not support command " + lastCommand);
      default -> new ProxyFault("the SOCKS5 proxy at " + proxy + " replied with unknown code " + reply);
    };
  }

  /** Reads ATYP's BND.ADDR and BND.PORT. */
  private InetSocketAddress readBound(int atyp) throws IOException {
    switch (atyp) {
      case ATYP_IPV4, ATYP_IPV6 -> {
        byte[] bytes = read((atyp == ATYP_IPV4 ? 4 : 16) + 2);
        int port = (bytes[bytes.length - 2] & 0xff) << 8 | bytes[bytes.length - 1] & 0xff;
        return new InetSocketAddress(address(Arrays.copyOf(bytes, bytes.length - 2)), port);
      }
      case ATYP_DOMAIN -> {
        int length = read(1)[0] & 0xff;
        byte[] bytes = read(length + 2);
        int port = (bytes[length] & 0xff) << 8 | bytes[length + 1] & 0xff;
        return InetSocketAddress.createUnresolved(new String(bytes, 0, length, StandardCharsets.US_ASCII), port);
      }
      default -> throw new ProxyFault("the SOCKS5 proxy at " + proxy + " replied with address type " + atyp);
    }
  }

  /** Reads exactly {@code n} bytes before the deadline. */
  private byte[] read(int n) throws IOException {
    byte[] bytes = new byte[n];
    int got = 0;
    while (got < n) {
      long left = deadlineNanos - System.nanoTime();
      if (left <= 0) {
        throw new SocketTimeoutException("the SOCKS5 proxy at " + proxy + " did not answer in time");
      }
      socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000)));
      int r;
      try {
        r = in.read(bytes, got, n - got);
      } catch (SocketTimeoutException e) {
        throw new SocketTimeoutException("the SOCKS5 proxy at " + proxy + " did not answer in time");
      }
      if (r < 0) {
        throw new ProxyFault("the SOCKS5 proxy at " + proxy + " closed the connection during the handshake");
      }
      got += r;
    }
    return bytes;
  }

  /** Appends ATYP, the address and the port of {@code address} (IPv4 or IPv6, RFC 1928 §5). */
  static void putAddress(ByteBuffer into, InetSocketAddress address) {
    InetAddress ip = address.getAddress();
    into.put((byte) (ip instanceof Inet6Address ? ATYP_IPV6 : ATYP_IPV4)).put(ip.getAddress())
        .putShort((short) address.getPort());
  }

  /**
   * Takes ATYP, an IPv4 or IPv6 address and a port from {@code from}; null (with the position
   * wherever it stopped) if they are not there whole or name a domain.
   */
  static InetSocketAddress takeAddress(ByteBuffer from) {
    if (!from.hasRemaining()) {
      return null;
    }
    int atyp = from.get() & 0xff;
    int length = atyp == ATYP_IPV4 ? 4 : atyp == ATYP_IPV6 ? 16 : -1;
    if (length < 0 || from.remaining() < length + 2) {
      return null;
    }
    byte[] bytes = new byte[length];
    from.get(bytes);
    return new InetSocketAddress(address(bytes), from.getShort() & 0xffff);
  }

  private static InetAddress address(byte[] bytes) {
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e); // cannot happen: the length is 4 or 16
    }
  }
}
