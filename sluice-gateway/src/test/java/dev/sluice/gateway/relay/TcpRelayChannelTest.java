package dev.sluice.gateway.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.link.Impairments;
import dev.sluice.link.SimulatedLink;
import dev.sluice.link.SimulatedNetwork;
import dev.sluice.stack.Connection;
import dev.sluice.stack.Host;
import dev.sluice.stack.HostConfig;
import dev.sluice.stack.Listener;
import dev.sluice.stack.Steering;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link TcpRelay}'s channel mode, without namespaces: the "guest" is a Sluice host on an
 * in-process link to the gateway's host (both receiving inline, so the guest's segments are
 * received on the guest's writing thread), and the "outside" is a kernel socket on loopback.
 * The gateway tests run the same relay behind a real TUN device.
 */
class TcpRelayChannelTest {
  private static final long SECONDS_10 = TimeUnit.SECONDS.toNanos(10);

  private SimulatedNetwork network;
  private AutoCloseable realTime;
  private Host guestHost;
  private Host gatewayHost;
  private ServerSocketChannel outsideServer;
  private final CompletableFuture<TcpRelay.Ending> ending = new CompletableFuture<>();

  /** Both hosts receiving as {@code steering} says; the gateway's host with two workers. */
  private void start(Steering steering) throws IOException {
    network = new SimulatedNetwork(17);
    SimulatedLink link = network.connect("guest0", "sluice0",
        SimulatedLink.Config.defaults().withImpairments(Impairments.NONE));
    HostConfig config = HostConfig.builder().buildWith(h -> {
      h.steering = steering;
      h.workers = 2;
    });
    guestHost = new Host(config);
    gatewayHost = new Host(config);
    guestHost.addInterface(link.a(), "198.18.0.1/24");
    gatewayHost.addInterface(link.b(), "198.18.0.2/24");
    guestHost.start();
    gatewayHost.start();
    realTime = network.runInRealTime();
    outsideServer = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
  }

  @AfterEach
  void stop() throws Exception {
    if (network == null) {
      return;
    }
    outsideServer.close();
    realTime.close();
    guestHost.stop();
    gatewayHost.stop();
  }

  /** A guest connection relayed to an accepted outside socket: {guest, relay, outside}. */
  private record Flow(Connection guest, TcpRelay relay, SocketChannel outside) {}

  private Flow relayedFlow() throws IOException {
    return relayedFlow(gatewayHost.listen(80, 8), ending::complete);
  }

  private Flow relayedFlow(Listener listener, java.util.function.Consumer<TcpRelay.Ending> ended) throws IOException {
    Connection guest = guestHost.connect(new InetSocketAddress(InetAddress.ofLiteral("198.18.0.2"), 80));
    guest.awaitConnected(SECONDS_10);
    Connection accepted = listener.accept(SECONDS_10);
    guest.setNoDelay(true); // as the gateway sets its own ends: small requests go at once
    accepted.setNoDelay(true);
    Socket toOutside = SocketChannel.open(outsideServer.getLocalAddress()).socket();
    toOutside.setTcpNoDelay(true);
    SocketChannel outside = outsideServer.accept();
    outside.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
    TcpRelay relay = new TcpRelay(accepted, toOutside, TcpRelay.Origin.GUEST, (r, e) -> ended.accept(e));
    relay.start(TcpRelay.Threads.PLATFORM);
    return new Flow(guest, relay, outside);
  }

  @Test
  void requestsAndReplies_crossIntact_andTheGuestsBytesLeaveOnTheThreadThatReceivedThem() throws Exception {
    start(Steering.INLINE);
    Flow flow = relayedFlow();
    SplittableRandom random = new SplittableRandom(5);
    long sent = 0;
    for (int i = 0; i < 200; i++) {
      byte[] request = new byte[1 + random.nextInt(3000)];
      random.nextBytes(request);
      flow.guest().write(request, 0, request.length, 0);
      sent += request.length;
      byte[] arrived = readFully(flow.outside(), request.length);
      assertThat(arrived).as("request %d, outside", i).isEqualTo(request);
      flow.outside().write(ByteBuffer.wrap(arrived)); // the echo
      byte[] echoed = new byte[request.length];
      for (int got = 0; got < echoed.length; ) {
        got += flow.guest().read(echoed, got, echoed.length - got, SECONDS_10);
      }
      assertThat(echoed).as("reply %d, guest", i).isEqualTo(request);
    }
    // Each request is received on the guest's writing thread (inline, no delay), whose pump
    // writes it out before the write returns; only a request that found the flow's own thread
    // pumping (its first, say) goes out there.
    assertThat(flow.relay().bytesFromGuestOnStackExit()).as("of %d sent", sent).isGreaterThan(sent / 2);
  }

  @Test
  void aSlowOutside_getsEveryByteInOrder_andTheGuestsEndOfStreamAfterTheLast() throws Exception {
    start(Steering.INLINE);
    Flow flow = relayedFlow();
    byte[] data = new byte[24 * 1024 * 1024]; // more than the loopback socket buffers hold
    new SplittableRandom(6).nextBytes(data);
    CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
      try {
        flow.guest().write(data, 0, data.length, 0);
        flow.guest().shutdownOutput();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    Thread.sleep(300); // the outside reads nothing yet: the kernel's buffers fill, the relay waits
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    ByteBuffer buffer = ByteBuffer.allocate(8192); // read slowly, in small pieces
    while (true) {
      buffer.clear();
      int n = flow.outside().read(buffer);
      if (n < 0) {
        break;
      }
      got.write(buffer.array(), 0, n);
    }
    writer.get(30, TimeUnit.SECONDS);
    assertThat(got.size()).isEqualTo(data.length);
    assertThat(Arrays.equals(got.toByteArray(), data)).as("every byte, in order").isTrue();

    // The other direction ends too: the flow closes, and the guest reads the outside's FIN.
    flow.outside().write(ByteBuffer.wrap(new byte[] {42}));
    flow.outside().close();
    byte[] last = new byte[2];
    assertThat(flow.guest().read(last, 0, 2, SECONDS_10)).isOne();
    assertThat(last[0]).isEqualTo((byte) 42);
    assertThat(flow.guest().read(last, 0, 2, SECONDS_10)).isEqualTo(-1);
    assertThat(ending.get(10, TimeUnit.SECONDS)).isEqualTo(TcpRelay.Ending.CLOSED);
  }

  @Test
  void aGuestReset_resetsTheOutside() throws Exception {
    start(Steering.INLINE);
    Flow flow = relayedFlow();
    byte[] hello = {1, 2, 3};
    flow.guest().write(hello, 0, hello.length, 0);
    assertThat(readFully(flow.outside(), 3)).isEqualTo(hello);
    flow.guest().abort();
    assertThat(ending.get(10, TimeUnit.SECONDS)).isEqualTo(TcpRelay.Ending.GUEST_RESET);
    ByteBuffer buffer = ByteBuffer.allocate(16);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> {
      while (flow.outside().read(buffer) >= 0) {
        buffer.clear();
      }
    }).isInstanceOf(java.net.SocketException.class).hasMessageContaining("reset");
  }

  /**
   * Many flows at once, each written in random pieces by its own thread while another reads the
   * outside's echo, then half-closed: every byte comes back in order, once, and every flow ends
   * closed. With workers, readiness changes fire on the workers' steps, whose tasks wait until the
   * worker lets go of the connection; receiving inline, on the writers' threads. Four rounds by
   * default; a longer run: {@code -Dtest.argLine="... -Drounds=60"} (this found a pump that missed
   * bytes arriving as it finished, about once in 80 rounds under load: {@code TcpRelay.tryPump}).
   */
  @ParameterizedTest(name = "receive: {0}")
  @EnumSource(value = Steering.class, names = {"INLINE", "STEER"})
  void manyFlowsAtOnce_eachEchoedWholeAndInOrder_andEachEndsClosed(Steering steering) throws Exception {
    start(steering);
    int flows = 32;
    Listener listener = gatewayHost.listen(80, flows);
    for (int round = 0; round < Integer.getInteger("rounds", 4); round++) {
      manyFlowsAtOnce(listener, flows, round);
    }
  }

  private void manyFlowsAtOnce(Listener listener, int flows, int round) throws Exception {
    java.util.concurrent.ConcurrentLinkedQueue<TcpRelay.Ending> endings = new java.util.concurrent.ConcurrentLinkedQueue<>();
    java.util.List<CompletableFuture<Void>> done = new java.util.ArrayList<>();
    java.util.List<String> sizes = new java.util.ArrayList<>();
    java.util.List<Flow> started = new java.util.ArrayList<>();
    // Daemon threads, and never waited for: a flow that stalls fails the test at the deadline
    // below, and its threads end when the hosts stop.
    var threads = java.util.concurrent.Executors.newThreadPerTaskExecutor(Thread.ofPlatform().daemon().factory());
    try {
      for (int f = 0; f < flows; f++) {
        Flow flow = relayedFlow(listener, endings::add);
        SplittableRandom random = new SplittableRandom(1_000 * round + f);
        byte[] data = new byte[64 * 1024 + random.nextInt(512 * 1024)];
        random.nextBytes(data);
        started.add(flow);
        sizes.add(String.valueOf(data.length));
        threads.submit(() -> echo(flow.outside()));
        CompletableFuture<byte[]> echoed = CompletableFuture.supplyAsync(() -> readToEnd(flow.guest()), threads);
        done.add(CompletableFuture.runAsync(() -> {
          try {
            for (int sent = 0; sent < data.length; ) {
              int n = Math.min(data.length - sent, 1 + random.nextInt(32 * 1024));
              flow.guest().write(data, sent, n, 0);
              sent += n;
            }
            flow.guest().shutdownOutput();
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }, threads).thenCombine(echoed, (ignored, back) -> {
          assertThat(Arrays.equals(back, data)).as("a flow of %d bytes came back whole and in order", data.length)
              .isTrue();
          return null;
        }));
      }
      try {
        CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
        throw new AssertionError("round " + round + ": " + e + "\n" + describe(started, sizes), e);
      }
    } finally {
      threads.shutdownNow();
    }
    long deadline = System.nanoTime() + SECONDS_10;
    while (endings.size() < flows && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(endings).hasSize(flows).containsOnly(TcpRelay.Ending.CLOSED);
  }

  /** Each flow's relay, sizes and the relay threads' stacks: what a stalled run left behind. */
  private static String describe(java.util.List<Flow> flows, java.util.List<String> sizes) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < flows.size(); i++) {
      Flow f = flows.get(i);
      b.append(sizes.get(i)).append(" bytes: ").append(f.relay().snapshot()).append(", guest ")
          .append(f.guest().info()).append('\n');
    }
    Thread.getAllStackTraces().forEach((t, stack) -> {
      if (t.getName().startsWith("sluice-")) {
        b.append(t.getName()).append(' ').append(t.getState()).append('\n');
        for (StackTraceElement e : stack) {
          b.append("    ").append(e).append('\n');
        }
      }
    });
    return b.toString();
  }

  /** The outside's end: echoes until the relay passes the guest's end-of-stream, then closes. */
  private static void echo(SocketChannel outside) {
    try (outside) {
      ByteBuffer buffer = ByteBuffer.allocate(16 * 1024);
      while (outside.read(buffer) >= 0) {
        buffer.flip();
        while (buffer.hasRemaining()) {
          outside.write(buffer);
        }
        buffer.clear();
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static byte[] readToEnd(Connection guest) {
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    try {
      for (int n; (n = guest.read(buffer, 0, buffer.length, 30 * 1_000_000_000L)) >= 0; ) {
        got.write(buffer, 0, n);
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return got.toByteArray();
  }

  private static byte[] readFully(SocketChannel channel, int length) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(length);
    while (buffer.hasRemaining()) {
      if (channel.read(buffer) < 0) {
        throw new java.io.EOFException("after " + buffer.position() + " of " + length + " bytes");
      }
    }
    return buffer.array();
  }
}
