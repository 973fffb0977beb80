package dev.sluice.gateway.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Socks5Connector}, {@link Socks5Handshake} and {@link Socks5Datagrams} against a fake proxy
 * played by the test on loopback: the bytes of RFC 1928 and RFC 1929 as sent, each reply code
 * mapped onto the exception that tells the guest what a kernel socket would, and a proxy that
 * stalls, drips, lies about lengths or cannot be reached (bounded time, a clear exception, one log
 * line). Also {@link Socks5Proxy#parse}. No root needed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class Socks5ConnectorTest {
  /** Only bytes in requests: no packet goes to it. */
  private static final InetSocketAddress DESTINATION = new InetSocketAddress(ip("198.18.222.5"), 8080);
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  private final List<String> log = new CopyOnWriteArrayList<>();
  private final List<AutoCloseable> toClose = new CopyOnWriteArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : toClose) {
      c.close();
    }
  }

  /** The proxy's side of one connection, played by the test. */
  interface Script {
    void play(DataInputStream in, OutputStream out, Socket socket) throws Exception;
  }

  /** A fake proxy on loopback that plays {@code script} on its first connection. */
  private FakeProxy fakeProxy(Script script) throws IOException {
    return fakeProxy(1, script);
  }

  /** A fake proxy on loopback that plays {@code script} on each of its first {@code connections}. */
  private FakeProxy fakeProxy(int connections, Script script) throws IOException {
    FakeProxy proxy = new FakeProxy(new ServerSocket(0, 4, InetAddress.getLoopbackAddress()), connections, script);
    toClose.add(proxy);
    return proxy;
  }

  private final class FakeProxy implements AutoCloseable {
    final ServerSocket server;
    final CompletableFuture<Void> done = new CompletableFuture<>();

    FakeProxy(ServerSocket server, int connections, Script script) {
      this.server = server;
      Thread.ofVirtual().start(() -> {
        try {
          for (int i = 0; i < connections; i++) {
            try (Socket s = server.accept()) {
              s.setSoTimeout(20_000);
              script.play(new DataInputStream(s.getInputStream()), s.getOutputStream(), s);
            }
          }
          done.complete(null);
        } catch (Throwable e) {
          done.completeExceptionally(e);
        }
      });
    }

    Socks5Connector connector() {
      return Socks5ConnectorTest.this.connector(new Socks5Proxy((InetSocketAddress) server.getLocalSocketAddress()));
    }

    /** Waits for the script to end, failing the test with what it failed on. */
    void await() throws Exception {
      done.get(20, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }

  private Socks5Connector connector(Socks5Proxy proxy) {
    return new Socks5Connector(proxy, TIMEOUT, log::add);
  }

  /** Reads n bytes, as hex. */
  private static String hex(DataInputStream in, int n) throws IOException {
    byte[] b = new byte[n];
    in.readFully(b);
    return HexFormat.of().formatHex(b);
  }

  private static void write(OutputStream out, String hex) throws IOException {
    out.write(HexFormat.of().parseHex(hex));
    out.flush();
  }

  /**
   * Answers a no-authentication greeting, checks the CONNECT to {@link #DESTINATION}, replies {@code
   * reply}; as often as it is connected to, up to {@code connections} times.
   */
  private FakeProxy replying(int reply, int connections) throws IOException {
    return fakeProxy(connections, (in, out, s) -> {
      assertThat(hex(in, 3)).isEqualTo("050100");
      write(out, "0500");
      assertThat(hex(in, 10)).isEqualTo("050100" + "01c612de05" + "1f90");
      write(out, "05" + String.format("%02x", reply) + "00" + "01" + "00000000" + "0000");
      in.read(); // until the connector closes
    });
  }

  // ------------------------------------------------------------------ CONNECT

  @Test
  void connect_sendsRfc1928Bytes_andTheSocketCarriesWhatFollowsTheReply() throws Exception {
    FakeProxy proxy = fakeProxy((in, out, s) -> {
      assertThat(hex(in, 3)).as("version 5, one method: no authentication").isEqualTo("050100");
      write(out, "0500");
      assertThat(hex(in, 10)).as("CONNECT, IPv4 198.18.222.5, port 8080").isEqualTo("05010001c612de051f90");
      // The reply and the destination's first bytes in one write: the connector must read no further.
      out.write(ByteBuffer.allocate(10 + 6).put(HexFormat.of().parseHex("05000001c0a80001d431"))
          .put("hello\n".getBytes(StandardCharsets.US_ASCII)).array());
      assertThat(new String(in.readNBytes(5), StandardCharsets.US_ASCII)).isEqualTo("ping\n");
    });
    try (Socket socket = proxy.connector().connect(DESTINATION, TIMEOUT)) {
      assertThat(socket.getSoTimeout()).as("the relay's reads are not bounded by the handshake's").isZero();
      assertThat(new String(socket.getInputStream().readNBytes(6), StandardCharsets.US_ASCII)).isEqualTo("hello\n");
      socket.getOutputStream().write("ping\n".getBytes(StandardCharsets.US_ASCII));
      proxy.await();
    }
    assertThat(log).isEmpty();
  }

  @Test
  void connect_toAnIpv6Destination_usesAddressType4() throws Exception {
    FakeProxy proxy = fakeProxy((in, out, s) -> {
      in.readFully(new byte[3]);
      write(out, "0500");
      assertThat(hex(in, 22)).isEqualTo("050100" + "04" + "20010002000000000000000000000007" + "0050");
      write(out, "0500000400000000000000000000000000000000" + "0000"); // BND ::, 0
    });
    try (Socket socket = proxy.connector().connect(new InetSocketAddress(ip("2001:2::7"), 80), TIMEOUT)) {
      proxy.await();
      assertThat(socket.isConnected()).isTrue();
    }
  }

  @Test
  void replyConnectionRefused_isARefusal_asTheKernelSaysIt() throws Exception {
    FakeProxy proxy = replying(5, 1);
    assertThatThrownBy(() -> proxy.connector().connect(DESTINATION, TIMEOUT))
        .isExactlyInstanceOf(ConnectException.class).hasMessageStartingWith("Connection refused");
    proxy.await();
  }

  @Test
  void replyNotAllowedByRuleset_isARefusal_soTheGuestGetsARst() throws Exception {
    FakeProxy proxy = replying(2, 1);
    assertThatThrownBy(() -> proxy.connector().connect(DESTINATION, TIMEOUT))
        .isExactlyInstanceOf(ConnectException.class).hasMessageContaining("refused").hasMessageContaining("ruleset");
    proxy.await();
  }

  @Test
  void replyNetworkOrHostUnreachable_isNoRouteToHost_soTheGuestGetsIcmpUnreachable() throws Exception {
    for (int reply : new int[] {3, 4}) {
      FakeProxy proxy = replying(reply, 1);
      assertThatThrownBy(() -> proxy.connector().connect(DESTINATION, TIMEOUT))
          .as("reply " + reply).isExactlyInstanceOf(NoRouteToHostException.class);
      proxy.await();
    }
  }

  @Test
  void replyGeneralFailureTtlExpiredOrAddressTypeNotSupported_leaveTheSynUnanswered() throws Exception {
    for (int reply : new int[] {1, 6, 8}) {
      FakeProxy proxy = replying(reply, 1);
      assertThatThrownBy(() -> proxy.connector().connect(DESTINATION, TIMEOUT))
          .as("reply " + reply).isInstanceOf(IOException.class)
          .isNotInstanceOf(ConnectException.class).isNotInstanceOf(NoRouteToHostException.class)
          .isNotInstanceOf(Socks5Handshake.ProxyFault.class).hasMessageContaining("reply " + reply);
      proxy.await();
    }
    assertThat(log).as("the destination's trouble, not the proxy's").isEmpty();
  }

  @Test
  void anUnknownReplyCode_isTheProxysFault_loggedOnce() throws Exception {
    FakeProxy proxy = replying(0x42, 3);
    Socks5Connector connector = proxy.connector();
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> connector.connect(DESTINATION, TIMEOUT))
          .isInstanceOf(Socks5Handshake.ProxyFault.class).hasMessageContaining("unknown code 66");
    }
    proxy.await();
    assertThat(log).hasSize(1);
  }

  // ------------------------------------------------------------------ a broken or hostile proxy

  @Test
  void aProxyThatNeverAnswers_costsTheConnectTimeout_andATimeout() throws Exception {
    FakeProxy proxy = fakeProxy((in, out, s) -> in.readAllBytes()); // reads the greeting, says nothing
    assertThatThrownBy(() -> proxy.connector().connect(DESTINATION, Duration.ofMillis(300)))
        .isInstanceOf(SocketTimeoutException.class).hasMessageContaining("did not answer in time");
  }

  @Test
  void aProxyThatDripsItsReply_isBoundedByOneDeadlineForTheWholeHandshake_notPerRead() throws Exception {
    FakeProxy proxy = fakeProxy((in, out, s) -> {
      in.readFully(new byte[3]);
      write(out, "0500");
      in.readFully(new byte[10]);
      for (String b : List.of("05", "00", "00", "01", "00", "00", "00", "00", "00", "00")) { // 10 bytes, 150 ms apart
        write(out, b);
        Thread.sleep(150);
      }
    });
    assertThatThrownBy(() -> proxy.connector().connect(DESTINATION, Duration.ofMillis(600)))
        .isInstanceOf(SocketTimeoutException.class);
  }

  @Test
  void garbage_aWrongVersion_aBadAddressType_oraLengthItDoesNotSend_areProxyFaults() throws Exception {
    List<String> replies = List.of(
        "0400", // SOCKS4's version in the method reply
        "0500" + "0600000100000000", // version 6 in the reply
        "0500" + "05000009", // address type 9
        "0500" + "05000003ff6162"); // a domain of 255 bytes, then the proxy closes after 2
    for (String reply : replies) {
      FakeProxy proxy = fakeProxy((in, out, s) -> {
        in.readFully(new byte[3]);
        write(out, reply.substring(0, 4));
        if (reply.length() > 4) {
          in.readFully(new byte[10]);
          write(out, reply.substring(4));
        }
      });
      assertThatThrownBy(() -> proxy.connector().connect(DESTINATION, TIMEOUT))
          .as(reply).isInstanceOf(Socks5Handshake.ProxyFault.class).hasMessageContaining("SOCKS5 proxy at");
      proxy.await();
    }
    assertThat(log).as("a line each time the fault changes").hasSize(4);
  }

  @Test
  void aProxyThatCannotBeReached_isNotARefusalOfTheDestination_andIsLoggedOnce_thenItsReturnToo() throws Exception {
    InetSocketAddress address;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      address = (InetSocketAddress) probe.getLocalSocketAddress();
    } // closed: nothing listens there now
    Socks5Connector connector = connector(new Socks5Proxy(address));
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> connector.connect(DESTINATION, TIMEOUT))
          .isInstanceOf(Socks5Handshake.ProxyFault.class).isNotInstanceOf(ConnectException.class)
          .hasMessageContaining("cannot be reached");
    }
    assertThat(log).hasSize(1);
    assertThat(log.get(0)).contains("the SOCKS5 proxy at 127.0.0.1:" + address.getPort() + " cannot be reached");

    ServerSocket again = new ServerSocket();
    again.setReuseAddress(true);
    again.bind(address);
    FakeProxy proxy = new FakeProxy(again, 1, (in, out, s) -> {
      in.readFully(new byte[3]);
      write(out, "0500");
      in.readFully(new byte[10]);
      write(out, "05000001000000000000");
    });
    toClose.add(proxy);
    connector.connect(DESTINATION, TIMEOUT).close();
    proxy.await();
    assertThat(log).hasSize(2);
    assertThat(log.get(1)).endsWith("answers again");
  }

  // ------------------------------------------------------------------ RFC 1929

  @Test
  void usernameAndPassword_areSentAsRfc1929Says_whenTheProxyPicksThem() throws Exception {
    FakeProxy proxy = fakeProxy((in, out, s) -> {
      assertThat(hex(in, 4)).as("two methods: none and username/password").isEqualTo("05020002");
      write(out, "0502");
      assertThat(hex(in, 1 + 1 + 5 + 1 + 8)).isEqualTo("01" + "05" + hex("alice") + "08" + hex("s3cr:t@x"));
      write(out, "0100");
      assertThat(hex(in, 10)).isEqualTo("05010001c612de051f90");
      write(out, "05000001000000000000");
    });
    Socks5Proxy withPassword = Socks5Proxy.parse("alice:s3cr:t@x@" + proxy.server.getInetAddress().getHostAddress()
        + ":" + proxy.server.getLocalPort());
    connector(withPassword).connect(DESTINATION, TIMEOUT).close();
    proxy.await();
  }

  @Test
  void aRejectedPassword_isTheProxysFault_notTheDestinations() throws Exception {
    FakeProxy proxy = fakeProxy((in, out, s) -> {
      in.readFully(new byte[4]);
      write(out, "0502");
      in.readFully(new byte[1 + 1 + 1 + 1 + 1]);
      write(out, "0101");
    });
    Socks5Proxy withPassword = new Socks5Proxy((InetSocketAddress) proxy.server.getLocalSocketAddress(), "a", "b");
    assertThatThrownBy(() -> connector(withPassword).connect(DESTINATION, TIMEOUT))
        .isInstanceOf(Socks5Handshake.ProxyFault.class).hasMessageContaining("rejected the username and password");
    assertThat(log).singleElement().asString().contains("rejected the username and password");
  }

  @Test
  void aProxyThatWantsAPasswordWeDoNotHave_saysSo() throws Exception {
    FakeProxy proxy = fakeProxy((in, out, s) -> {
      in.readFully(new byte[3]);
      write(out, "05ff");
    });
    assertThatThrownBy(() -> proxy.connector().connect(DESTINATION, TIMEOUT))
        .isInstanceOf(Socks5Handshake.ProxyFault.class).hasMessageContaining("accepts none of our methods");
  }

  // ------------------------------------------------------------------ UDP ASSOCIATE

  @Test
  void udpAssociate_addsTheHeaderOnSend_andChecksAndRemovesItOnReceive_droppingWhatIsNotFromTheRelay()
      throws Exception {
    DatagramChannel relay = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    DatagramChannel stranger = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    toClose.add(relay);
    toClose.add(stranger);
    int relayPort = ((InetSocketAddress) relay.getLocalAddress()).getPort();
    CompletableFuture<InetSocketAddress> requested = new CompletableFuture<>();
    FakeProxy proxy = fakeProxy((in, out, s) -> {
      in.readFully(new byte[3]);
      write(out, "0500");
      assertThat(hex(in, 4)).as("UDP ASSOCIATE, IPv4").isEqualTo("05030001");
      byte[] address = in.readNBytes(4);
      requested.complete(new InetSocketAddress(InetAddress.getByAddress(address), in.readUnsignedShort()));
      // BND.ADDR 0.0.0.0: the relay is at the proxy's own address (127.0.0.1)
      write(out, "05000001" + "00000000" + String.format("%04x", relayPort));
      assertThat(in.read()).as("the association holds the TCP connection until closed").isEqualTo(-1);
    });
    Socks5Datagrams datagrams = (Socks5Datagrams) proxy.connector().openDatagrams(DESTINATION);
    toClose.add(datagrams);
    assertThat(datagrams.relay()).isEqualTo(relay.getLocalAddress());
    InetSocketAddress client = requested.get(5, TimeUnit.SECONDS);
    assertThat(client.getPort()).as("the request names the port we send from").isNotZero();

    InetSocketAddress dns = new InetSocketAddress(ip("198.18.222.9"), 53);
    datagrams.send(ByteBuffer.wrap("ping".getBytes(StandardCharsets.US_ASCII)), dns);
    ByteBuffer got = ByteBuffer.allocate(100);
    InetSocketAddress from = (InetSocketAddress) relay.receive(got);
    assertThat(from).as("sent from the address the request named").isEqualTo(client);
    assertThat(HexFormat.of().formatHex(got.array(), 0, got.position()))
        .isEqualTo("0000" + "00" + "01" + "c612de09" + "0035" + hex("ping"));

    relay.send(ByteBuffer.wrap(HexFormat.of().parseHex("0000" + "01" + "01c612de090035" + hex("frag"))), client);
    relay.send(ByteBuffer.wrap(HexFormat.of().parseHex("0000" + "00" + "01c612")), client); // header cut short
    relay.send(ByteBuffer.wrap(HexFormat.of().parseHex("0000" + "00" + "03" + "03616263" + "0035")), client); // domain
    stranger.send(ByteBuffer.wrap(HexFormat.of().parseHex("0000" + "00" + "01c612de090035" + hex("evil"))), client);
    relay.send(ByteBuffer.wrap(HexFormat.of().parseHex("0000" + "00" + "01c612de090035" + hex("pong!"))), client);
    ByteBuffer into = ByteBuffer.allocate(4); // shorter than "pong!": cut, as a datagram socket cuts
    assertThat(AwaitDatagram.from(datagrams, into, Duration.ofSeconds(5))).isEqualTo(dns);
    assertThat(new String(into.array(), 0, into.position(), StandardCharsets.US_ASCII)).isEqualTo("pong");
    assertThat(datagrams.fragments.sum()).isEqualTo(1);
    assertThat(datagrams.malformed.sum()).isEqualTo(2);
    assertThat(datagrams.notFromRelay.sum()).isEqualTo(1);

    datagrams.close();
    proxy.await(); // the proxy saw the TCP connection end
  }

  @Test
  void udpAssociate_endsWhenTheProxyClosesItsTcpConnection() throws Exception {
    FakeProxy proxy = fakeProxy((in, out, s) -> {
      in.readFully(new byte[3]);
      write(out, "0500");
      in.readFully(new byte[10]);
      write(out, "05000001" + "7f000001" + "0009"); // a relay at 127.0.0.1:9, then the proxy goes away
    });
    Socks5Datagrams datagrams = (Socks5Datagrams) proxy.connector().openDatagrams(DESTINATION);
    toClose.add(datagrams);
    proxy.await();
    // The socket turns readable (the watcher's datagram to itself), and what is read then is the end.
    assertThatThrownBy(() -> AwaitDatagram.from(datagrams, ByteBuffer.allocate(10), Duration.ofSeconds(5)))
        .isInstanceOf(SocketException.class).hasMessageContaining("closed the UDP association");
    assertThat(datagrams.notFromRelay.sum()).as("the watcher's own datagram is not a stranger's").isZero();
  }

  // ------------------------------------------------------------------ parsing and the command line

  @Test
  void parse_acceptsHostPort_credentials_andBracketedIpv6() {
    Socks5Proxy plain = Socks5Proxy.parse("127.0.0.1:1080");
    assertThat(plain.address()).isEqualTo(new InetSocketAddress(ip("127.0.0.1"), 1080));
    assertThat(plain.hasCredentials()).isFalse();
    Socks5Proxy auth = Socks5Proxy.parse("bob:p:w@d@127.0.0.1:1");
    assertThat(auth.username()).isEqualTo("bob");
    assertThat(auth.password()).isEqualTo("p:w@d");
    assertThat(auth.toString()).isEqualTo("bob@127.0.0.1:1").doesNotContain("p:w@d");
    assertThat(Socks5Proxy.parse("[::1]:1080").address()).isEqualTo(new InetSocketAddress(ip("::1"), 1080));
    assertThat(Socks5Proxy.parse("[::1]:1080").toString()).isEqualTo("[0:0:0:0:0:0:0:1]:1080");
  }

  @Test
  void parse_rejectsEachBadValue_withOneLineThatHidesThePassword() {
    for (String bad : List.of("127.0.0.1", "127.0.0.1:", ":1080", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:x",
        "::1:1080", "bob@127.0.0.1:1080", ":secret@127.0.0.1:1080", "bob:@127.0.0.1:1080",
        "bob:secret@127.0.0.1", "a".repeat(256) + ":secret@127.0.0.1:1")) {
      assertThatThrownBy(() -> Socks5Proxy.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("secret").doesNotContain("\n"));
    }
  }

  private static String hex(String ascii) {
    return HexFormat.of().formatHex(ascii.getBytes(StandardCharsets.UTF_8));
  }

  private static InetAddress ip(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (IOException e) {
      throw new IllegalArgumentException(e);
    }
  }
}
