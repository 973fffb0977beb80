package dev.sluice.wire.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sluice.wire.Checksum;
import dev.sluice.wire.fuzz.FuzzSupport.Control;
import dev.sluice.wire.fuzz.FuzzSupport.Region;

/**
 * Fuzzes {@link Checksum#sum}, whose eight-bytes-at-a-time little-endian loop is the one piece of
 * the wire code that is clever: it must equal the RFC 1071 reference at any offset (odd ones
 * included) and any length, and sums of two even-split halves must add up to the whole.
 */
class ChecksumFuzzTest {
  @FuzzTest(maxDuration = "60s")
  void sum(byte[] data) {
    if (data.length < 1) {
      return;
    }
    Control control = Control.of(data);
    byte[] bytes = FuzzSupport.tail(data, 1);
    Region placed = FuzzSupport.placed(bytes, control);
    int expected = FuzzSupport.referenceSum(bytes, 0, bytes.length);
    int actual = Checksum.sum(placed.buf(), placed.off(), placed.len());
    if (actual != expected) {
      throw new AssertionError("Checksum.sum = " + Integer.toHexString(actual) + ", RFC 1071 says "
          + Integer.toHexString(expected) + " for " + bytes.length + " bytes at offset " + placed.off());
    }
    // RFC 1071 §2(A): the sum is associative, so an even split may be summed in parts.
    int split = (bytes.length / 2) & ~1;
    int parts = Checksum.add(Checksum.sum(placed.buf(), placed.off(), split),
        Checksum.sum(placed.buf(), placed.off() + split, bytes.length - split));
    // One's complement has two zeros: 0x0000 and 0xFFFF are the same sum.
    if (parts != actual && !(parts % 0xFFFF == 0 && actual % 0xFFFF == 0)) {
      throw new AssertionError("sum of halves " + Integer.toHexString(parts) + " != " + Integer.toHexString(actual));
    }
  }
}
