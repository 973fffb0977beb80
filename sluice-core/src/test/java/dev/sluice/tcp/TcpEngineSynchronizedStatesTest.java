package dev.sluice.tcp;

import static dev.sluice.tcp.EngineHarness.LOCAL_ISS;
import static dev.sluice.tcp.EngineHarness.REMOTE_ISS;
import static dev.sluice.tcp.EngineHarness.bytes;
import static dev.sluice.wire.TcpFlags.ACK;
import static dev.sluice.wire.TcpFlags.FIN;
import static dev.sluice.wire.TcpFlags.RST;
import static dev.sluice.wire.TcpFlags.SYN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.tcp.EngineHarness.Seg;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every synchronized state against the inputs RFC 9293 §3.10.7.4 and RFC 5961 single out: RST at
 * RCV.NXT, RST elsewhere in the window, RST outside it, SYN, an ACK of something never sent, a
 * segment without ACK, data outside the window, and an old duplicate. Each test is named
 * {@code state_receives<Input>_<outcome>}.
 */
class TcpEngineSynchronizedStatesTest {
  private static final int L = LOCAL_ISS + 1;
  private static final int R = REMOTE_ISS + 1;

  /** How to reach a state, and the sequence numbers there. */
  private record Setup(String name, TcpState state, int rcvNxt, int sndMax, Consumer<EngineHarness> reach) {}

  private static final List<Setup> SETUPS = List.of(
      new Setup("established", TcpState.ESTABLISHED, R, L, h -> { }),
      new Setup("finWait1", TcpState.FIN_WAIT_1, R, L + 1, h -> {
        h.engine.close(h.now);
        h.drain();
      }),
      new Setup("finWait2", TcpState.FIN_WAIT_2, R, L + 1, h -> {
        h.engine.close(h.now);
        h.drain();
        h.send(ACK, R, L + 1, 65_535);
      }),
      new Setup("closeWait", TcpState.CLOSE_WAIT, R + 1, L, h -> {
        h.send(FIN | ACK, R, L, 65_535);
        h.drain();
      }),
      new Setup("closing", TcpState.CLOSING, R + 1, L + 1, h -> {
        h.engine.close(h.now);
        h.drain();
        h.send(FIN | ACK, R, L, 65_535);
        h.drain();
      }),
      new Setup("lastAck", TcpState.LAST_ACK, R + 1, L + 1, h -> {
        h.send(FIN | ACK, R, L, 65_535);
        h.drain();
        h.engine.close(h.now);
        h.drain();
      }),
      new Setup("timeWait", TcpState.TIME_WAIT, R + 1, L + 1, h -> {
        h.engine.close(h.now);
        h.drain();
        h.send(FIN | ACK, R, L + 1, 65_535);
        h.drain();
      }));

  private static EngineHarness reach(Setup setup) {
    EngineHarness h = new EngineHarness(EngineHarness.plainConfig());
    h.establishActive();
    setup.reach().accept(h);
    assertThat(h.engine.state()).as("reached " + setup.name()).isEqualTo(setup.state());
    h.events();
    return h;
  }

  private static Stream<DynamicTest> each(String input, String outcome, Consumer<Setup> body) {
    List<DynamicTest> tests = new ArrayList<>();
    for (Setup setup : SETUPS) {
      tests.add(DynamicTest.dynamicTest(setup.name() + "_receives" + input + "_" + outcome(setup, outcome),
          () -> body.accept(setup)));
    }
    return tests.stream();
  }

  private static String outcome(Setup setup, String outcome) {
    return outcome.replace("{tw}", setup.state() == TcpState.TIME_WAIT ? "isIgnoredByRfc1337" : "resets");
  }

  @TestFactory
  Stream<DynamicTest> rstAtRcvNxt() {
    return each("RstAtRcvNxt", "{tw}", setup -> {
      EngineHarness h = reach(setup);
      h.send(RST, setup.rcvNxt(), 0, 0);
      h.expectNothing();
      if (setup.state() == TcpState.TIME_WAIT) {
        assertThat(h.engine.state()).isEqualTo(TcpState.TIME_WAIT);
      } else {
        assertThat(h.engine.state()).isEqualTo(TcpState.CLOSED);
        assertThat(h.events()).containsExactly(TcpEvent.RESET, TcpEvent.CLOSED);
      }
    });
  }

  @TestFactory
  Stream<DynamicTest> rstInWindowNotAtRcvNxt() {
    return each("RstInWindow", "sendsChallengeAckOrIgnores", setup -> {
      EngineHarness h = reach(setup);
      h.send(RST, setup.rcvNxt() + 100, 0, 0);
      if (setup.state() == TcpState.TIME_WAIT) {
        h.expectNothing();
      } else {
        Seg ack = h.expectAck(setup.sndMax(), setup.rcvNxt());
        assertThat(ack.ack()).isEqualTo(setup.rcvNxt());
      }
      assertThat(h.engine.state()).isEqualTo(setup.state());
    });
  }

  @TestFactory
  Stream<DynamicTest> rstOutsideTheWindow() {
    return each("RstOutsideWindow", "isDroppedSilently", setup -> {
      EngineHarness h = reach(setup);
      h.send(RST, setup.rcvNxt() + 10_000_000, 0, 0);
      h.expectNothing();
      assertThat(h.engine.state()).isEqualTo(setup.state());
    });
  }

  @TestFactory
  Stream<DynamicTest> synInWindow() {
    return each("Syn", "sendsChallengeAckAndNeverResets", setup -> {
      EngineHarness h = reach(setup);
      h.send(SYN, setup.rcvNxt() + 5, 0, 65_535);
      h.expectAck(setup.sndMax(), setup.rcvNxt());
      assertThat(h.engine.state()).isEqualTo(setup.state());
    });
  }

  @TestFactory
  Stream<DynamicTest> ackOfSomethingNeverSent() {
    return each("AckBeyondSndNxt", "acksAndDrops", setup -> {
      EngineHarness h = reach(setup);
      h.send(ACK, setup.rcvNxt(), setup.sndMax() + 1000, 65_535);
      h.expectAck(setup.sndMax(), setup.rcvNxt());
      assertThat(h.engine.state()).isEqualTo(setup.state());
    });
  }

  @TestFactory
  Stream<DynamicTest> segmentWithoutAck() {
    return each("SegmentWithoutAck", "isDropped", setup -> {
      EngineHarness h = reach(setup);
      h.send(0, setup.rcvNxt(), 0, 65_535);
      h.expectNothing();
      assertThat(h.engine.state()).isEqualTo(setup.state());
    });
  }

  @TestFactory
  Stream<DynamicTest> dataOutsideTheWindow() {
    return each("DataOutsideWindow", "acksAndDrops", setup -> {
      EngineHarness h = reach(setup);
      h.send(ACK, setup.rcvNxt() + 10_000_000, setup.sndMax(), 65_535, bytes(10, 1));
      h.expectAck(setup.sndMax(), setup.rcvNxt());
      assertThat(h.engine.readable()).isZero();
      assertThat(h.engine.state()).isEqualTo(setup.state());
    });
  }

  @TestFactory
  Stream<DynamicTest> oldDuplicate() {
    return each("OldDuplicate", "reAcksWithoutDeliveringTwice", setup -> {
      EngineHarness h = reach(setup);
      h.send(ACK, setup.rcvNxt() - 50, setup.sndMax(), 65_535, bytes(10, 2));
      h.expectAck(setup.sndMax(), setup.rcvNxt());
      assertThat(h.engine.readable()).isZero();
      assertThat(h.engine.state()).isEqualTo(setup.state());
    });
  }
}
