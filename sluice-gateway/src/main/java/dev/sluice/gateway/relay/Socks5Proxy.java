package dev.sluice.gateway.relay;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;

/**
 * Where a SOCKS5 proxy is and, when it wants them, the username and password to give it (RFC 1929).
 * Parsed from {@code [USER:PASSWORD@]HOST:PORT}, where HOST is a name, an IPv4 address or a
 * bracketed IPv6 address; the name is resolved once, when parsed. Immutable.
 *
 * @param address the proxy's address, resolved
 * @param username null for no authentication, else 1 to 255 bytes of UTF-8 (RFC 1929's limit)
 * @param password null exactly when {@code username} is, else 1 to 255 bytes of UTF-8
 */
record Socks5Proxy(InetSocketAddress address, String username, String password) {
  Socks5Proxy {
    if (address.isUnresolved()) {
      throw new IllegalArgumentException("the SOCKS5 proxy's address is unresolved: " + address);
    }
    if ((username == null) != (password == null)) {
      throw new IllegalArgumentException("a username needs a password, and a password a username");
    }
    if (username != null) {
      checkLength("username", username);
      checkLength("password", password);
    }
  }

  /** A proxy that asks for no authentication. */
  Socks5Proxy(InetSocketAddress address) {
    this(address, null, null);
  }

  /**
   * Parses {@code [USER:PASSWORD@]HOST:PORT}; the message of the {@link IllegalArgumentException}
   * is one line saying what is wrong. The credentials end at the last '@', the username at the
   * first ':' of them, so a password may hold both.
   */
  static Socks5Proxy parse(String spec) {
    String username = null;
    String password = null;
    String hostPort = spec;
    int at = spec.lastIndexOf('@');
    if (at >= 0) {
      String credentials = spec.substring(0, at);
      hostPort = spec.substring(at + 1);
      int colon = credentials.indexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException("expected USER:PASSWORD before '@': " + redacted(spec));
      }
      username = credentials.substring(0, colon);
      password = credentials.substring(colon + 1);
    }
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0 || colon == hostPort.length() - 1) {
      throw new IllegalArgumentException("expected [USER:PASSWORD@]HOST:PORT: " + redacted(spec));
    }
    String host = hostPort.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.contains(":")) {
      throw new IllegalArgumentException("an IPv6 address goes in brackets, as [::1]:1080: " + redacted(spec));
    }
    int port;
    try {
      port = Integer.parseInt(hostPort.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("the port is not a number: " + redacted(spec));
    }
    if (port < 1 || port > 65_535) {
      throw new IllegalArgumentException("the port must be in [1, 65535]: " + port);
    }
    if (host.isEmpty()) {
      throw new IllegalArgumentException("no host: " + redacted(spec));
    }
    InetAddress resolved;
    try {
      resolved = InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("cannot resolve the proxy's host " + host);
    }
    return new Socks5Proxy(new InetSocketAddress(resolved, port), username, password);
  }

  /** Whether the proxy is given a username and password (RFC 1929) when it asks. */
  boolean hasCredentials() {
    return username != null;
  }

  /** The proxy's address, never the password: for logs and the startup line. */
  @Override
  public String toString() {
    String host = address.getAddress().getHostAddress();
    String where = (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    return hasCredentials() ? username + "@" + where : where;
  }

  private static void checkLength(String what, String value) {
    int bytes = value.getBytes(StandardCharsets.UTF_8).length;
    if (bytes < 1 || bytes > 255) {
      throw new IllegalArgumentException("the SOCKS5 " + what + " must be 1 to 255 bytes (RFC 1929), not " + bytes);
    }
  }

  /** The spec with its password hidden, so an error message does not print it. */
  private static String redacted(String spec) {
    int at = spec.lastIndexOf('@');
    if (at < 0) {
      return spec;
    }
    int colon = spec.indexOf(':');
    return (colon >= 0 && colon < at ? spec.substring(0, colon) + ":***" : "***") + spec.substring(at);
  }
}
