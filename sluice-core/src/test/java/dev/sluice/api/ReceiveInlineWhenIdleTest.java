package dev.sluice.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.link.Device;
import dev.sluice.link.Direction;
import dev.sluice.link.Impairments;
import dev.sluice.link.PacketTap;
import dev.sluice.link.SimulatedLink;
import dev.sluice.link.SimulatedNetwork;
import dev.sluice.wire.TcpFlags;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link NetStack.Builder#receiveInlineWhenIdle} (on by default): a packet that finds its receive
 * worker parked is processed by the thread that delivered it, so the server's SYN-ACK leaves on
 * the client's connecting thread (on an in-process link with no delay, the sender's thread
 * delivers); with the setting off, or a worker that never parks, only workers process packets. A
 * tap on the server's interface records the thread that sends each SYN-ACK, which is the thread
 * that processed the SYN.
 *
 * <p>The workers are given 100 ms of quiet before each connect, far beyond their spin after work,
 * so they are parked when the SYN arrives; one may wake for housekeeping at that moment, so the
 * default case asks for most connects, not all.
 */
class ReceiveInlineWhenIdleTest {
  private static final int CONNECTS = 5;

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void parkedWorker_theDeliveringThreadProcessesTheSyn() throws Exception {
    List<String> senders = synAckSenders(b -> b);
    long onConnectingThread = senders.stream().filter(t -> t.startsWith("connector-")).count();
    assertThat(onConnectingThread).as("SYN-ACKs sent by the connecting thread: %s", senders)
        .isGreaterThanOrEqualTo(CONNECTS - 2);
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void settingOff_onlyWorkersProcessPackets() throws Exception {
    assertThat(synAckSenders(b -> b.receiveInlineWhenIdle(false))).hasSize(CONNECTS)
        .allMatch(t -> t.startsWith("sluice-worker-"));
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void workerThatNeverParks_takesEveryPacket() throws Exception {
    assertThat(synAckSenders(b -> b.idleStrategy(IdleStrategy.busySpin()))).hasSize(CONNECTS)
        .allMatch(t -> t.startsWith("sluice-worker-"));
  }

  /** Connects {@link #CONNECTS} times, each from a platform thread of its own after 100 ms of quiet. */
  private static List<String> synAckSenders(UnaryOperator<NetStack.Builder> settings) throws Exception {
    SimulatedNetwork network = new SimulatedNetwork(3);
    SimulatedLink link = network.connect("c0", "s0", SimulatedLink.Config.defaults().withImpairments(Impairments.NONE));
    ConcurrentLinkedQueue<String> senders = new ConcurrentLinkedQueue<>();
    link.b().addTap(new PacketTap() {
      @Override
      public void onPacket(Device device, Direction direction, byte[] buf, int off, int len, long timeNanos) {
        int tcp = off + (buf[off] & 0x0F) * 4;
        if (direction != Direction.INBOUND && buf[off + 9] == 6
            && (buf[tcp + 13] & (TcpFlags.SYN | TcpFlags.ACK)) == (TcpFlags.SYN | TcpFlags.ACK)) {
          senders.add(Thread.currentThread().getName());
        }
      }
    });
    NetStack client = settings.apply(NetStack.builder().addInterface(link.a(), "198.18.0.1/24")).build();
    NetStack server = settings.apply(NetStack.builder().addInterface(link.b(), "198.18.0.2/24")).build();
    InetSocketAddress address = new InetSocketAddress(InetAddress.ofLiteral("198.18.0.2"), 80);
    try (AutoCloseable pump = network.runInRealTime(); client; server; TcpServer listener = server.listen(80)) {
      for (int i = 0; i < CONNECTS; i++) {
        Thread.sleep(100);
        List<Exception> failure = new ArrayList<>();
        Thread connector = Thread.ofPlatform().name("connector-" + i).start(() -> {
          try (TcpConnection c = client.connect(address, Duration.ofSeconds(10))) {
            c.write(new byte[] {(byte) 7}, 0, 1);
          } catch (Exception e) {
            failure.add(e);
          }
        });
        try (TcpConnection accepted = listener.accept()) {
          byte[] one = new byte[1];
          assertThat(accepted.read(one, 0, 1)).isEqualTo(1);
          assertThat(one[0]).isEqualTo((byte) 7);
        }
        connector.join(10_000);
        assertThat(failure).isEmpty();
      }
    }
    return List.copyOf(senders);
  }
}
