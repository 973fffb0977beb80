package dev.sluice.nio;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.wire.DropReason;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link SluiceDatagramChannel} between two stacks, written as NIO programs are: datagrams both
 * ways with their senders, a request/reply exchange on selectors, connected filtering, truncation,
 * and the misuse exceptions, which are checked against the JDK's own {@code DatagramChannel} on
 * 127.0.0.1.
 */
@Timeout(60)
class DatagramChannelTest {
  private static final InetSocketAddress CLIENT = new InetSocketAddress(InetAddress.ofLiteral("198.18.0.1"), 0);

  @ParameterizedTest(name = "spray={0}")
  @ValueSource(booleans = {false, true})
  void datagrams_crossBothWays_withTheirSenders(boolean spray) throws Exception {
    try (NioStacks net = new NioStacks(spray);
        DatagramChannel server = net.serverProvider().openDatagramChannel();
        DatagramChannel client = net.clientProvider().openDatagramChannel()) {
      server.bind(new InetSocketAddress(53));
      assertThat(client.getLocalAddress()).as("unbound until the first send").isNull();

      int sent = client.send(ascii("question"), NioStacks.server(53));
      assertThat(sent).isEqualTo(8);
      int clientPort = ((InetSocketAddress) client.getLocalAddress()).getPort();
      assertThat(clientPort).as("bound implicitly to an ephemeral port").isPositive();

      ByteBuffer in = ByteBuffer.allocate(100);
      SocketAddress from = server.receive(in);
      assertThat(text(in)).isEqualTo("question");
      assertThat(from).isEqualTo(new InetSocketAddress(CLIENT.getAddress(), clientPort));

      server.send(ascii("answer"), from);
      ByteBuffer reply = ByteBuffer.allocateDirect(100);
      assertThat(client.receive(reply)).isEqualTo(NioStacks.server(53));
      assertThat(text(reply)).isEqualTo("answer");

      client.send(ascii("over IPv6"), NioStacks.server6(53));
      in.clear();
      from = server.receive(in);
      assertThat(text(in)).isEqualTo("over IPv6");
      assertThat(from).isEqualTo(new InetSocketAddress(InetAddress.ofLiteral("2001:2::1"), clientPort));
    }
  }

  /** A DNS-like exchange: a server answering each query on a selector, a client on another. */
  @ParameterizedTest(name = "spray={0}")
  @ValueSource(booleans = {false, true})
  void requestReply_overSelectors_answersEveryQuery(boolean spray) throws Exception {
    int queries = 40;
    try (NioStacks net = new NioStacks(spray);
        Selector serverSelector = net.serverProvider().openSelector();
        DatagramChannel server = net.serverProvider().openDatagramChannel()) {
      server.bind(new InetSocketAddress(5353)).configureBlocking(false);
      server.register(serverSelector, SelectionKey.OP_READ);
      Thread responder = Thread.ofPlatform().name("responder").start(() -> answer(serverSelector, server));

      Map<Integer, String> answers = new HashMap<>();
      try (Selector selector = net.clientProvider().openSelector();
          DatagramChannel client = net.clientProvider().openDatagramChannel()) {
        client.configureBlocking(false);
        client.connect(NioStacks.server(5353));
        SelectionKey key = client.register(selector, SelectionKey.OP_READ | SelectionKey.OP_WRITE);
        assertThat(selector.selectNow()).isEqualTo(1);
        assertThat(key.readyOps()).as("nothing to read yet, writable at once").isEqualTo(SelectionKey.OP_WRITE);
        selector.selectedKeys().clear();
        key.interestOps(SelectionKey.OP_READ);

        ByteBuffer in = ByteBuffer.allocate(512);
        long deadline = System.nanoTime() + 30_000_000_000L;
        for (int id = 0; id < queries; id++) {
          client.write(ascii("query " + id));
          while (!answers.containsKey(id) && System.nanoTime() < deadline) {
            selector.select(1_000);
            for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
              SelectionKey k = it.next();
              it.remove();
              assertThat(k.isReadable()).isTrue();
              in.clear();
              int n;
              while ((n = client.read(in)) > 0) {
                String answer = text(in);
                answers.put(Integer.parseInt(answer.substring(answer.lastIndexOf(' ') + 1)), answer);
                in.clear();
              }
              assertThat(n).as("nothing queued: a non-blocking read returns 0").isZero();
            }
          }
        }
      }
      serverSelector.wakeup();
      responder.interrupt();
      responder.join(5_000);
      assertThat(answers).hasSize(queries);
      for (int id = 0; id < queries; id++) {
        assertThat(answers.get(id)).isEqualTo("answer to query " + id);
      }
    }
  }

  private static void answer(Selector selector, DatagramChannel server) {
    ByteBuffer in = ByteBuffer.allocate(512);
    try {
      while (!Thread.currentThread().isInterrupted()) {
        selector.select();
        selector.selectedKeys().clear();
        SocketAddress from;
        in.clear();
        while ((from = server.receive(in)) != null) {
          server.send(ascii("answer to " + text(in)), from);
          in.clear();
        }
      }
    } catch (IOException | java.nio.channels.ClosedSelectorException e) {
      // the test is over
    }
  }

  @ParameterizedTest(name = "spray={0}")
  @ValueSource(booleans = {false, true})
  void connectedChannel_dropsDatagramsFromOthers(boolean spray) throws Exception {
    try (NioStacks net = new NioStacks(spray);
        DatagramChannel server = net.serverProvider().openDatagramChannel();
        DatagramChannel peer = net.clientProvider().openDatagramChannel();
        DatagramChannel stranger = net.clientProvider().openDatagramChannel()) {
      server.bind(new InetSocketAddress(7000));
      peer.bind(new InetSocketAddress(7001));
      stranger.bind(new InetSocketAddress(7002));
      InetSocketAddress peerAddress = new InetSocketAddress(CLIENT.getAddress(), 7001);
      server.connect(peerAddress);
      assertThat(server.isConnected()).isTrue();
      assertThat(server.getRemoteAddress()).isEqualTo(peerAddress);
      assertThat(server.getLocalAddress()).isEqualTo(NioStacks.server(7000));

      long dropsBefore = noSocketDrops(net);
      stranger.send(ascii("stranger"), NioStacks.server(7000));
      long deadline = System.nanoTime() + 20_000_000_000L;
      while (noSocketDrops(net) == dropsBefore && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
      assertThat(noSocketDrops(net)).as("the stranger's datagram dropped as for no socket").isEqualTo(dropsBefore + 1);

      server.configureBlocking(false);
      assertThat(server.receive(ByteBuffer.allocate(10))).isNull();
      peer.send(ascii("peer"), NioStacks.server(7000));
      server.configureBlocking(true);
      ByteBuffer in = ByteBuffer.allocate(10);
      assertThat(server.read(in)).isEqualTo(4);
      assertThat(text(in)).isEqualTo("peer");

      server.disconnect();
      assertThat(server.isConnected()).isFalse();
      assertThat(server.getRemoteAddress()).isNull();
      stranger.send(ascii("welcome"), NioStacks.server(7000));
      in.clear();
      assertThat(server.receive(in)).isEqualTo(new InetSocketAddress(CLIENT.getAddress(), 7002));
      assertThat(text(in)).isEqualTo("welcome");
    }
  }

  @Test
  void nonBlockingReceive_withNothingQueued_returnsNull_andLeavesTheBuffer() throws Exception {
    try (NioStacks net = new NioStacks(false);
        DatagramChannel channel = net.serverProvider().openDatagramChannel()) {
      channel.configureBlocking(false);
      channel.bind(null);
      ByteBuffer in = ByteBuffer.allocate(10);
      assertThat(channel.receive(in)).isNull();
      assertThat(in.position()).isZero();
    }
  }

  @ParameterizedTest(name = "spray={0}")
  @ValueSource(booleans = {false, true})
  void longDatagram_isTruncated_andTheRestDiscarded(boolean spray) throws Exception {
    try (NioStacks net = new NioStacks(spray);
        DatagramChannel server = net.serverProvider().openDatagramChannel();
        DatagramChannel client = net.clientProvider().openDatagramChannel()) {
      server.bind(new InetSocketAddress(9000));
      client.connect(NioStacks.server(9000));
      byte[] digits = new byte[100];
      for (int i = 0; i < digits.length; i++) {
        digits[i] = (byte) i;
      }
      client.write(ByteBuffer.wrap(digits));
      ByteBuffer small = ByteBuffer.allocateDirect(10);
      assertThat(server.receive(small)).isNotNull();
      small.flip();
      for (int i = 0; i < 10; i++) {
        assertThat(small.get()).isEqualTo((byte) i);
      }

      client.write(new ByteBuffer[] {ascii("gath"), ascii("ered")});
      ByteBuffer whole = ByteBuffer.allocate(100);
      assertThat(server.receive(whole)).as("the next datagram, not the rest of the first").isNotNull();
      assertThat(text(whole)).isEqualTo("gathered");

      server.connect(client.getLocalAddress());
      client.write(ascii("scattered!"));
      ByteBuffer[] parts = {ByteBuffer.allocate(3), ByteBuffer.allocate(4)};
      assertThat(server.read(parts)).isEqualTo(7);
      assertThat(text(parts[0]) + text(parts[1])).isEqualTo("scatter");
    }
  }

  @Test
  void datagramLongerThanTheMtu_isMessageTooLong_asTheJdkSaysForEmsgsize() throws Exception {
    try (NioStacks net = new NioStacks(false);
        DatagramChannel sluice = net.clientProvider().openDatagramChannel();
        DatagramChannel jdk = DatagramChannel.open()) {
      ByteBuffer big = ByteBuffer.allocate(1_600);
      assertThatThrownBy(() -> sluice.send(big, NioStacks.server(9)))
          .isExactlyInstanceOf(SocketException.class).hasMessageStartingWith("Message too long");
      assertThat(big.position()).as("nothing consumed").isZero();
      InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 9);
      assertThatThrownBy(() -> sluice.send(ByteBuffer.allocate(70_000), NioStacks.server(9)))
          .isExactlyInstanceOf(SocketException.class).hasMessageStartingWith("Message too long");
      assertThatThrownBy(() -> jdk.send(ByteBuffer.allocate(70_000), loopback))
          .isExactlyInstanceOf(SocketException.class).hasMessageStartingWith("Message too long");
    }
  }

  @Test
  void blockingReceive_wokenByClose_throwsAsynchronousCloseException() throws Exception {
    try (NioStacks net = new NioStacks(false)) {
      DatagramChannel channel = net.serverProvider().openDatagramChannel().bind(null);
      AtomicReference<Throwable> failure = new AtomicReference<>();
      Thread receiver = Thread.ofPlatform().start(() -> receiveOnce(channel, failure));
      awaitParkedIn(receiver, SluiceDatagramChannel.class);
      channel.close();
      receiver.join(10_000);
      assertThat(receiver.isAlive()).isFalse();
      assertThat(failure.get()).isExactlyInstanceOf(AsynchronousCloseException.class);
    }
  }

  @Test
  void blockingReceive_interrupted_throwsClosedByInterruptException_andClosesTheChannel() throws Exception {
    try (NioStacks net = new NioStacks(false)) {
      DatagramChannel channel = net.serverProvider().openDatagramChannel().bind(null);
      AtomicReference<Throwable> failure = new AtomicReference<>();
      Thread receiver = Thread.ofPlatform().start(() -> receiveOnce(channel, failure));
      awaitParkedIn(receiver, SluiceDatagramChannel.class);
      receiver.interrupt();
      receiver.join(10_000);
      assertThat(receiver.isAlive()).isFalse();
      assertThat(failure.get()).isExactlyInstanceOf(ClosedByInterruptException.class);
      assertThat(channel.isOpen()).isFalse();
    }
  }

  @Test
  void options_areKept_andUnsupportedOnesRefused() throws Exception {
    try (NioStacks net = new NioStacks(false);
        DatagramChannel channel = net.serverProvider().openDatagramChannel()) {
      channel.setOption(StandardSocketOptions.SO_RCVBUF, 100_000).setOption(StandardSocketOptions.SO_SNDBUF, 50_000)
          .setOption(StandardSocketOptions.SO_REUSEADDR, true).setOption(StandardSocketOptions.SO_BROADCAST, true);
      assertThat(channel.getOption(StandardSocketOptions.SO_RCVBUF)).isEqualTo(100_000);
      assertThat(channel.getOption(StandardSocketOptions.SO_SNDBUF)).isEqualTo(50_000);
      assertThat(channel.getOption(StandardSocketOptions.SO_REUSEADDR)).isTrue();
      assertThat(channel.getOption(StandardSocketOptions.SO_BROADCAST)).isTrue();
      assertThat(channel.supportedOptions()).contains(StandardSocketOptions.SO_RCVBUF,
          StandardSocketOptions.SO_SNDBUF, StandardSocketOptions.SO_REUSEADDR, StandardSocketOptions.SO_BROADCAST);
      assertThatThrownBy(() -> channel.getOption(StandardSocketOptions.IP_TOS))
          .isExactlyInstanceOf(UnsupportedOperationException.class);
      assertThatThrownBy(() -> channel.join(InetAddress.ofLiteral("239.1.2.3"), null))
          .isExactlyInstanceOf(UnsupportedOperationException.class);
    }
  }

  @ParameterizedTest(name = "spray={0}")
  @ValueSource(booleans = {false, true})
  void socketView_sendsAndReceivesPackets_asADatagramSocket(boolean spray) throws Exception {
    try (NioStacks net = new NioStacks(spray)) {
      DatagramSocket server = net.serverProvider().openDatagramChannel().socket();
      DatagramSocket client = net.clientProvider().openDatagramChannel().socket();
      try (server; client) {
        assertThat(server.isBound()).isFalse();
        server.bind(new InetSocketAddress(6000));
        assertThat(server.getLocalPort()).isEqualTo(6000);
        server.setSoTimeout(20_000);
        assertThat(client.getChannel().socket()).as("one view per channel").isSameAs(client);

        byte[] query = "view query".getBytes(US_ASCII);
        client.send(new DatagramPacket(query, query.length, NioStacks.server(6000)));
        DatagramPacket in = new DatagramPacket(new byte[100], 100);
        server.receive(in);
        assertThat(new String(in.getData(), in.getOffset(), in.getLength(), US_ASCII)).isEqualTo("view query");
        assertThat(in.getSocketAddress()).isEqualTo(new InetSocketAddress(CLIENT.getAddress(), client.getLocalPort()));

        server.connect(in.getSocketAddress());
        assertThat(server.isConnected()).isTrue();
        assertThat(server.getPort()).isEqualTo(client.getLocalPort());
        byte[] reply = "view reply".getBytes(US_ASCII);
        server.send(new DatagramPacket(reply, reply.length)); // no address: to the peer
        DatagramPacket back = new DatagramPacket(new byte[4], 4);
        client.setSoTimeout(20_000);
        client.receive(back);
        assertThat(new String(back.getData(), 0, back.getLength(), US_ASCII)).as("truncated").isEqualTo("view");
        assertThat(back.getSocketAddress()).isEqualTo(NioStacks.server(6000));

        client.setSoTimeout(50);
        assertThatThrownBy(() -> client.receive(new DatagramPacket(new byte[4], 4)))
            .isExactlyInstanceOf(SocketTimeoutException.class);
        assertThat(client.isClosed()).as("a timeout leaves the socket open").isFalse();
      }
      assertThat(server.isClosed()).isTrue();
      assertThat(server.getChannel().isOpen()).isFalse();
    }
  }

  @Test
  void socketView_misuse_throwsWhatTheJdksAdaptorThrows() throws Exception {
    try (NioStacks net = new NioStacks(false);
        DatagramChannel jdkPeer = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      InetSocketAddress loopbackPeer = (InetSocketAddress) jdkPeer.getLocalAddress();
      List<String> jdk = socketMisuses(DatagramChannel.open(), loopbackPeer, new InetSocketAddress(loopbackPeer.getAddress(), 9));
      List<String> sluice = socketMisuses(net.clientProvider().openDatagramChannel(), NioStacks.server(4000),
          NioStacks.server(4001));
      assertThat(sluice).isEqualTo(jdk);
      assertThat(sluice).containsExactly("unbound port 0", "IllegalArgumentException", "IllegalBlockingModeException",
          "closed port -1", "closed local null", "SocketException");
    }
  }

  /** What the socket view of {@code channel} does on a series of misuses, as comparable strings. */
  private static List<String> socketMisuses(DatagramChannel channel, InetSocketAddress peer, InetSocketAddress other) {
    List<String> outcomes = new ArrayList<>();
    DatagramSocket socket = channel.socket();
    outcomes.add("unbound port " + socket.getLocalPort());
    try {
      socket.connect(peer);
      socket.send(new DatagramPacket(new byte[1], 1, other));
      outcomes.add("sent elsewhere while connected");
    } catch (Exception e) {
      outcomes.add(e.getClass().getSimpleName());
    }
    try {
      channel.configureBlocking(false);
      socket.receive(new DatagramPacket(new byte[1], 1));
      outcomes.add("received while non-blocking");
    } catch (Exception e) {
      outcomes.add(e.getClass().getSimpleName());
    }
    try {
      channel.configureBlocking(true);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    socket.close();
    outcomes.add("closed port " + socket.getLocalPort());
    outcomes.add("closed local " + socket.getLocalSocketAddress());
    try {
      socket.send(new DatagramPacket(new byte[1], 1, peer));
      outcomes.add("sent after close");
    } catch (Exception e) {
      outcomes.add(e.getClass().getSimpleName());
    }
    return outcomes;
  }

  @Test
  void blockingReceive_wokenByTheStackClosing_throwsSocketException() throws Exception {
    try (NioStacks net = new NioStacks(false);
        DatagramChannel channel = net.serverProvider().openDatagramChannel().bind(null)) {
      AtomicReference<Throwable> failure = new AtomicReference<>();
      Thread receiver = Thread.ofPlatform().start(() -> receiveOnce(channel, failure));
      awaitParkedIn(receiver, SluiceDatagramChannel.class);
      net.server.close();
      receiver.join(10_000);
      assertThat(receiver.isAlive()).isFalse();
      assertThat(failure.get()).isExactlyInstanceOf(SocketException.class).hasMessageContaining("stack was closed");
    }
  }

  // ------------------------------------------------------------------ misuse, against the JDK

  /** Where a misuse case runs: how to open a channel, and addresses that route from it. */
  private record World(String name, ChannelOpener open, InetSocketAddress peer, InetSocketAddress other) {}

  @FunctionalInterface
  private interface ChannelOpener {
    DatagramChannel open() throws IOException;
  }

  @FunctionalInterface
  private interface Misuse {
    Object run(World w, DatagramChannel c) throws Exception;
  }

  private record Case(String name, String expected, Misuse misuse) {}

  private static final Case[] MISUSES = {
      new Case("read unconnected", "NotYetConnectedException", (w, c) -> c.read(ByteBuffer.allocate(8))),
      new Case("write unconnected", "NotYetConnectedException", (w, c) -> c.write(ascii("x"))),
      new Case("scattering read unconnected", "NotYetConnectedException",
          (w, c) -> c.read(new ByteBuffer[] {ByteBuffer.allocate(8)})),
      new Case("gathering write unconnected", "NotYetConnectedException",
          (w, c) -> c.write(new ByteBuffer[] {ascii("x")})),
      new Case("bind twice", "AlreadyBoundException", (w, c) -> c.bind(null).bind(null)),
      new Case("bind after connect", "AlreadyBoundException", (w, c) -> c.connect(w.peer()).bind(null)),
      new Case("connect twice", "AlreadyConnectedException", (w, c) -> c.connect(w.peer()).connect(w.peer())),
      new Case("send elsewhere while connected", "AlreadyConnectedException",
          (w, c) -> c.connect(w.peer()).send(ascii("x"), w.other())),
      new Case("send to the peer while connected", "1", (w, c) -> c.connect(w.peer()).send(ascii("x"), w.peer())),
      new Case("send to an unresolved name", "UnresolvedAddressException",
          (w, c) -> c.send(ascii("x"), InetSocketAddress.createUnresolved("example.invalid", 53))),
      new Case("send to null", "NullPointerException", (w, c) -> c.send(ascii("x"), null)),
      new Case("receive into a read-only buffer", "IllegalArgumentException",
          (w, c) -> c.receive(ByteBuffer.allocate(8).asReadOnlyBuffer())),
      new Case("bind a bound port", "BindException", (w, c) -> {
        try (DatagramChannel first = w.open().open()) {
          first.bind(null);
          return c.bind(new InetSocketAddress(((InetSocketAddress) first.getLocalAddress()).getPort()));
        }
      }),
      new Case("unsupported option", "UnsupportedOperationException",
          (w, c) -> c.setOption(StandardSocketOptions.TCP_NODELAY, true)),
      new Case("negative receive buffer", "IllegalArgumentException",
          (w, c) -> c.setOption(StandardSocketOptions.SO_RCVBUF, -1)),
      new Case("null option value", "IllegalArgumentException",
          (w, c) -> c.setOption(StandardSocketOptions.SO_BROADCAST, null)),
      new Case("local address unbound", "null", (w, c) -> c.getLocalAddress()),
      new Case("remote address unconnected", "null", (w, c) -> c.getRemoteAddress()),
      new Case("empty write, connected", "0", (w, c) -> c.connect(w.peer()).write(ByteBuffer.allocate(0))),
      new Case("empty read, connected", "0", (w, c) -> c.connect(w.peer()).read(ByteBuffer.allocate(0))),
      new Case("disconnect unconnected", "value", (w, c) -> c.disconnect()),
      new Case("send after close", "ClosedChannelException", (w, c) -> closed(c).send(ascii("x"), w.peer())),
      new Case("receive after close", "ClosedChannelException", (w, c) -> closed(c).receive(ByteBuffer.allocate(8))),
      new Case("read after close", "ClosedChannelException", (w, c) -> closed(c).read(ByteBuffer.allocate(8))),
      new Case("connect after close", "ClosedChannelException", (w, c) -> closed(c).connect(w.peer())),
      new Case("bind after close", "ClosedChannelException", (w, c) -> closed(c).bind(null)),
      new Case("local address after close", "ClosedChannelException", (w, c) -> closed(c).getLocalAddress()),
      new Case("option after close", "ClosedChannelException",
          (w, c) -> closed(c).getOption(StandardSocketOptions.SO_BROADCAST)),
      new Case("disconnect after close", "value", (w, c) -> closed(c).disconnect()),
      new Case("connected after close", "false", (w, c) -> closed(c.connect(w.peer())).isConnected()),
  };

  @Test
  void misuse_throwsWhatTheJdksOwnDatagramChannelThrows() throws Exception {
    try (NioStacks net = new NioStacks(false);
        DatagramChannel jdkPeer = DatagramChannel.open();
        DatagramChannel jdkOther = DatagramChannel.open()) {
      InetAddress loopback = InetAddress.getLoopbackAddress();
      jdkPeer.bind(new InetSocketAddress(loopback, 0));
      jdkOther.bind(new InetSocketAddress(loopback, 0));
      World jdk = new World("JDK", DatagramChannel::open,
          new InetSocketAddress(loopback, ((InetSocketAddress) jdkPeer.getLocalAddress()).getPort()),
          new InetSocketAddress(loopback, ((InetSocketAddress) jdkOther.getLocalAddress()).getPort()));
      World sluice = new World("Sluice", () -> net.clientProvider().openDatagramChannel(),
          NioStacks.server(4000), NioStacks.server(4001));
      for (Case c : MISUSES) {
        String theirs = outcome(jdk, c.misuse());
        String ours = outcome(sluice, c.misuse());
        assertThat(theirs).as("the JDK, " + c.name()).isEqualTo(c.expected());
        assertThat(ours).as("Sluice, " + c.name()).isEqualTo(c.expected());
      }
    }
  }

  private static DatagramChannel closed(DatagramChannel c) throws IOException {
    c.close();
    return c;
  }

  /** The simple name of what {@code misuse} threw, or what it returned: a number, a boolean, null or "value". */
  private static String outcome(World w, Misuse misuse) throws IOException {
    try (DatagramChannel c = w.open().open()) {
      Object result = misuse.run(w, c);
      return result == null || result instanceof Number || result instanceof Boolean
          ? String.valueOf(result) : "value";
    } catch (Exception e) {
      return e.getClass().getSimpleName();
    }
  }

  // ------------------------------------------------------------------ helpers

  private static void receiveOnce(DatagramChannel channel, AtomicReference<Throwable> failure) {
    try {
      channel.receive(ByteBuffer.allocate(10));
      failure.set(new AssertionError("received a datagram nobody sent"));
    } catch (Throwable t) {
      failure.set(t);
    }
  }

  /** Waits (bounded) until {@code t} is parked inside a method of {@code where}. */
  static void awaitParkedIn(Thread t, Class<?> where) throws InterruptedException {
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (System.nanoTime() < deadline) {
      if (t.getState() == Thread.State.WAITING) {
        for (StackTraceElement e : t.getStackTrace()) {
          if (e.getClassName().startsWith(where.getName())) {
            return;
          }
        }
      }
      Thread.sleep(1);
    }
    throw new AssertionError("the thread never blocked in " + where.getSimpleName() + ": " + t.getState());
  }

  private static long noSocketDrops(NioStacks net) throws IOException {
    return net.serverProvider().host().hostDrops().getOrDefault(DropReason.UDP_NO_SOCKET, 0L);
  }

  static ByteBuffer ascii(String s) {
    return ByteBuffer.wrap(s.getBytes(US_ASCII));
  }

  /** The bytes put into {@code b} (position 0 to its position) as ASCII. */
  static String text(ByteBuffer b) {
    ByteBuffer view = b.duplicate().flip();
    byte[] bytes = new byte[view.remaining()];
    view.get(bytes);
    return new String(bytes, US_ASCII);
  }
}
