package dev.sluice.wire.fuzz;

import static dev.sluice.wire.fuzz.FuzzSupport.checkFamily;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sluice.wire.Bytes;
import dev.sluice.wire.DropReason;
import dev.sluice.wire.UdpDatagram;
import dev.sluice.wire.fuzz.FuzzSupport.Control;
import dev.sluice.wire.fuzz.FuzzSupport.Region;

/**
 * Fuzzes {@link UdpDatagram#wrap}. Input: the control byte (bit 7: over IPv6), two bytes of
 * pseudo-header sum without the length, then the IP payload holding the datagram.
 */
class UdpDatagramFuzzTest {
  private static final UdpDatagram REUSED = new UdpDatagram();

  @FuzzTest(maxDuration = "60s")
  void wrap(byte[] data) {
    if (data.length < 3) {
      return;
    }
    Control control = Control.of(data);
    boolean ipv6 = control.extra();
    int pseudo = Bytes.u16(data, 1);
    byte[] payload = FuzzSupport.tail(data, 3);
    if (control.repair()) {
      FuzzSupport.repairUdp(payload, 0, payload.length, pseudo);
    }
    Region alone = FuzzSupport.alone(payload);
    Region placed = FuzzSupport.placed(payload, control);
    UdpDatagram fresh = new UdpDatagram();
    DropReason a = fresh.wrap(alone.buf(), alone.off(), alone.len(), pseudo, ipv6);
    DropReason b = REUSED.wrap(placed.buf(), placed.off(), placed.len(), pseudo, ipv6);
    if (a != null) {
      checkFamily(a, "UDP_");
      FuzzSupport.checkSame("UDP", a, b, null, null);
      return;
    }
    Invariants.udp(fresh, alone, pseudo, ipv6);
    Invariants.udp(REUSED, placed, pseudo, ipv6);
    FuzzSupport.checkSame("UDP", a, b, Invariants.udpFields(fresh), Invariants.udpFields(REUSED));
  }
}
