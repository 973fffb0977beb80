package dev.sluice.stack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.NetStack;
import dev.sluice.api.TcpConnection;
import dev.sluice.api.TcpServer;
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
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Receiving inline ({@link InlineReceiver}), the segments one application write sends are taken by
 * the peer as one burst once the write's drain is done, and ACKed once for the burst, as a receive
 * worker's gathering does ({@link ReceiveBurstTest}) and Linux's loopback does for a GRO-merged
 * segment: not one ACK per two full-sized segments, each sent back while the writer is still
 * sending. Two stacks on an in-process link with no delay, so every delivery happens on the
 * sending thread; a tap on the receiver's interface counts what each side sent.
 *
 * <p>The receiver holds the whole write unread while the ACKs are counted, and is read only after:
 * a reader that frees its buffer while the write goes on sends window updates, and a slow one
 * (a loaded CI machine) closes the window and opens it a few segments at a time, so the count
 * would measure the reader's scheduling, not how the bursts are ACKed.
 */
class InlineBurstTest {
  private static final int BYTES = 4 * 1024 * 1024;

  /**
   * With the writer receiving through workers, its ACK-clocked sending runs on its worker (which
   * owns the connection while it takes the ACKs): the worker's step is a scope, so what it sends
   * reaches the receiver as a burst too.
   */
  @ParameterizedTest(name = "writer receives inline: {0}")
  @ValueSource(booleans = {true, false})
  void aBulkWrite_isAckedOncePerBurst_andArrivesWholeAndInOrder(boolean writerInline) throws Exception {
    SimulatedNetwork network = new SimulatedNetwork(7);
    SimulatedLink link = network.connect("c0", "s0", SimulatedLink.Config.defaults().withImpairments(Impairments.NONE));
    AtomicInteger dataSegments = new AtomicInteger();
    AtomicInteger pureAcks = new AtomicInteger();
    link.b().addTap(new PacketTap() {
      @Override
      public void onPacket(Device device, Direction direction, byte[] buf, int off, int len, long timeNanos) {
        int ipHeader = (buf[off] & 0x0F) * 4;
        if (buf[off + 9] != 6) {
          return; // not TCP
        }
        int tcp = off + ipHeader;
        int payload = len - ipHeader - ((buf[tcp + 12] & 0xF0) >>> 2);
        int flags = buf[tcp + 13] & 0xFF;
        if (direction == Direction.INBOUND && payload > 0) {
          dataSegments.incrementAndGet();
        } else if (direction != Direction.INBOUND && payload == 0 && flags == TcpFlags.ACK) {
          pureAcks.incrementAndGet();
        }
      }
    });
    NetStack client = NetStack.builder().addInterface(link.a(), "198.18.0.1/24").receiveInline(writerInline)
        .receiveInlineWhenIdle(false).build();
    NetStack server = NetStack.builder().addInterface(link.b(), "198.18.0.2/24").receiveInline(true)
        .receiveBufferBytes(2 * BYTES).build();
    try (AutoCloseable pump = network.runInRealTime(); client; server; TcpServer listener = server.listen(80);
        TcpConnection c = client.connect(new InetSocketAddress(InetAddress.ofLiteral("198.18.0.2"), 80),
            Duration.ofSeconds(10));
        TcpConnection s = listener.accept()) {
      byte[] data = new byte[BYTES];
      new java.util.SplittableRandom(BYTES).nextBytes(data);
      int acksBefore = pureAcks.get();
      int segmentsBefore = dataSegments.get();
      c.write(data, 0, data.length);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (s.info().unreadBytes() < BYTES && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
      int segments = dataSegments.get() - segmentsBefore;
      int acks = pureAcks.get() - acksBefore;
      assertThat(readAll(s, BYTES)).as("every byte, in order").isEqualTo(data);
      assertThat(segments).as("the write went out as full-sized segments").isGreaterThanOrEqualTo(BYTES / 1460);
      // Taken one segment at a time, as before bursts, 4 MB gave 1,448 pure ACKs for 2,897
      // segments (one per two full-sized segments); taken as bursts, 67 to 77 in either mode, run
      // after run, on a quiet machine and with both cores busy. Sent from a worker's step outside
      // a scope (as before the worker's step was one), 131 to 1,444.
      assertThat(acks).as("pure ACKs for %d data segments", segments).isLessThan(segments / 16);
    }
  }

  private static byte[] readAll(TcpConnection s, int expected) {
    byte[] buf = new byte[expected];
    int total = 0;
    try {
      while (total < expected) {
        int n = s.read(buf, total, expected - total);
        if (n < 0) {
          break;
        }
        total += n;
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return Arrays.copyOf(buf, total);
  }
}
