package dev.sluice.gateway.relay;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The small python3 programs the gateway tests run as Linux peers, written once: servers for the
 * outside namespace and the guest's half-close client. Each returns the arguments of a {@code
 * python3 -c} command; an address with a colon is IPv6, and the socket's family follows it.
 */
final class PythonPeers {
  private PythonPeers() {}

  private static String family(String address) {
    return address.contains(":") ? "socket.AF_INET6" : "socket.AF_INET";
  }

  /**
   * A server that reads each request to its end-of-stream (the client's FIN), then answers the
   * request's sha256 and length on a line, then {@code replyBytes} bytes of pattern ({@code i % 251}),
   * then closes: its answer can only come after the client half-closed.
   */
  static String[] halfCloseServer(String address, int port, int replyBytes) {
    return new String[] {"python3", "-c", String.join("\n",
        "import socket, hashlib",
        "s = socket.socket(" + family(address) + "); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
        "s.bind(('" + address + "', " + port + ")); s.listen(8)",
        "while True:",
        "    c, _ = s.accept(); h = hashlib.sha256(); n = 0",
        "    try:",
        "        while True:",
        "            b = c.recv(65536)",
        "            if not b: break",
        "            h.update(b); n += len(b)",
        "        c.sendall((h.hexdigest() + ' ' + str(n) + '\\n').encode() + bytes(i % 251 for i in range("
            + replyBytes + ")))",
        "    except OSError:",
        "        pass  # a readiness probe goes away without reading",
        "    c.close()")};
  }

  /** A server that sends "hello\n" to each client, waits half a second, then closes with SO_LINGER 0: a RST. */
  static String[] resettingServer(String address, int port) {
    return new String[] {"python3", "-c", String.join("\n",
        "import socket, struct, time",
        "s = socket.socket(" + family(address) + "); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
        "s.bind(('" + address + "', " + port + ")); s.listen(8)",
        "while True:",
        "    c, _ = s.accept()",
        "    try:",
        "        c.sendall(b'hello\\n'); time.sleep(0.5)",
        "        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))",
        "    except OSError:",
        "        pass",
        "    c.close()")};
  }

  /** A UDP server that sends each datagram back to its sender. */
  static String[] udpEchoServer(String address, int port) {
    return new String[] {"python3", "-c", String.join("\n",
        "import socket",
        "s = socket.socket(" + family(address) + ", socket.SOCK_DGRAM)",
        "s.bind(('" + address + "', " + port + "))",
        "while True:",
        "    b, a = s.recvfrom(65535); s.sendto(b, a)")};
  }

  /**
   * The guest's side of {@link #halfCloseServer}: sends {@code requestBytes} of pattern ({@code i %
   * 253}), shuts down its output, reads to end-of-stream, and prints its own digest line, the
   * server's, and the reply's length and whether it is the expected pattern.
   */
  static String[] halfCloseClient(String address, int port, int requestBytes, int replyBytes) {
    return new String[] {"python3", "-c", String.join("\n",
        "import socket, hashlib",
        "c = socket.create_connection(('" + address + "', " + port + "), timeout=20)",
        "req = bytes(i % 253 for i in range(" + requestBytes + ")); c.sendall(req); c.shutdown(socket.SHUT_WR)",
        "data = b''",
        "while True:",
        "    b = c.recv(65536)",
        "    if not b: break",
        "    data += b",
        "line, _, rest = data.partition(b'\\n')",
        "print(hashlib.sha256(req).hexdigest() + ' ' + str(len(req)))",
        "print(line.decode())",
        "print(len(rest), rest == bytes(i % 251 for i in range(" + replyBytes + ")))")};
  }

  /** Asserts what {@link #halfCloseClient} printed: the server read it all, and it read all the reply. */
  static void assertHalfClosed(String output, int replyBytes) {
    String[] lines = output.strip().split("\n");
    assertThat(lines).hasSize(3);
    assertThat(lines[1]).as("the server's digest of what it read to end-of-stream").isEqualTo(lines[0]);
    assertThat(lines[2]).isEqualTo(replyBytes + " True");
  }
}
