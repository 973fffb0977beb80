package dev.sluice.gateway.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.link.Direction;
import dev.sluice.link.SimulatedLink;
import dev.sluice.link.SimulatedNetwork;
import dev.sluice.stack.Host;
import dev.sluice.stack.HostConfig;
import dev.sluice.stack.UdpEndpoint;
import dev.sluice.wire.DropCounters;
import dev.sluice.wire.IcmpType;
import dev.sluice.wire.PacketDecoder;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.Pipe;
import java.nio.channels.SelectableChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link UdpFlows} without namespaces or root: the gateway on one end of a simulated link, a Sluice
 * guest on the other, and a scripted outside ({@link Outside}) whose behaviour the destination
 * port chooses. Proves what the kernel cannot be made to do on demand: an outside path that cannot
 * be opened, one that opens slowly (datagrams wait, in order, up to a bound), and one whose socket
 * reports a port unreachable, and that the sweep closes an idle flow's path.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UdpFlowsTest {
  private static final InetAddress OUTSIDE = InetAddress.ofLiteral("198.19.0.5");
  private static final int NO_ROUTE = 1;
  private static final int REFUSES = 2;
  private static final int SLOW = 3;
  private static final int ECHO = 4;
  private static final int ENDS = 5;

  private final Outside outside = new Outside();
  private final ConcurrentLinkedQueue<byte[]> arrivingAtGuest = new ConcurrentLinkedQueue<>();
  private final SimulatedNetwork network = new SimulatedNetwork(5);
  private final SimulatedLink link = network.connect("g0", "gw0", SimulatedLink.Config.defaults());
  private final Host guest = new Host(HostConfig.builder().buildWith(h -> h.workers = 1))
      .addInterface(link.a(), "198.18.0.1/24").addRoute("0.0.0.0/0", "198.18.0.2");
  private final GatewayHost gateway;
  private final AutoCloseable pump;

  UdpFlowsTest() throws Exception {
    gateway = new GatewayHost(link.b(), GatewayConfig.builder("198.18.0.2/24").outside(outside)
        .udpIdleTimeout(Duration.ofSeconds(1)).build());
    link.a().addTap((device, direction, buf, off, len, time) -> {
      if (direction == Direction.INBOUND) {
        arrivingAtGuest.add(Arrays.copyOfRange(buf, off, off + len));
      }
    });
    guest.start();
    pump = network.runInRealTime();
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
    guest.stop();
    pump.close();
  }

  private static InetSocketAddress to(int port) {
    return new InetSocketAddress(OUTSIDE, port);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("never happened: " + what);
      }
      Thread.sleep(10);
    }
  }

  /** The destination unreachable codes that reached the guest, with their sources. */
  private List<String> unreachables() {
    List<String> seen = new ArrayList<>();
    PacketDecoder d = new PacketDecoder(new DropCounters());
    for (byte[] p : arrivingAtGuest) {
      if (d.decodeIp(p, 0, p.length) == null && d.protocol() == 1
          && d.icmp().type() == IcmpType.V4_DESTINATION_UNREACHABLE) {
        seen.add("code " + d.icmp().code() + " from " + dev.sluice.wire.IpAddresses.formatIpv4(d.ipv4().source()));
      }
    }
    return seen;
  }

  @Test
  void anOutsidePathThatCannotBeOpened_isAHostUnreachableToTheGuest_andNoFlowIsLeft() throws Exception {
    UdpEndpoint socket = guest.bindUdp(40_000, 8);
    socket.send(bytes("x"), 0, 1, to(NO_ROUTE));
    await("the ICMP error", () -> !unreachables().isEmpty());
    assertThat(unreachables()).containsExactly("code 1 from 198.18.0.2");
    assertThat(gateway.udp().openFailed.sum()).isEqualTo(1);
    await("no flow", () -> gateway.udp().flows() == 0);
  }

  @Test
  void aPortUnreachableFromTheOutside_isAPortUnreachableToTheGuest_fromTheDestination() throws Exception {
    UdpEndpoint socket = guest.bindUdp(40_001, 8);
    socket.send(bytes("x"), 0, 1, to(REFUSES));
    await("the ICMP error", () -> !unreachables().isEmpty());
    assertThat(unreachables()).containsExactly("code 3 from 198.19.0.5");
    assertThat(gateway.udp().refused.sum()).isEqualTo(1);
    assertThat(gateway.udp().flows()).as("the flow lives on, as a Linux socket does").isEqualTo(1);
  }

  @Test
  void whileThePathOpens_datagramsWaitInOrder_upToTheBound_andTheRestAreDropped() throws Exception {
    UdpEndpoint socket = guest.bindUdp(40_002, 8);
    int sent = UdpFlows.WAITING + 4;
    for (int i = 0; i < sent; i++) {
      socket.send(bytes("d" + i), 0, ("d" + i).length(), to(SLOW));
    }
    await("the waiting and the dropped", () -> gateway.udp().dropped.sum() == 4);
    outside.slowOpen.countDown();
    await("the waiting ones sent", () -> outside.sent.size() == UdpFlows.WAITING);
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < UdpFlows.WAITING; i++) {
      expected.add("d" + i);
    }
    assertThat(outside.sent).containsExactlyElementsOf(expected);
  }

  @Test
  void answersReachTheGuest_andAnIdleFlowsPathIsClosedByTheSweep() throws Exception {
    UdpEndpoint socket = guest.bindUdp(40_003, 8);
    socket.connect(to(ECHO));
    socket.send(bytes("ping"), 0, 4, to(ECHO));
    DatagramPacket p = new DatagramPacket(new byte[16], 16);
    socket.receive(p, TimeUnit.SECONDS.toNanos(10));
    assertThat(new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII)).isEqualTo("ping");
    assertThat(p.getSocketAddress()).isEqualTo(to(ECHO));
    await("the idle flow closed", () -> gateway.udp().flows() == 0);
    assertThat(gateway.udp().idleClosed.sum()).isEqualTo(1);
    await("its path closed", () -> outside.closed == 1); // the flow leaves the table first
  }

  @Test
  void manyFlowsAnswersAllReachTheGuest_throughTheOneReader() throws Exception {
    int flows = 40;
    List<UdpEndpoint> sockets = new ArrayList<>();
    for (int i = 0; i < flows; i++) {
      UdpEndpoint socket = guest.bindUdp(41_000 + i, 8);
      socket.connect(to(ECHO));
      sockets.add(socket);
    }
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < flows; i++) {
        byte[] b = bytes("f" + i + "r" + round);
        sockets.get(i).send(b, 0, b.length, to(ECHO));
      }
      for (int i = 0; i < flows; i++) {
        DatagramPacket p = new DatagramPacket(new byte[16], 16);
        sockets.get(i).receive(p, TimeUnit.SECONDS.toNanos(10));
        assertThat(new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII)).isEqualTo("f" + i + "r" + round);
      }
    }
    await("every answer counted", () -> gateway.udp().toGuest.sum() == 3 * flows); // counted after it is sent
    assertThat(Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith(UdpAnswerReader.THREAD_NAME)).count())
        .as("one reader for all the flows, and no thread per flow").isEqualTo(1);
  }

  @Test
  void aPathItsFarEndEnded_endsItsFlowAtOnce_notAtTheSweep() throws Exception {
    UdpEndpoint socket = guest.bindUdp(40_004, 8);
    socket.send(bytes("x"), 0, 1, to(ENDS));
    await("the flow ended", () -> gateway.udp().flows() == 0);
    assertThat(gateway.udp().idleClosed.sum()).as("ended by its path, not by the sweep").isZero();
    await("its path closed", () -> outside.closed == 1); // the flow leaves the table first
  }

  /** The scripted outside: the destination port says how its path behaves. */
  private static final class Outside implements OutsideConnector {
    final CountDownLatch slowOpen = new CountDownLatch(1);
    final List<String> sent = java.util.Collections.synchronizedList(new ArrayList<>());
    volatile int closed;

    @Override
    public Socket connect(InetSocketAddress destination, Duration timeout) throws IOException {
      throw new IOException("no TCP in this test");
    }

    @Override
    public OutsideDatagrams openDatagrams(InetSocketAddress destination) throws IOException {
      switch (destination.getPort()) {
        case NO_ROUTE -> throw new NoRouteToHostException("No route to host");
        case SLOW -> {
          try {
            slowOpen.await();
          } catch (InterruptedException e) {
            throw new IOException(e);
          }
        }
        default -> { }
      }
      return new Path(destination.getPort());
    }

    @Override
    public String describe() {
      return "a script";
    }

    /**
     * A path whose readiness is a pipe: each event (an answer, a port unreachable, the far end
     * ending it) writes one byte, and each {@link #receiveNow} takes one byte and one event.
     */
    private final class Path implements OutsideDatagrams {
      private final int port;
      private final Pipe pipe;
      private final ConcurrentLinkedQueue<byte[]> answers = new ConcurrentLinkedQueue<>();
      private volatile boolean refusePending;
      private volatile boolean farEndEnded;
      private volatile boolean pathClosed;

      Path(int port) throws IOException {
        this.port = port;
        pipe = Pipe.open();
        pipe.source().configureBlocking(false);
      }

      private void signal() throws IOException {
        pipe.sink().write(ByteBuffer.allocate(1));
      }

      @Override
      public boolean send(ByteBuffer payload, InetSocketAddress destination) throws IOException {
        byte[] b = new byte[payload.remaining()];
        payload.get(b);
        sent.add(new String(b, StandardCharsets.US_ASCII));
        switch (port) {
          case ECHO -> answers.add(b);
          case REFUSES -> refusePending = true; // ECONNREFUSED answers a datagram sent, as on a connected socket
          case ENDS -> farEndEnded = true;
          default -> {
            return true;
          }
        }
        signal();
        return true;
      }

      @Override
      public SelectableChannel readiness() {
        return pipe.source();
      }

      @Override
      public InetSocketAddress receiveNow(ByteBuffer into) throws IOException {
        pipe.source().read(ByteBuffer.allocate(1));
        if (pathClosed) {
          throw new ClosedChannelException();
        }
        if (farEndEnded) {
          throw new SocketException("the far end ended the path");
        }
        if (refusePending) {
          refusePending = false;
          throw new PortUnreachableException("ICMP Port Unreachable");
        }
        byte[] b = answers.poll();
        if (b == null) {
          return null;
        }
        into.put(b);
        return to(port);
      }

      @Override
      public void close() throws IOException {
        pathClosed = true;
        closed++;
        pipe.source().close();
        pipe.sink().close();
      }
    }
  }
}
