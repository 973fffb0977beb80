package dev.sluice.wire.fuzz;

import static dev.sluice.wire.fuzz.FuzzSupport.checkFamily;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sluice.wire.Bytes;
import dev.sluice.wire.DropReason;
import dev.sluice.wire.TcpSegment;
import dev.sluice.wire.fuzz.FuzzSupport.Control;
import dev.sluice.wire.fuzz.FuzzSupport.Region;

/**
 * Fuzzes {@link TcpSegment#wrap}, options included.
 *
 * <p>Input: the control byte (see {@link FuzzSupport}), two bytes of pseudo-header sum, then the
 * segment. With repair set, the checksum is made valid for that pseudo-header sum, so the fuzzer
 * reaches the port check and the option parser.
 */
class TcpSegmentFuzzTest {
  /** Reused across inputs, as a receive thread reuses it: nothing may leak from one to the next. */
  private static final TcpSegment REUSED = new TcpSegment();

  @FuzzTest(maxDuration = "60s")
  void wrap(byte[] data) {
    if (data.length < 3) {
      return;
    }
    Control control = Control.of(data);
    int pseudo = Bytes.u16(data, 1);
    byte[] segment = FuzzSupport.tail(data, 3);
    if (control.repair()) {
      FuzzSupport.repairTcp(segment, 0, segment.length, pseudo);
    }
    Region alone = FuzzSupport.alone(segment);
    Region placed = FuzzSupport.placed(segment, control);
    TcpSegment fresh = new TcpSegment();
    DropReason a = fresh.wrap(alone.buf(), alone.off(), alone.len(), pseudo);
    DropReason b = REUSED.wrap(placed.buf(), placed.off(), placed.len(), pseudo);
    if (a != null) {
      checkFamily(a, "TCP_");
      FuzzSupport.checkSame("TCP", a, b, null, null);
      return;
    }
    Invariants.tcp(fresh, alone, pseudo);
    Invariants.tcp(REUSED, placed, pseudo);
    FuzzSupport.checkSame("TCP", a, b, Invariants.tcpFields(fresh, true), Invariants.tcpFields(REUSED, true));
  }
}
