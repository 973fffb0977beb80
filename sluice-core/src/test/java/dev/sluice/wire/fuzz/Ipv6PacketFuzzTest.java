package dev.sluice.wire.fuzz;

import static dev.sluice.wire.fuzz.FuzzSupport.checkFamily;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sluice.wire.Bytes;
import dev.sluice.wire.DropReason;
import dev.sluice.wire.Ipv6Packet;
import dev.sluice.wire.fuzz.FuzzSupport.Control;
import dev.sluice.wire.fuzz.FuzzSupport.Region;

/**
 * Fuzzes {@link Ipv6Packet#wrap} and its extension-header walk. Input: the control byte, then the
 * packet; with repair set the Payload Length is set to the bytes present, since the walk is only
 * reached when it fits the frame.
 */
class Ipv6PacketFuzzTest {
  private static final Ipv6Packet REUSED = new Ipv6Packet();

  @FuzzTest(maxDuration = "60s")
  void wrap(byte[] data) {
    if (data.length < 1) {
      return;
    }
    Control control = Control.of(data);
    byte[] packet = FuzzSupport.tail(data, 1);
    if (control.repair() && packet.length >= Ipv6Packet.HEADER_LENGTH) {
      Bytes.put16(packet, 4, Math.min(packet.length - Ipv6Packet.HEADER_LENGTH, 0xFFFF));
    }
    Region alone = FuzzSupport.alone(packet);
    Region placed = FuzzSupport.placed(packet, control);
    Ipv6Packet fresh = new Ipv6Packet();
    DropReason a = fresh.wrap(alone.buf(), alone.off(), alone.len());
    DropReason b = REUSED.wrap(placed.buf(), placed.off(), placed.len());
    if (a != null) {
      checkFamily(a, "IP_", "IPV6_");
      FuzzSupport.checkSame("IPv6", a, b, null, null);
      return;
    }
    Invariants.ipv6(fresh, alone);
    Invariants.ipv6(REUSED, placed);
    FuzzSupport.checkSame("IPv6", a, b, Invariants.ipv6Fields(fresh), Invariants.ipv6Fields(REUSED));
  }
}
