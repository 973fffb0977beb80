package dev.sluice.stack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.stack.HostileWire.Out;
import dev.sluice.stack.HostileWire.Peer;
import dev.sluice.tcp.TcpConfig;
import dev.sluice.wire.TcpFlags;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A receive worker gathers a burst before it drains the connections the burst gave it (see
 * {@code Worker.gather}): in-order data is ACKed once per burst, as Linux ACKs a GRO-coalesced
 * segment, while every segment that needs an answer of its own still gets it at once: each
 * out-of-order segment its duplicate ACK (RFC 5681 §4.2), which a peer's fast retransmit counts.
 */
class ReceiveBurstTest {
  private static final int MSS = 1460;

  @Test
  void aBurstOfInOrderSegments_isAckedOnce_afterTheWholeBurst() throws IOException {
    HostileWire w = new HostileWire();
    Peer p = w.open(80, TcpConfig.defaults());
    w.sent.clear();
    byte[] data = pattern(30 * MSS);
    sendQuietly(w, p, data, 0, 30, 0);
    w.settle();
    // Without the gathering, one ACK per two full-sized segments: 15 of them.
    assertThat(w.tcpSent()).singleElement().satisfies(o -> {
      assertThat(o.ack()).isEqualTo(p.seq + 30 * MSS);
      assertThat(o.payload()).isZero();
    });
    assertThat(readAll(p, data.length)).isEqualTo(data);
  }

  @Test
  void aBurstLongerThanTheGatherLimit_isAckedOncePerSixtyFourPackets() throws IOException {
    HostileWire w = new HostileWire();
    // Window scaling, so that 100 full-sized segments fit the window the host offers.
    Listener listener = w.host.listen(80, 16, TcpConfig.defaults());
    Peer p = w.open(listener, false, 40_000, false, b -> b.mss(MSS).sackPermitted().nop().windowScale(7));
    w.sent.clear();
    int segments = 100;
    byte[] data = pattern(segments * MSS);
    sendQuietly(w, p, data, 0, segments, 0);
    w.settle();
    assertThat(w.tcpSent()).extracting(Out::ack).containsExactly(p.seq + 64 * MSS, p.seq + segments * MSS);
    assertThat(readAll(p, data.length)).isEqualTo(data);
  }

  @Test
  void eachOutOfOrderSegmentInABurst_stillGetsItsOwnDuplicateAck_andTheFillerOneAck() throws IOException {
    HostileWire w = new HostileWire();
    Peer p = w.open(80, TcpConfig.defaults());
    w.sent.clear();
    byte[] data = pattern(6 * MSS);
    sendQuietly(w, p, data, 1, 6, 0); // the first segment is missing
    w.settle();
    List<Out> dupAcks = w.tcpSent();
    assertThat(dupAcks).hasSize(5).allSatisfy(o -> {
      assertThat(o.ack()).isEqualTo(p.seq);
      assertThat(o.sackBlocks()).isEqualTo(1); // RFC 2018: each reports what it holds beyond the hole
    });
    w.sent.clear();
    w.inject(p.segment(p.seq, p.hostSeq, TcpFlags.ACK, 65_535, Arrays.copyOf(data, MSS)));
    assertThat(w.tcpSent()).singleElement().satisfies(o -> assertThat(o.ack()).isEqualTo(p.seq + 6 * MSS));
    assertThat(readAll(p, data.length)).isEqualTo(data);
  }

  @Test
  void twoConnectionsInterleavedInOneBurst_areEachAckedOnce() throws IOException {
    HostileWire w = new HostileWire();
    Listener listener = w.host.listen(80, 16, TcpConfig.defaults());
    Peer a = w.open(listener, false, 40_001, false, null);
    Peer b = w.open(listener, false, 40_002, false, null);
    w.sent.clear();
    byte[] data = pattern(10 * MSS);
    for (int i = 0; i < 10; i++) {
      sendQuietly(w, a, data, i, i + 1, 0);
      sendQuietly(w, b, data, i, i + 1, 0);
    }
    w.settle();
    assertThat(w.tcpSent()).extracting(Out::dstPort, Out::ack).containsExactlyInAnyOrder(
        org.assertj.core.groups.Tuple.tuple(40_001, a.seq + 10 * MSS),
        org.assertj.core.groups.Tuple.tuple(40_002, b.seq + 10 * MSS));
    assertThat(readAll(a, data.length)).isEqualTo(data);
    assertThat(readAll(b, data.length)).isEqualTo(data);
  }

  @Test
  void aFinAtTheEndOfABurst_isAckedWithEverythingBeforeIt_andReachesTheApplicationAfterTheBytes() throws IOException {
    HostileWire w = new HostileWire();
    Peer p = w.open(80, TcpConfig.defaults());
    w.sent.clear();
    byte[] data = pattern(8 * MSS);
    sendQuietly(w, p, data, 0, 7, 0);
    sendQuietly(w, p, data, 7, 8, TcpFlags.FIN);
    w.settle();
    assertThat(w.tcpSent()).last().satisfies(o -> assertThat(o.ack()).isEqualTo(p.seq + 8 * MSS + 1));
    assertThat(readAll(p, data.length)).isEqualTo(data);
    assertThat(p.connection.readNow(new byte[1], 0, 1)).isEqualTo(-1);
  }

  /**
   * Puts the peer's full-sized segments {@code first} to {@code end - 1} of {@code data} on the
   * wire, with ACK and {@code flags}, without running the host: they arrive as one burst.
   */
  private static void sendQuietly(HostileWire w, Peer p, byte[] data, int first, int end, int flags) {
    for (int i = first; i < end; i++) {
      w.injectQuietly(p.segment(p.seq + i * MSS, p.hostSeq, TcpFlags.ACK | flags, 65_535,
          Arrays.copyOfRange(data, i * MSS, (i + 1) * MSS)));
    }
  }

  private static byte[] readAll(Peer p, int expected) throws IOException {
    byte[] buf = new byte[expected + 64];
    int total = 0;
    while (total < expected) {
      int n = p.connection.readNow(buf, total, buf.length - total);
      if (n <= 0) {
        break;
      }
      total += n;
    }
    return Arrays.copyOf(buf, total);
  }

  private static byte[] pattern(int length) {
    byte[] b = new byte[length];
    new java.util.SplittableRandom(length).nextBytes(b);
    return b;
  }
}
