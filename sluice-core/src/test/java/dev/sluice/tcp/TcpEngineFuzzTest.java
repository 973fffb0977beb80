package dev.sluice.tcp;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sluice.tcp.EngineFuzzInput.Opening;

/**
 * Structure-aware fuzzing of one {@link TcpEngine} (issue 3). Each input is a script
 * ({@link EngineFuzzInput}): a configuration and up to 200 steps of a hostile peer (data at any
 * offset around RCV.NXT, the FIN, RST, SYN, ACKs of anything, every option and flag combination),
 * of the application (read, write, shutdown, close, abort) and of time. {@link EngineFuzzRun} plays
 * it and checks after every step that nothing throws, every segment sent parses and fits the MTU,
 * the application gets exactly a prefix of the peer's stream and at most one end-of-stream (only
 * after every byte before the FIN), out-of-order data stays inside the buffer, timers never spin,
 * and that once the peer falls silent every connection that is not legitimately idle ends. See
 * docs/fuzzing.md, "Fuzzing the TCP engine".
 *
 * <p>One target per way of opening, because Jazzer fuzzes one method per JVM:
 * {@code JAZZER_FUZZ=1 ./mvnw -pl sluice-core test -Dtest='TcpEngineFuzzTest#established'}. A plain
 * {@code test} replays the seeds under {@code TcpEngineFuzzTestInputs/<method>/}
 * (see {@link EngineSeedCorpus}).
 */
class TcpEngineFuzzTest {
  /** {@code connect}, then whatever the peer says: SYN-ACK, SYN, RST, garbage, silence. */
  @FuzzTest(maxDuration = "60s")
  void synSent(FuzzedDataProvider data) {
    EngineFuzzRun.run(EngineFuzzInput.decode(data, Opening.SYN_SENT));
  }

  /** {@code accept} of a fuzzed SYN, then whatever the peer says. */
  @FuzzTest(maxDuration = "60s")
  void synReceived(FuzzedDataProvider data) {
    EngineFuzzRun.run(EngineFuzzInput.decode(data, Opening.SYN_RECEIVED));
  }

  /** A normal handshake (active or passive, fuzzed options), then the steps. */
  @FuzzTest(maxDuration = "60s")
  void established(FuzzedDataProvider data) {
    EngineFuzzRun.run(EngineFuzzInput.decode(data, Opening.ESTABLISHED));
  }
}
