package dev.sluice.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.wire.Checksum;
import dev.sluice.wire.DropReason;
import dev.sluice.wire.IpProtocol;
import dev.sluice.wire.TcpBuilder;
import dev.sluice.wire.TcpFlags;
import dev.sluice.wire.TcpSegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Drives one {@link TcpEngine} segment by segment, as smoltcp's socket tests do: the test plays
 * the peer, injects segments it builds, and asserts the exact segments the engine emits. Time is
 * virtual and only moves when the test says so.
 */
final class EngineHarness {
  static final int LOCAL = 0xC612_0001; // 198.18.0.1
  static final int REMOTE = 0xC612_0002; // 198.18.0.2
  static final int LOCAL_PORT = 80;
  static final int REMOTE_PORT = 49_152;
  /** ISNs near the wrap, so every test crosses 2^32 (hostile input 22). */
  static final int LOCAL_ISS = 0xFFFF_FF00;
  static final int REMOTE_ISS = 0xFFFF_FFF0;
  static final long MS = 1_000_000L;

  /** One emitted segment, decoded into the fields tests compare. */
  record Seg(int flags, int seq, int ack, int window, byte[] payload, int mss, int windowScale,
      boolean sackPermitted, boolean timestamps, int tsVal, int tsEcr, int sackBlocks, int[] sack) {
    String flagString() {
      return TcpFlags.toString(flags);
    }

    boolean has(int flag) {
      return (flags & flag) == flag;
    }

    int length() {
      return payload.length;
    }

    @Override
    public String toString() {
      return "[" + flagString() + "] seq=" + Integer.toUnsignedString(seq) + " ack=" + Integer.toUnsignedString(ack)
          + " win=" + window + " len=" + payload.length;
    }
  }

  final TcpConfig config;
  final TcpEndpoints endpoints = TcpEndpoints.ipv4(LOCAL, LOCAL_PORT, REMOTE, REMOTE_PORT);
  TcpEngine engine;
  long now;
  private final byte[] txBuffer = new byte[70_000];
  private final byte[] rxBuffer = new byte[70_000];
  private final TcpSegment view = new TcpSegment();
  private final TcpBuilder builder = new TcpBuilder();

  EngineHarness(TcpConfig config) {
    this.config = config;
  }

  /** No timestamps, SACK or window scaling: the plainest segments to assert on. */
  static TcpConfig plainConfig() {
    return TcpConfig.builder().build().toBuilder().buildWith(b -> {
      b.timestamps = false;
      b.sack = false;
      b.windowScaling = false;
      b.receiveBufferBytes = 64_000;
      b.sendBufferBytes = 64_000;
    });
  }

  // ---------------------------------------------------------------- opening

  /** Active open: returns the SYN the engine sent. */
  Seg activeOpen() {
    engine = TcpEngine.connect(config, endpoints, LOCAL_ISS);
    return expectOne();
  }

  /** Passive open from a peer SYN with the given options builder already set. */
  Seg passiveOpen(TcpBuilder synOptions) {
    synOptions.sourcePort(REMOTE_PORT).destinationPort(LOCAL_PORT).sequenceNumber(REMOTE_ISS)
        .acknowledgmentNumber(0).flags(TcpFlags.SYN).window(65_535);
    int length = synOptions.write(rxBuffer, 0, 0, pseudo(synOptions.headerLength()));
    assertThat(view.wrap(rxBuffer, 0, length, pseudo(length))).isNull();
    engine = TcpEngine.accept(config, endpoints, view, LOCAL_ISS, now);
    return expectOne();
  }

  /** Opens actively and completes the handshake; the engine is ESTABLISHED. */
  void establishActive() {
    activeOpen();
    send(TcpFlags.SYN | TcpFlags.ACK, REMOTE_ISS, LOCAL_ISS + 1, 65_535, b -> b.mss(1460));
    expectAck(LOCAL_ISS + 1, REMOTE_ISS + 1);
    assertThat(engine.state()).isEqualTo(TcpState.ESTABLISHED);
    assertThat(engine.pollEvent()).isEqualTo(TcpEvent.CONNECTED);
  }

  // ---------------------------------------------------------------- peer → engine

  interface Options {
    void add(TcpBuilder builder);
  }

  void send(int flags, int seq, int ack, int window) {
    send(flags, seq, ack, window, b -> {}, new byte[0]);
  }

  void send(int flags, int seq, int ack, int window, Options options) {
    send(flags, seq, ack, window, options, new byte[0]);
  }

  void send(int flags, int seq, int ack, int window, byte[] payload) {
    send(flags, seq, ack, window, b -> {}, payload);
  }

  void send(int flags, int seq, int ack, int window, Options options, byte[] payload) {
    builder.clearOptions();
    options.add(builder);
    builder.sourcePort(REMOTE_PORT).destinationPort(LOCAL_PORT).sequenceNumber(seq)
        .acknowledgmentNumber(ack).flags(flags).window(window).urgentPointer(0);
    int header = builder.headerLength();
    System.arraycopy(payload, 0, rxBuffer, header, payload.length);
    int length = builder.write(rxBuffer, 0, payload.length, pseudo(header + payload.length)) + payload.length;
    assertThat(view.wrap(rxBuffer, 0, length, pseudo(length))).as("harness built a valid segment").isNull();
    engine.onSegment(view, now);
  }

  private static int pseudo(int length) {
    return Checksum.pseudoHeaderIpv4(REMOTE, LOCAL, IpProtocol.TCP, length);
  }

  // ---------------------------------------------------------------- engine → peer

  /** Everything the engine owes right now. */
  List<Seg> drain() {
    List<Seg> segments = new ArrayList<>();
    for (int guard = 0; guard < 10_000; guard++) {
      int length = engine.pollTransmit(txBuffer, 0, now);
      if (length == 0) {
        return segments;
      }
      segments.add(decode(length));
    }
    throw new AssertionError("engine never stopped transmitting");
  }

  Seg expectOne() {
    List<Seg> segments = drain();
    assertThat(segments).as("exactly one segment").hasSize(1);
    return segments.get(0);
  }

  void expectNothing() {
    assertThat(drain()).as("no segment").isEmpty();
  }

  /** Asserts one pure ACK with the given numbers, and returns it. */
  Seg expectAck(int seq, int ack) {
    Seg seg = expectOne();
    assertThat(seg.flagString()).isEqualTo(".");
    assertThat(seg.seq()).as("seq").isEqualTo(seq);
    assertThat(seg.ack()).as("ack").isEqualTo(ack);
    assertThat(seg.length()).isZero();
    return seg;
  }

  private Seg decode(int length) {
    int local = Checksum.pseudoHeaderIpv4(LOCAL, REMOTE, IpProtocol.TCP, length);
    TcpSegment seg = new TcpSegment();
    DropReason reason = seg.wrap(txBuffer, 0, length, local);
    assertThat(reason).as("the engine emitted a valid segment").isNull();
    assertThat(seg.sourcePort()).isEqualTo(LOCAL_PORT);
    assertThat(seg.destinationPort()).isEqualTo(REMOTE_PORT);
    byte[] payload = new byte[seg.payloadLength()];
    System.arraycopy(txBuffer, seg.payloadOffset(), payload, 0, payload.length);
    int[] sack = new int[8];
    for (int i = 0; i < seg.options().sackBlockCount(); i++) {
      sack[2 * i] = seg.options().sackLeft(i);
      sack[2 * i + 1] = seg.options().sackRight(i);
    }
    return new Seg(seg.flags(), seg.sequenceNumber(), seg.acknowledgmentNumber(), seg.window(), payload,
        seg.options().mss(), seg.options().windowScale(), seg.options().sackPermitted(),
        seg.options().hasTimestamps(), seg.options().tsVal(), seg.options().tsEcr(),
        seg.options().sackBlockCount(), sack);
  }

  // ---------------------------------------------------------------- application and time

  int write(byte[] data) {
    return engine.write(data, 0, data.length, now);
  }

  byte[] readAll() {
    byte[] out = new byte[engine.readable()];
    int n = engine.read(out, 0, out.length);
    assertThat(n).isEqualTo(out.length == 0 ? (engine.endOfStreamReached() ? -1 : 0) : out.length);
    return out;
  }

  /** Advances virtual time to the engine's next deadline and fires it. */
  long fireNextTimer() {
    long deadline = engine.nextDeadline();
    assertThat(deadline).as("a timer is armed").isNotEqualTo(Long.MAX_VALUE);
    now = Math.max(now, deadline);
    engine.onTimer(now);
    return deadline;
  }

  void advance(long nanos) {
    now += nanos;
    if (engine.nextDeadline() <= now) {
      engine.onTimer(now);
    }
  }

  List<TcpEvent> events() {
    List<TcpEvent> events = new ArrayList<>();
    TcpEvent event;
    while ((event = engine.pollEvent()) != null) {
      events.add(event);
    }
    return events;
  }

  static byte[] bytes(int length, int salt) {
    byte[] data = new byte[length];
    for (int i = 0; i < length; i++) {
      data[i] = (byte) (i * 7 + salt);
    }
    return data;
  }
}
