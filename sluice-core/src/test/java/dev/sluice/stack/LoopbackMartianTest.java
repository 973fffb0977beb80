package dev.sluice.stack;

import static dev.sluice.stack.HostileWire.HOST4;
import static dev.sluice.stack.HostileWire.PEER4;
import static dev.sluice.stack.HostileWire.PEER6;
import static dev.sluice.stack.HostileWire.S;
import static dev.sluice.wire.TcpFlags.SYN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.wire.Bytes;
import dev.sluice.wire.DropReason;
import dev.sluice.wire.IpAddresses;
import org.junit.jupiter.api.Test;

/**
 * Loopback addresses on a real interface are martians (RFC 1122 §3.2.1.3 (g), RFC 4291 §2.5.3):
 * a host with a loopback device accepts 127/8, ::1 and its own addresses as sources only on that
 * device, so a forged packet from the wire gets no connection and no reply, and is counted.
 */
class LoopbackMartianTest {
  private static final int LOCALHOST4 = IpAddresses.parseIpv4("127.0.0.1");
  private static final long[] LOCALHOST6 = {0, 1};

  private static HostileWire wireWithLoopback() {
    return new HostileWire(HostConfig.builder().buildWith(h -> {
      h.workers = 1;
      h.loopback = true;
    }));
  }

  private static long drops(HostileWire w, DropReason reason) {
    return w.host.hostDrops().getOrDefault(reason, 0L);
  }

  @Test
  void synFrom127_onARealInterface_isDropped_unanswered_andCounted() throws Exception {
    HostileWire w = wireWithLoopback();
    w.host.listen(80, 8);
    w.inject(HostileWire.tcpFrom(false, LOCALHOST4, null, 40_000, 80, 1, 0, SYN, 65_535, new byte[0], b -> b.mss(1460)));
    w.settleUntil(w.clock[0] + 10 * S);
    assertThat(w.host.connectionCount()).isZero();
    assertThat(w.sent).as("nothing answers a forged loopback source").isEmpty();
    assertThat(drops(w, DropReason.LOOPBACK_ON_WIRE)).isEqualTo(1);
  }

  @Test
  void synFromIpv6Loopback_onARealInterface_isDropped_andCounted() throws Exception {
    HostileWire w = wireWithLoopback();
    w.host.listen(80, 8);
    w.inject(HostileWire.tcpFrom(true, 0, LOCALHOST6, 40_000, 80, 1, 0, SYN, 65_535, new byte[0], b -> b.mss(1440)));
    w.settleUntil(w.clock[0] + 10 * S);
    assertThat(w.host.connectionCount()).isZero();
    assertThat(w.sent).isEmpty();
    assertThat(drops(w, DropReason.LOOPBACK_ON_WIRE)).isEqualTo(1);
  }

  @Test
  void synTo127_onARealInterface_isDropped_thoughTheHostOwns127() throws Exception {
    HostileWire w = wireWithLoopback();
    w.host.listen(80, 8);
    byte[] syn = HostileWire.tcpFrom(false, PEER4, null, 40_000, 80, 1, 0, SYN, 65_535, new byte[0], b -> b.mss(1460));
    Bytes.put32(syn, 16, LOCALHOST4); // the destination
    HostileWire.refreshIpChecksum(syn);
    HostileWire.refreshTcpChecksum4(syn);
    w.inject(syn);
    w.settleUntil(w.clock[0] + 10 * S);
    assertThat(w.host.connectionCount()).isZero();
    assertThat(w.sent).isEmpty();
    assertThat(drops(w, DropReason.LOOPBACK_ON_WIRE)).isEqualTo(1);
  }

  @Test
  void landSyn_fromOurOwnAddress_onARealInterface_isStillAMartian_withLoopbackOn() throws Exception {
    HostileWire w = wireWithLoopback();
    w.host.listen(80, 8);
    w.inject(HostileWire.tcpFrom(false, HOST4, null, 80, 80, 1, 0, SYN, 65_535, new byte[0], b -> b.mss(1460)));
    w.settleUntil(w.clock[0] + 10 * S);
    assertThat(w.host.connectionCount()).isZero();
    assertThat(w.sent).isEmpty();
    assertThat(drops(w, DropReason.IPV4_BAD_SOURCE)).isEqualTo(1);
  }

  @Test
  void aPeerOnTheWire_stillConnects_withLoopbackOn() throws Exception {
    HostileWire w = wireWithLoopback();
    w.host.listen(80, 8);
    w.inject(HostileWire.tcpFrom(true, 0, PEER6, 40_000, 80, 1, 0, SYN, 65_535, new byte[0], b -> b.mss(1440)));
    assertThat(w.host.connectionCount()).isEqualTo(1);
    assertThat(w.tcpSent()).as("the SYN-ACK, out of the real interface").hasSize(1);
    assertThat(w.host.hostDrops()).doesNotContainKey(DropReason.LOOPBACK_ON_WIRE);
  }
}
