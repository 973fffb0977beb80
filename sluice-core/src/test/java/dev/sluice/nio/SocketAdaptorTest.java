package dev.sluice.nio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ServerSocketFactory;
import javax.net.SocketFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The blocking {@link Socket} and {@link ServerSocket} views of Sluice's channels, made by the
 * stacks' {@code javax.net} factories, used as any blocking program uses sockets: streams both
 * ways, {@code SO_TIMEOUT} on reads and accepts, half-close, an abortive close, connect failures
 * and timeouts, and the blocking-mode and interrupt rules of the JDK's adaptors. Each runs with
 * the stacks' receive spraying off and on. How misuse fails, compared with the JDK's own sockets,
 * is {@link SocketAdaptorMisuseTest}.
 */
@Timeout(60)
class SocketAdaptorTest {
  /** How long a call that should succeed may block: generous, the machine is shared. */
  private static final int WAIT_MS = 20_000;
  /** A timeout that is meant to expire. */
  private static final int SHORT_MS = 200;

  private final ExecutorService background = Executors.newCachedThreadPool();

  @AfterEach
  void stopBackground() throws InterruptedException {
    background.shutdownNow();
    assertThat(background.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
  }

  /** A connected pair made through the factories: the client's socket and the one accepted. */
  private record Pair(Socket client, Socket accepted, ServerSocket server) implements AutoCloseable {
    static Pair open(NioStacks net) throws IOException {
      ServerSocket server = net.server.serverSocketFactory().createServerSocket(0, 8);
      server.setSoTimeout(WAIT_MS);
      int port = server.getLocalPort();
      Socket client = net.client.socketFactory().createSocket(NioStacks.server(port).getAddress(), port);
      Socket accepted = server.accept();
      client.setSoTimeout(WAIT_MS);
      accepted.setSoTimeout(WAIT_MS);
      return new Pair(client, accepted, server);
    }

    @Override
    public void close() throws IOException {
      client.close();
      accepted.close();
      server.close();
    }
  }

  private <T> Future<T> inBackground(Callable<T> task) {
    return background.submit(task);
  }

  private static byte[] random(int length, long seed) {
    byte[] bytes = new byte[length];
    new SplittableRandom(seed).nextBytes(bytes);
    return bytes;
  }

  private static byte[] readExactly(Socket socket, int length) throws IOException {
    byte[] bytes = new byte[length];
    new DataInputStream(socket.getInputStream()).readFully(bytes);
    return bytes;
  }

  @ParameterizedTest(name = "spray={0}")
  @ValueSource(booleans = {false, true})
  void streams_carryEveryByte_inBothDirectionsAtOnce(boolean spray) throws Exception {
    try (NioStacks net = new NioStacks(spray); Pair p = Pair.open(net)) {
      byte[] up = random(400_000, 1);
      byte[] down = random(300_000, 2);
      Future<?> upWriter = inBackground(() -> {
        OutputStream out = p.client().getOutputStream();
        for (int off = 0; off < up.length; off += 7_001) { // odd chunks: boundaries fall anywhere
          out.write(up, off, Math.min(7_001, up.length - off));
        }
        return null;
      });
      Future<?> downWriter = inBackground(() -> {
        p.accepted().getOutputStream().write(down);
        return null;
      });
      Future<byte[]> upReader = inBackground(() -> readExactly(p.accepted(), up.length));
      byte[] downReceived = readExactly(p.client(), down.length);

      upWriter.get(WAIT_MS, TimeUnit.MILLISECONDS);
      downWriter.get(WAIT_MS, TimeUnit.MILLISECONDS);
      assertThat(Arrays.equals(upReader.get(WAIT_MS, TimeUnit.MILLISECONDS), up)).as("client to server").isTrue();
      assertThat(Arrays.equals(downReceived, down)).as("server to client").isTrue();
    }
  }

  @ParameterizedTest(name = "spray={0}")
  @ValueSource(booleans = {false, true})
  void addressesAndState_describeTheConnection_fromBothEnds(boolean spray) throws Exception {
    try (NioStacks net = new NioStacks(spray); Pair p = Pair.open(net)) {
      InetAddress clientAddress = InetAddress.ofLiteral("198.18.0.1");
      InetAddress serverAddress = InetAddress.ofLiteral("198.18.0.2");
      int port = p.server().getLocalPort();
      assertThat(p.client().getInetAddress()).isEqualTo(serverAddress);
      assertThat(p.client().getPort()).isEqualTo(port);
      assertThat(p.client().getLocalAddress()).isEqualTo(clientAddress);
      assertThat(p.accepted().getInetAddress()).isEqualTo(clientAddress);
      assertThat(p.accepted().getPort()).isEqualTo(p.client().getLocalPort());
      assertThat(p.accepted().getLocalPort()).isEqualTo(port);
      assertThat(p.accepted().getRemoteSocketAddress()).isEqualTo(p.client().getLocalSocketAddress());
      assertThat(p.client().toString())
          .isEqualTo("Socket[addr=/198.18.0.2,port=" + port + ",localport=" + p.client().getLocalPort() + "]");
      assertThat(p.client().isConnected()).isTrue();
      assertThat(p.client().isBound()).isTrue();
      assertThat(p.client().getChannel().provider()).isSameAs(net.client.selectorProvider());
      assertThat(p.client().getChannel().socket()).isSameAs(p.client());
      assertThat(p.server().getChannel().provider()).isSameAs(net.server.selectorProvider());
      assertThat(p.server().toString()).isEqualTo("ServerSocket[addr=0.0.0.0/0.0.0.0,localport=" + port + "]");

      p.client().close();
      assertThat(p.client().isClosed()).isTrue();
      assertThat(p.client().getPort()).as("the remote end is still known after close").isEqualTo(port);
    }
  }

  @ParameterizedTest(name = "spray={0}")
  @ValueSource(booleans = {false, true})
  void soTimeout_endsAReadWithSocketTimeoutException_andALaterReadGetsEveryByte(boolean spray) throws Exception {
    try (NioStacks net = new NioStacks(spray); Pair p = Pair.open(net)) {
      InputStream in = p.client().getInputStream();
      p.client().setSoTimeout(SHORT_MS);
      for (int i = 0; i < 2; i++) {
        assertThatThrownBy(in::read).isInstanceOf(SocketTimeoutException.class).hasMessage("Read timed out");
      }
      assertThat(p.client().isClosed()).isFalse();
      assertThat(p.client().isConnected()).isTrue();

      byte[] sent = "after the timeouts".getBytes(StandardCharsets.US_ASCII);
      p.accepted().getOutputStream().write(sent);
      p.client().setSoTimeout(WAIT_MS);
      assertThat(readExactly(p.client(), sent.length)).isEqualTo(sent);
      // The socket still works both ways after its timeouts.
      p.client().getOutputStream().write(sent);
      assertThat(readExactly(p.accepted(), sent.length)).isEqualTo(sent);
    }
  }

  @ParameterizedTest(name = "spray={0}")
  @ValueSource(booleans = {false, true})
  void available_countsWhatArrived_withoutBlocking(boolean spray) throws Exception {
    try (NioStacks net = new NioStacks(spray); Pair p = Pair.open(net)) {
      InputStream in = p.client().getInputStream();
      assertThat(in.available()).isZero();
      p.accepted().getOutputStream().write(new byte[100]);
      assertThat(in.read()).isZero(); // waits for the bytes; one is taken
      // The rest may still be crossing the link: wait, bounded, until all 99 are counted.
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
      while (in.available() < 99 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(in.available()).isEqualTo(99);
      assertThat(in.readNBytes(99)).hasSize(99);
      assertThat(in.available()).isZero();
    }
  }

  @ParameterizedTest(name = "spray={0}")
  @ValueSource(booleans = {false, true})
  void shutdownOutput_halfCloses_andThePeerStillAnswers(boolean spray) throws Exception {
    try (NioStacks net = new NioStacks(spray); Pair p = Pair.open(net)) {
      byte[] request = random(50_000, 3);
      byte[] response = random(70_000, 4);
      OutputStream clientOut = p.client().getOutputStream();
      clientOut.write(request);
      p.client().shutdownOutput();
      assertThat(p.client().isOutputShutdown()).isTrue();
      assertThat(p.client().isInputShutdown()).isFalse();

      assertThat(p.accepted().getInputStream().readAllBytes()).as("the request, then end-of-stream")
          .isEqualTo(request);
      p.accepted().getOutputStream().write(response);
      p.accepted().close();
      assertThat(p.client().getInputStream().readAllBytes()).as("the response after our FIN").isEqualTo(response);

      // As the JDK's adaptor: a stream taken before the shutdown fails with the channel's exception,
      // a new one cannot be had, and a second shutdown is harmless.
      assertThatThrownBy(() -> clientOut.write(1)).isInstanceOf(ClosedChannelException.class);
      assertThatThrownBy(() -> p.client().getOutputStream()).isInstanceOf(SocketException.class)
          .hasMessage("Socket output is shutdown");
      p.client().shutdownOutput();
    }
  }

  @ParameterizedTest(name = "spray={0}")
  @ValueSource(booleans = {false, true})
  void shutdownInput_makesReadsReturnEndOfStream(boolean spray) throws Exception {
    try (NioStacks net = new NioStacks(spray); Pair p = Pair.open(net)) {
      InputStream in = p.client().getInputStream();
      p.client().shutdownInput();
      assertThat(p.client().isInputShutdown()).isTrue();
      assertThat(in.read()).isEqualTo(-1);
      assertThat(in.available()).isZero();
      assertThatThrownBy(() -> p.client().getInputStream()).isInstanceOf(SocketException.class)
          .hasMessage("Socket input is shutdown");
      // Output still works.
      p.client().getOutputStream().write(42);
      assertThat(p.accepted().getInputStream().read()).isEqualTo(42);
    }
  }

  @ParameterizedTest(name = "spray={0}")
  @ValueSource(booleans = {false, true})
  void soLingerZero_closeResets_andThePeersReadThrowsConnectionReset(boolean spray) throws Exception {
    try (NioStacks net = new NioStacks(spray); Pair p = Pair.open(net)) {
      p.client().getOutputStream().write(1);
      assertThat(p.accepted().getInputStream().read()).isEqualTo(1);
      p.client().setSoLinger(true, 0);
      assertThat(p.client().getSoLinger()).isZero();
      p.client().close();
      // Without SO_LINGER 0 this read would see a FIN and return -1.
      assertThatThrownBy(() -> p.accepted().getInputStream().read())
          .isInstanceOf(SocketException.class).hasMessageStartingWith("Connection reset");
    }
  }

  @ParameterizedTest(name = "spray={0}")
  @ValueSource(booleans = {false, true})
  void acceptTimeout_throwsSocketTimeoutException_andTheServerSocketStillAccepts(boolean spray) throws Exception {
    try (NioStacks net = new NioStacks(spray);
        ServerSocket server = net.server.serverSocketFactory().createServerSocket(0)) {
      server.setSoTimeout(SHORT_MS);
      assertThatThrownBy(server::accept).isInstanceOf(SocketTimeoutException.class).hasMessage("Accept timed out");
      assertThat(server.isClosed()).isFalse();

      server.setSoTimeout(WAIT_MS);
      try (Socket client = net.client.socketFactory().createSocket("198.18.0.2", server.getLocalPort());
          Socket accepted = server.accept()) {
        assertThat(accepted.getPort()).isEqualTo(client.getLocalPort());
        assertThat(accepted.getChannel().isBlocking()).isTrue();
      }
    }
  }

  @Test
  void factories_makeUnconnected_connected_andBoundSockets_onTheirStack() throws Exception {
    try (NioStacks net = new NioStacks(false)) {
      SocketFactory sockets = net.client.socketFactory();
      ServerSocketFactory servers = net.server.serverSocketFactory();
      try (ServerSocket unbound = servers.createServerSocket()) {
        assertThat(unbound.isBound()).isFalse();
        assertThat(unbound.toString()).isEqualTo("ServerSocket[unbound]");
        unbound.bind(null);
        assertThat(unbound.getLocalPort()).as("an ephemeral port").isPositive();
      }
      assertThatThrownBy(() -> servers.createServerSocket(70_000)).isInstanceOf(IllegalArgumentException.class)
          .hasMessage("Port value out of range: 70000");

      try (ServerSocket server = servers.createServerSocket(0, 3, InetAddress.ofLiteral("198.18.0.2"))) {
        server.setSoTimeout(WAIT_MS);
        int port = server.getLocalPort();
        InetAddress serverAddress = InetAddress.ofLiteral("198.18.0.2");

        Socket unconnected = sockets.createSocket();
        assertThat(unconnected.isConnected()).isFalse();
        assertThat(unconnected.isBound()).isFalse();
        assertThat(unconnected.toString()).isEqualTo("Socket[unconnected]");
        unconnected.connect(NioStacks.server(port), WAIT_MS);
        assertThat(unconnected.isConnected()).isTrue();
        server.accept().close();
        unconnected.close();

        try (Socket byName = sockets.createSocket("198.18.0.2", port)) {
          assertThat(byName.getInetAddress()).isEqualTo(serverAddress);
          server.accept().close();
        }
        try (Socket fromAddress = sockets.createSocket(serverAddress, port, InetAddress.ofLiteral("198.18.0.1"), 0)) {
          assertThat(fromAddress.getLocalAddress()).isEqualTo(InetAddress.ofLiteral("198.18.0.1"));
          server.accept().close();
        }
        try (Socket v6 = sockets.createSocket(NioStacks.server6(port).getAddress(), port)) {
          assertThat(v6.getLocalAddress()).isEqualTo(InetAddress.ofLiteral("2001:2::1"));
          server.accept().close();
        }
        // Sluice picks the local port, and the source address by route: asking otherwise fails.
        assertThatThrownBy(() -> sockets.createSocket(serverAddress, port, null, 4_000))
            .isInstanceOf(BindException.class);
        assertThatThrownBy(() -> sockets.createSocket(NioStacks.server6(port).getAddress(), port,
            InetAddress.ofLiteral("198.18.0.1"), 0)).isInstanceOf(BindException.class);
      }
    }
  }

  @ParameterizedTest(name = "spray={0}")
  @ValueSource(booleans = {false, true})
  void connect_toAPortWithoutListener_isRefused_andClosesTheSocket(boolean spray) throws Exception {
    try (NioStacks net = new NioStacks(spray)) {
      Socket socket = net.client.socketFactory().createSocket();
      assertThatThrownBy(() -> socket.connect(NioStacks.server(9), WAIT_MS)).isInstanceOf(ConnectException.class);
      assertThat(socket.isClosed()).isTrue();
      assertThatThrownBy(() -> net.client.socketFactory().createSocket("198.18.0.2", 9))
          .isInstanceOf(ConnectException.class);
    }
  }

  @ParameterizedTest(name = "spray={0}")
  @ValueSource(booleans = {false, true})
  void connectTimeout_toAnAddressNobodyAnswers_throwsSocketTimeoutException_andClosesTheSocket(boolean spray)
      throws Exception {
    try (NioStacks net = new NioStacks(spray)) {
      Socket socket = net.client.socketFactory().createSocket();
      // 198.18.0.3 is on the link's subnet but no host has it: the SYN goes unanswered.
      InetSocketAddress nobody = new InetSocketAddress(InetAddress.ofLiteral("198.18.0.3"), 80);
      assertThatThrownBy(() -> socket.connect(nobody, SHORT_MS)).isInstanceOf(SocketTimeoutException.class)
          .hasMessage("Connect timed out");
      assertThat(socket.isClosed()).isTrue();
    }
  }

  @ParameterizedTest(name = "spray={0}")
  @ValueSource(booleans = {false, true})
  void nonBlockingChannel_refusesBlockingSocketCalls_withIllegalBlockingModeException(boolean spray)
      throws Exception {
    try (NioStacks net = new NioStacks(spray); Pair p = Pair.open(net)) {
      p.client().getChannel().configureBlocking(false);
      InputStream in = p.client().getInputStream(); // allowed, as in the JDK; using it is not
      assertThatThrownBy(in::read).isInstanceOf(IllegalBlockingModeException.class);
      assertThatThrownBy(() -> p.client().getOutputStream().write(1)).isInstanceOf(IllegalBlockingModeException.class);
      assertThat(in.available()).isZero();

      Socket unconnected = net.client.socketFactory().createSocket();
      unconnected.getChannel().configureBlocking(false);
      assertThatThrownBy(() -> unconnected.connect(NioStacks.server(p.server().getLocalPort())))
          .isInstanceOf(IllegalBlockingModeException.class);
      unconnected.close();

      p.server().getChannel().configureBlocking(false);
      assertThatThrownBy(() -> p.server().accept()).as("non-blocking, nothing queued, SO_TIMEOUT set")
          .isInstanceOf(IllegalBlockingModeException.class);
      p.server().setSoTimeout(0);
      assertThatThrownBy(() -> p.server().accept()).as("non-blocking, nothing queued")
          .isInstanceOf(IllegalBlockingModeException.class);
    }
  }

  @ParameterizedTest(name = "spray={0}")
  @ValueSource(booleans = {false, true})
  void blockedRead_endsWithAsynchronousClose_whenAnotherThreadCloses(boolean spray) throws Exception {
    try (NioStacks net = new NioStacks(spray); Pair p = Pair.open(net)) {
      AtomicReference<Throwable> failure = new AtomicReference<>();
      Thread reader = blockedReader(p.client(), failure);
      p.client().close();
      reader.join(WAIT_MS);
      assertThat(failure.get()).isInstanceOf(AsynchronousCloseException.class);
    }
  }

  @ParameterizedTest(name = "spray={0}")
  @ValueSource(booleans = {false, true})
  void blockedRead_interrupted_closesTheSocket_withClosedByInterruptException(boolean spray) throws Exception {
    try (NioStacks net = new NioStacks(spray); Pair p = Pair.open(net)) {
      AtomicReference<Throwable> failure = new AtomicReference<>();
      Thread reader = blockedReader(p.client(), failure);
      reader.interrupt();
      reader.join(WAIT_MS);
      assertThat(failure.get()).isInstanceOf(ClosedByInterruptException.class);
      assertThat(p.client().isClosed()).as("the interrupt closed the socket").isTrue();
      assertThat(p.accepted().getInputStream().read()).as("the peer sees our FIN").isEqualTo(-1);
    }
  }

  /** A thread blocked reading {@code socket} (nothing is sent to it); what ends its read goes to {@code failure}. */
  private static Thread blockedReader(Socket socket, AtomicReference<Throwable> failure) throws Exception {
    InputStream in = socket.getInputStream();
    Thread reader = Thread.ofPlatform().name("blocked-reader").start(() -> {
      try {
        in.read();
        failure.set(new AssertionError("the read returned"));
      } catch (Throwable t) {
        failure.set(t);
      }
    });
    // Parked in the read (nothing is sent), not merely started: bounded, the machine may be slow.
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
    while (reader.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    Thread.sleep(SHORT_MS);
    assertThat(reader.getState()).as("blocked in read").isEqualTo(Thread.State.TIMED_WAITING);
    return reader;
  }
}
