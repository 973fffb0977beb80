package dev.sluice.wire.fuzz;

import static dev.sluice.wire.fuzz.FuzzSupport.checkFamily;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sluice.wire.DropReason;
import dev.sluice.wire.Ipv4Packet;
import dev.sluice.wire.fuzz.FuzzSupport.Control;
import dev.sluice.wire.fuzz.FuzzSupport.Region;

/**
 * Fuzzes {@link Ipv4Packet#wrap}. Input: the control byte, then the packet; with repair set the
 * header checksum is recomputed, so the fuzzer gets past it to options and fragment checks.
 */
class Ipv4PacketFuzzTest {
  private static final Ipv4Packet REUSED = new Ipv4Packet();

  @FuzzTest(maxDuration = "60s")
  void wrap(byte[] data) {
    if (data.length < 1) {
      return;
    }
    Control control = Control.of(data);
    byte[] packet = FuzzSupport.tail(data, 1);
    if (control.repair()) {
      FuzzSupport.repairIpv4Header(packet, 0, packet.length);
    }
    Region alone = FuzzSupport.alone(packet);
    Region placed = FuzzSupport.placed(packet, control);
    Ipv4Packet fresh = new Ipv4Packet();
    DropReason a = fresh.wrap(alone.buf(), alone.off(), alone.len());
    DropReason b = REUSED.wrap(placed.buf(), placed.off(), placed.len());
    if (a != null) {
      checkFamily(a, "IP_", "IPV4_");
      FuzzSupport.checkSame("IPv4", a, b, null, null);
      return;
    }
    Invariants.ipv4(fresh, alone);
    Invariants.ipv4(REUSED, placed);
    FuzzSupport.checkSame("IPv4", a, b, Invariants.ipv4Fields(fresh, true), Invariants.ipv4Fields(REUSED, true));
  }
}
