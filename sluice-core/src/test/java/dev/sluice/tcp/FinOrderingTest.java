package dev.sluice.tcp;

import static dev.sluice.tcp.EngineHarness.LOCAL_ISS;
import static dev.sluice.tcp.EngineHarness.REMOTE_ISS;
import static dev.sluice.tcp.EngineHarness.bytes;
import static dev.sluice.wire.TcpFlags.ACK;
import static dev.sluice.wire.TcpFlags.FIN;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The KB Q114541 invariant at the engine: four data segments and a FIN, delivered in all 120
 * orders, with and without a duplicate of every segment, and with the FIN alone or riding on the
 * last data segment. Every order yields all bytes, then exactly one end-of-stream, and the engine
 * ends in CLOSE-WAIT having acknowledged the FIN.
 */
class FinOrderingTest {
  private static final int SEGMENT = 100;
  private static final byte[] STREAM = bytes(4 * SEGMENT, 17);
  private static final int R = REMOTE_ISS + 1;
  private static final int L = LOCAL_ISS + 1;

  @Test
  void fourSegmentsAndASeparateFin_inAllOrders_deliverEveryByteThenOneEndOfStream() {
    int runs = 0;
    for (List<Integer> order : ReceiveBufferTest.permutations(List.of(0, 1, 2, 3, 4))) {
      for (boolean duplicates : new boolean[] {false, true}) {
        check(order, duplicates, false);
        runs++;
      }
    }
    assertThat(runs).isEqualTo(240);
  }

  @Test
  void fourSegmentsWithTheFinOnTheLast_inAllOrders_deliverEveryByteThenOneEndOfStream() {
    int runs = 0;
    for (List<Integer> order : ReceiveBufferTest.permutations(List.of(0, 1, 2, 3))) {
      for (boolean duplicates : new boolean[] {false, true}) {
        check(order, duplicates, true);
        runs++;
      }
    }
    assertThat(runs).isEqualTo(48);
  }

  /** Segment 4 is the bare FIN; with {@code finOnLast}, segment 3 carries it instead. */
  private static void check(List<Integer> order, boolean duplicates, boolean finOnLast) {
    EngineHarness h = new EngineHarness(EngineHarness.plainConfig());
    h.establishActive();
    ByteArrayOutputStream delivered = new ByteArrayOutputStream();
    int endOfStream = 0;
    boolean endSeenBeforeAllBytes = false;
    for (int segment : order) {
      for (int copy = 0; copy < (duplicates ? 2 : 1); copy++) {
        if (segment == 4) {
          h.send(FIN | ACK, R + 4 * SEGMENT, L, 65_535);
        } else {
          byte[] payload = java.util.Arrays.copyOfRange(STREAM, segment * SEGMENT, (segment + 1) * SEGMENT);
          int flags = ACK | (finOnLast && segment == 3 ? FIN : 0);
          h.send(flags, R + segment * SEGMENT, L, 65_535, payload);
        }
        h.drain();
        for (TcpEvent event : h.events()) {
          if (event == TcpEvent.END_OF_STREAM) {
            endOfStream++;
            endSeenBeforeAllBytes |= delivered.size() + h.engine.readable() < STREAM.length;
          }
        }
        delivered.writeBytes(h.readAll());
      }
    }
    String what = "order " + order + (duplicates ? " with duplicates" : "") + (finOnLast ? ", FIN on last" : "");
    assertThat(delivered.toByteArray()).as(what).isEqualTo(STREAM);
    assertThat(endOfStream).as(what).isEqualTo(1);
    assertThat(endSeenBeforeAllBytes).as(what).isFalse();
    assertThat(h.engine.read(new byte[1], 0, 1)).as(what).isEqualTo(-1);
    assertThat(h.engine.state()).as(what).isEqualTo(TcpState.CLOSE_WAIT);
    // Our FIN follows the application's close, not the peer's.
    h.expectNothing();
    h.engine.close(h.now);
    assertThat(h.expectOne().flagString()).as(what).isEqualTo("F.");
  }
}
