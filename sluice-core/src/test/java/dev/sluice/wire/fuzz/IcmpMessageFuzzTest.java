package dev.sluice.wire.fuzz;

import static dev.sluice.wire.fuzz.FuzzSupport.checkFamily;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sluice.wire.Bytes;
import dev.sluice.wire.DropReason;
import dev.sluice.wire.IcmpMessage;
import dev.sluice.wire.fuzz.FuzzSupport.Control;
import dev.sluice.wire.fuzz.FuzzSupport.Region;

/**
 * Fuzzes {@link IcmpMessage#wrapV4} (input: control byte, message) and {@link IcmpMessage#wrapV6}
 * (input: control byte, two bytes of pseudo-header sum, message).
 */
class IcmpMessageFuzzTest {
  private static final IcmpMessage REUSED = new IcmpMessage();

  @FuzzTest(maxDuration = "60s")
  void wrapV4(byte[] data) {
    if (data.length < 1) {
      return;
    }
    check(data, 1, false, 0);
  }

  @FuzzTest(maxDuration = "60s")
  void wrapV6(byte[] data) {
    if (data.length < 3) {
      return;
    }
    check(data, 3, true, Bytes.u16(data, 1));
  }

  private static void check(byte[] data, int skip, boolean ipv6, int pseudo) {
    Control control = Control.of(data);
    byte[] message = FuzzSupport.tail(data, skip);
    if (control.repair()) {
      FuzzSupport.repairIcmp(message, 0, message.length, pseudo);
    }
    Region alone = FuzzSupport.alone(message);
    Region placed = FuzzSupport.placed(message, control);
    IcmpMessage fresh = new IcmpMessage();
    DropReason a = ipv6
        ? fresh.wrapV6(alone.buf(), alone.off(), alone.len(), pseudo)
        : fresh.wrapV4(alone.buf(), alone.off(), alone.len());
    DropReason b = ipv6
        ? REUSED.wrapV6(placed.buf(), placed.off(), placed.len(), pseudo)
        : REUSED.wrapV4(placed.buf(), placed.off(), placed.len());
    if (a != null) {
      checkFamily(a, "ICMP_");
      FuzzSupport.checkSame("ICMP", a, b, null, null);
      return;
    }
    Invariants.icmp(fresh, alone, ipv6, pseudo);
    Invariants.icmp(REUSED, placed, ipv6, pseudo);
    FuzzSupport.checkSame("ICMP", a, b, Invariants.icmpFields(fresh), Invariants.icmpFields(REUSED));
  }
}
