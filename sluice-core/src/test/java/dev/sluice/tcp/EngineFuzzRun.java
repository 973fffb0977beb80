package dev.sluice.tcp;

import dev.sluice.tcp.EngineFuzzInput.Edge;
import dev.sluice.tcp.EngineFuzzInput.Header;
import dev.sluice.tcp.EngineFuzzInput.Kind;
import dev.sluice.tcp.EngineFuzzInput.Opening;
import dev.sluice.tcp.EngineFuzzInput.Opts;
import dev.sluice.tcp.EngineFuzzInput.Script;
import dev.sluice.tcp.EngineFuzzInput.Step;
import dev.sluice.wire.Checksum;
import dev.sluice.wire.DropReason;
import dev.sluice.wire.IpProtocol;
import dev.sluice.wire.TcpBuilder;
import dev.sluice.wire.TcpFlags;
import dev.sluice.wire.TcpOptions;
import dev.sluice.wire.TcpSegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * Runs one {@link Script} against one {@link TcpEngine} and checks its invariants after every step;
 * the test plays the peer and the application, and owns virtual time. Any violation throws an
 * {@link AssertionError} that names the step and carries the script.
 *
 * <p>The peer's byte stream is fixed: the byte at stream offset {@code i} (sequence number
 * {@code peerIss + 1 + i}) is always {@link #peerByte}(i), whatever segment carries it, and the
 * peer's FIN sits at the header's one FIN offset. The application's stream is {@link #localByte}.
 * So what the engine delivers and what it sends can be checked byte for byte.
 */
final class EngineFuzzRun {
  static final long MS = 1_000_000L;
  static final long DAY = 86_400_000L * MS;
  private static final int MAX_TIMER_FIRINGS = 10_000;
  private static final int MAX_SEGMENTS_PER_DRAIN = 100_000;
  private static final int CANARY_SPAN = 64;
  private static final byte CANARY = (byte) 0xA5;
  /** Stream offsets tracked for "was this byte ever sent"; beyond it nothing can be in a window. */
  private static final int SENT_LIMIT = 1 << 22;

  static final int LOCAL4 = 0xC612_0001; // 198.18.0.1
  static final int REMOTE4 = 0xC612_0002; // 198.18.0.2
  static final long NET6 = 0x2001_0db8_0000_0000L; // 2001:db8::/32
  static final int LOCAL_PORT = 80;
  static final int REMOTE_PORT = 49_152;
  /** The peer's timestamp clock starts just below 2^31, so TS comparisons cross the sign bit. */
  private static final int PEER_TS_BASE = 0x7FFF_F000;

  // Reused across runs: nothing here carries state from one run to the next.
  private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

  private static final class Buffers {
    final byte[] rx = new byte[70_000];
    final byte[] tx = new byte[70_000 + 8 + CANARY_SPAN];
    final byte[] app = new byte[EngineFuzzInput.MAX_APP_BYTES];
    final TcpSegment in = new TcpSegment();
    final TcpSegment out = new TcpSegment();
    final TcpBuilder builder = new TcpBuilder();
  }

  private final Script script;
  private final Header h;
  private final TcpConfig config;
  private final TcpEndpoints endpoints;
  private final Buffers b = BUFFERS.get();
  private final int iss;
  private final int peerIss;
  private final int finOffset;
  private TcpEngine engine;
  private long now;
  /** What is running, for the failure message: "opening", a step index, or a phase of the end. */
  private String where = "opening";
  private int stepIndex = -1;

  // The peer's stream, as the application sees it.
  private long delivered;
  private long inOrderSeen;
  private boolean endOfStream;
  private int endOfStreamEvents;
  private final BitSet sent = new BitSet();
  private boolean sentPastFin;

  // The application's stream, as the engine sends it.
  private long written;
  private boolean appShutdown;
  private boolean appClosed;

  // What the peer knows of our send side.
  private int sndMax;
  private int sndUnaSeen;
  private int peerTsHigh = PEER_TS_BASE;
  private int engineTsVal;
  private boolean engineTsSeen;

  // Negotiation: the peer's options the engine took, and the shift it scales its window by.
  private ResolvedOptions negotiating;
  private int offeredShift = -1;
  private boolean edgeKnown;
  private int maxRightEdge;

  // Events and states.
  private int connectedEvents;
  private int closedEvents;
  private TcpState lastState;
  private boolean wasSynchronized;

  private EngineFuzzRun(Script script) {
    this.script = script;
    this.h = script.header();
    this.config = h.config();
    this.endpoints = h.ipv6()
        ? TcpEndpoints.ipv6(NET6, 1, LOCAL_PORT, NET6, 2, REMOTE_PORT)
        : TcpEndpoints.ipv4(LOCAL4, LOCAL_PORT, REMOTE4, REMOTE_PORT);
    this.iss = h.localIss();
    this.peerIss = h.peerIss();
    this.finOffset = h.finOffset();
    this.sndMax = iss;
    this.sndUnaSeen = iss;
  }

  /** Runs the script and every check; throws {@link AssertionError} on the first violation. */
  static void run(Script script) {
    new EngineFuzzRun(script).execute();
  }

  // ------------------------------------------------------------------ the run

  private void execute() {
    open();
    afterStep(true);
    List<Step> steps = script.steps();
    for (int i = 0; i < steps.size(); i++) {
      stepIndex = i;
      Step step = steps.get(i);
      run(step);
      afterStep(!h.batch() || step.kind() == Kind.POLL || step.kind() == Kind.ADVANCE);
    }
    finish();
  }

  private void open() {
    Arrays.fill(b.tx, CANARY);
    Opening opening = script.opening();
    if (!h.passive()) {
      engine = TcpEngine.connect(config, endpoints, iss);
      drain(0);
      if (engine.state() != TcpState.SYN_SENT) {
        throw fail("connect must enter SYN-SENT");
      }
      if (opening == Opening.ESTABLISHED) {
        ResolvedOptions synAck = resolve(h.synOpts(), false);
        segment(TcpFlags.SYN | TcpFlags.ACK, 0, 0, iss + 1, h.synWindow(), synAck);
        drain(0);
        if (engine.state() != TcpState.ESTABLISHED) {
          throw fail("a SYN-ACK acknowledging our SYN must establish");
        }
      }
      return;
    }
    ResolvedOptions syn = resolve(h.synOpts(), false);
    int length = build(TcpFlags.SYN, peerIss, 0, h.synWindow(), syn, 0, 0);
    DropReason reason = b.in.wrap(b.rx, 0, length, incomingPseudo(length));
    if (reason != null) {
      throw fail("the harness built an invalid SYN: " + reason);
    }
    recordPeerTs(syn);
    engine = TcpEngine.accept(config, endpoints, b.in, iss, now);
    negotiating = syn;
    drain(0);
    if (engine.state() != TcpState.SYN_RECEIVED) {
      throw fail("accept must enter SYN-RECEIVED");
    }
    if (opening == Opening.ESTABLISHED) {
      // The completing ACK echoes the SYN's timestamp, so PAWS accepts it whatever the SYN said.
      ResolvedOptions ack = syn.hasTs ? ResolvedOptions.timestamps(syn.tsVal, engineTsVal) : ResolvedOptions.NONE;
      segment(TcpFlags.ACK, 0, 0, iss + 1, 0xFFFF, ack);
      drain(0);
      if (engine.state() != TcpState.ESTABLISHED) {
        throw fail("the ACK of our SYN-ACK must establish");
      }
    }
  }

  private void run(Step step) {
    switch (step.kind()) {
      case DATA, FIN, RST, SYN, ACK, FLAGS -> peerSegment(step);
      case READ -> read(Math.min(step.seqMode() == 0 ? engine.readable() : step.length(), b.app.length));
      case WRITE -> write(step.length());
      case SHUTDOWN -> {
        appShutdown = true;
        engine.shutdownOutput();
      }
      case CLOSE -> {
        appShutdown = true;
        appClosed = true;
        engine.close(now);
      }
      case ABORT -> {
        appShutdown = true;
        appClosed = true;
        engine.abort();
        if (engine.state() != TcpState.CLOSED) {
          throw fail("abort must close");
        }
      }
      case ADVANCE -> advance(step.length() * MS);
      case POLL -> drain(step.length());
    }
  }

  /** Moves time forward, firing every timer at its deadline, as a timer wheel would. */
  private void advance(long nanos) {
    long target = now + nanos;
    for (int i = 0; ; i++) {
      long deadline = engine.nextDeadline();
      if (deadline > target) {
        break;
      }
      if (i >= MAX_TIMER_FIRINGS) {
        throw fail("more than " + MAX_TIMER_FIRINGS + " timer firings in " + nanos / MS + " ms");
      }
      fireTimer(deadline);
    }
    now = target;
  }

  private void fireTimer(long deadline) {
    now = Math.max(now, deadline);
    engine.onTimer(now);
    drain(0);
    events();
    long next = engine.nextDeadline();
    if (next <= now) {
      throw fail("after onTimer(" + now + ") and draining, nextDeadline() = " + next
          + ": an owner firing due timers would spin");
    }
  }

  private void afterStep(boolean transmit) {
    if (transmit) {
      drain(0);
    }
    events();
    checkState();
  }

  /**
   * The peer goes silent: fire every timer for up to a day of virtual time. With keepalive on, every
   * connection must end. Without it, three states may legitimately wait for ever: an established
   * (or CLOSE-WAIT) connection with nothing to send, which has no timer at all; a half-closed one
   * in FIN-WAIT-2 whose application has not closed (the FIN-WAIT-2 bound applies after close, as
   * in Linux); and one persisting against a zero window, which probes for ever by design (RFC 1122
   * §4.2.2.17; only the user timeout reclaims it). Everything else must end. Then the application
   * reads what is left and closes, and the connection must end too (or still be persisting, and
   * then abort must end it).
   */
  private void finish() {
    stepIndex = -1;
    where = "after the steps, peer silent";
    afterStep(true);
    boolean quiet = settle();
    TcpState state = engine.state();
    if (h.liveness()) {
      if (state != TcpState.CLOSED) {
        throw fail("with keepalive, a silent peer must end the connection; it is " + state
            + (quiet ? " with no timer armed" : " after a day"));
      }
    } else if (state != TcpState.CLOSED) {
      boolean idle = quiet && (state == TcpState.ESTABLISHED || state == TcpState.CLOSE_WAIT)
          && engine.bytesUnsentOrUnacked() == 0;
      boolean halfClosed = quiet && state == TcpState.FIN_WAIT_2 && !appClosed;
      if (!(idle || halfClosed || persisting())) {
        throw fail(state + (quiet ? " with no timer armed" : " still busy after a day")
            + " with " + engine.bytesUnsentOrUnacked() + " bytes unsent or unacknowledged, send window "
            + engine.sendWindow() + ": the connection is stuck");
      }
    }
    if (engine.state() != TcpState.CLOSED) {
      where = "after the steps, the application reads and closes";
      while (engine.readable() > 0) {
        read(Math.min(engine.readable(), b.app.length));
      }
      appShutdown = true;
      appClosed = true;
      engine.close(now);
      afterStep(true);
      settle();
      if (engine.state() != TcpState.CLOSED) {
        if (!persisting()) {
          throw fail("after close() and a day of silence the connection is still " + engine.state());
        }
        where = "after the steps, the application aborts";
        engine.abort();
        afterStep(true);
        if (engine.state() != TcpState.CLOSED) {
          throw fail("abort must close");
        }
      }
    }
  }

  /** Probing a zero window: data waits, the peer's window is shut. */
  private boolean persisting() {
    return engine.sendWindow() == 0 && engine.bytesUnsentOrUnacked() > 0 && engine.nextDeadline() != Long.MAX_VALUE;
  }

  /** Fires timers for up to a day; true if none is left armed. */
  private boolean settle() {
    long limit = now + DAY;
    for (int i = 0; ; i++) {
      long deadline = engine.nextDeadline();
      if (deadline == Long.MAX_VALUE) {
        return true;
      }
      if (deadline > limit) {
        return false;
      }
      if (i >= MAX_TIMER_FIRINGS) {
        throw fail("timers still armed after " + MAX_TIMER_FIRINGS + " firings");
      }
      fireTimer(deadline);
      checkState();
    }
  }

  // ------------------------------------------------------------------ the application

  private void read(int length) {
    int readable = engine.readable();
    boolean eosBefore = engine.endOfStreamReached();
    int n = engine.read(b.app, 0, length);
    if (n < -1 || n > length) {
      throw fail("read(" + length + ") returned " + n);
    }
    if (n == -1) {
      if (readable != 0 || !eosBefore) {
        throw fail("read returned -1 with " + readable + " bytes readable"
            + (eosBefore ? "" : " before the FIN was reached"));
      }
      if (delivered != finOffset) {
        throw fail("end-of-stream after " + delivered + " bytes; the FIN is at " + finOffset);
      }
      return;
    }
    if (n != Math.min(length, readable)) {
      throw fail("read(" + length + ") returned " + n + " with " + readable + " readable");
    }
    for (int i = 0; i < n; i++) {
      if (b.app[i] != peerByte(delivered + i)) {
        throw fail("delivered byte " + (delivered + i) + " is " + b.app[i] + ", the peer sent "
            + peerByte(delivered + i));
      }
    }
    delivered += n;
  }

  private void write(int length) {
    int writable = engine.writable();
    TcpState state = engine.state();
    for (int i = 0; i < Math.min(length, writable); i++) { // the engine takes no more than that
      b.app[i] = localByte(written + i);
    }
    int n = engine.write(b.app, 0, length, now);
    if (appShutdown) {
      if (n != -1) {
        throw fail("write after shutdown/close/abort returned " + n);
      }
    } else if (state == TcpState.ESTABLISHED || state == TcpState.CLOSE_WAIT || state == TcpState.SYN_SENT
        || state == TcpState.SYN_RECEIVED) {
      if (n != Math.min(length, writable)) {
        throw fail("write(" + length + ") returned " + n + " with " + writable + " free");
      }
    } else {
      if (n != -1) {
        throw fail("write in " + state + " returned " + n);
      }
    }
    written += Math.max(n, 0);
  }

  // ------------------------------------------------------------------ the peer

  private void peerSegment(Step step) {
    int flags = switch (step.kind()) {
      case DATA -> TcpFlags.ACK | (step.length() > 0 ? TcpFlags.PSH : 0);
      case FIN -> TcpFlags.ACK | TcpFlags.FIN;
      case RST -> TcpFlags.RST | (step.flags() == 1 ? TcpFlags.ACK : 0);
      case SYN -> TcpFlags.SYN | (step.flags() == 1 ? TcpFlags.ACK : 0);
      case ACK -> TcpFlags.ACK;
      default -> step.flags();
    };
    if (step.ackMode() == 4) {
      flags &= ~TcpFlags.ACK;
    }
    long base = rcvNxtOffset();
    long offset = switch (step.seqMode()) {
      case 1, 2 -> base + step.seq();
      case 3 -> step.seq() - (peerIss + 1); // any sequence number, as a (signed) stream offset
      case 4 -> (long) finOffset + step.seq();
      default -> base;
    };
    int length = step.length();
    boolean syn = (flags & TcpFlags.SYN) != 0;
    if (syn && engine.state() == TcpState.SYN_SENT) {
      offset = 0; // the peer has one ISN: a SYN the engine may take as the handshake carries it
    }
    if ((flags & TcpFlags.FIN) != 0) {
      // The peer's FIN has one place: a FIN segment ends at it.
      if (syn && engine.state() == TcpState.SYN_SENT) {
        if (finOffset <= EngineFuzzInput.MAX_PAYLOAD) {
          length = finOffset;
        } else {
          flags &= ~TcpFlags.FIN;
        }
      } else {
        offset = (long) finOffset - length;
      }
    }
    int ack = switch (step.ackMode()) {
      case 1 -> sndUnaSeen + step.ack();
      case 2 -> sndMax + step.ack();
      case 3 -> step.ack();
      default -> sndMax;
    };
    int window = switch (step.windowMode()) {
      case 0 -> 0xFFFF;
      case 1 -> 0;
      default -> step.window();
    };
    ResolvedOptions options = switch (step.optsMode()) {
      case 0 -> ResolvedOptions.NONE;
      case 1 -> timestampsAgreed() ? ResolvedOptions.timestamps(freshTs(), engineTsVal) : ResolvedOptions.NONE;
      default -> resolve(step.opts(), true);
    };
    segment(flags, offset, length, ack, window, options);
  }

  /**
   * Sends one segment whose first data byte is at stream {@code offset} (a SYN sits just before
   * it), carrying the peer's bytes for that offset.
   */
  private void segment(int flags, long offset, int length, int ack, int window, ResolvedOptions options) {
    boolean syn = (flags & TcpFlags.SYN) != 0;
    int seq = peerIss + 1 + (int) offset - (syn ? 1 : 0);
    int segmentLength = build(flags, seq, ack, window, options, offset, length);
    DropReason reason = b.in.wrap(b.rx, 0, segmentLength, incomingPseudo(segmentLength));
    if (reason != null) {
      throw fail("the harness built an invalid segment: " + reason);
    }
    if (length > 0) {
      long from = Math.max(offset, 0);
      long to = Math.min(offset + length, SENT_LIMIT);
      if (from < to) {
        sent.set((int) from, (int) to);
      }
      sentPastFin |= offset + length > finOffset;
    }
    if ((flags & TcpFlags.ACK) != 0 && SeqNum.gt(ack, sndUnaSeen) && SeqNum.le(ack, sndMax)) {
      sndUnaSeen = ack;
    }
    recordPeerTs(options);
    // RCV.NXT <= SEG.SEQ < the right edge we advertised: the segment is acceptable (RFC 9293
    // §3.10.7.4), since the edge the engine accepts up to never moves left of what it said.
    int rcvNxt = peerIss + 1 + (int) rcvNxtOffset();
    boolean inWindow = !syn && edgeKnown && SeqNum.ge(seq, rcvNxt) && SeqNum.lt(seq, maxRightEdge);
    long outOfWindowDrops = engine.stats().drops(DropReason.TCP_OUT_OF_WINDOW)
        + engine.stats().drops(DropReason.TCP_RST_OUT_OF_WINDOW);
    TcpState before = engine.state();
    engine.onSegment(b.in, now);
    TcpState after = engine.state();
    if (inWindow && engine.stats().drops(DropReason.TCP_OUT_OF_WINDOW)
        + engine.stats().drops(DropReason.TCP_RST_OUT_OF_WINDOW) != outOfWindowDrops) {
      throw fail("a segment at " + Integer.toUnsignedString(seq) + ", inside the window advertised up to "
          + Integer.toUnsignedString(maxRightEdge) + " (RCV.NXT " + Integer.toUnsignedString(rcvNxt)
          + "), was dropped as out of window");
    }
    if (before == TcpState.SYN_SENT && after != TcpState.SYN_SENT && after != TcpState.CLOSED) {
      negotiating = options; // this SYN (or SYN-ACK) is the one the engine took
    }
  }

  private int build(int flags, int seq, int ack, int window, ResolvedOptions o, long offset, int length) {
    TcpBuilder builder = b.builder;
    builder.clearOptions();
    int used = 0;
    if (o.mss >= 0) {
      builder.mss(o.mss);
      used += 4;
    }
    if (o.ws >= 0) {
      builder.nop().windowScale(o.ws);
      used += 4;
    }
    if (o.sackPermitted) {
      builder.sackPermitted();
      used += 2;
    }
    if (o.hasTs) {
      builder.nop().nop().timestamps(o.tsVal, o.tsEcr);
      used += 12;
    }
    int blocks = Math.min(o.sack.length / 2, (40 - used - 4) / 8);
    if (blocks > 0) {
      builder.nop().nop().sack(blocks, o.sack);
    }
    builder.sourcePort(REMOTE_PORT).destinationPort(LOCAL_PORT).sequenceNumber(seq).acknowledgmentNumber(ack)
        .flags(flags).window(window).urgentPointer(0);
    int header = builder.headerLength();
    for (int i = 0; i < length; i++) {
      b.rx[header + i] = peerByte(offset + i);
    }
    return builder.write(b.rx, 0, length, incomingPseudo(header + length)) + length;
  }

  /** The peer's options with every relative value made absolute for this moment. */
  private record ResolvedOptions(int mss, int ws, boolean sackPermitted, boolean hasTs, int tsVal, int tsEcr,
      int[] sack) {
    static final ResolvedOptions NONE = new ResolvedOptions(-1, -1, false, false, 0, 0, new int[0]);

    static ResolvedOptions timestamps(int tsVal, int tsEcr) {
      return new ResolvedOptions(-1, -1, false, true, tsVal, tsEcr, new int[0]);
    }
  }

  private ResolvedOptions resolve(Opts o, boolean sackAllowed) {
    int tsVal = switch (o.ts()) {
      case 1 -> freshTs();
      case 2 -> freshTs() - o.tsDelta();
      default -> o.tsDelta();
    };
    int tsEcr = switch (o.ecr()) {
      case 0 -> engineTsSeen ? engineTsVal : 0;
      case 1 -> 0;
      default -> o.ecrValue();
    };
    int[] sack = new int[sackAllowed ? o.sack().size() : 0];
    for (int i = 0; i < sack.length; i++) {
      Edge e = o.sack().get(i);
      sack[i] = switch (e.mode()) {
        case 0 -> sndUnaSeen + e.delta();
        case 1 -> sndMax + e.delta();
        case 2 -> iss + 1 + e.delta();
        default -> e.delta();
      };
    }
    return new ResolvedOptions(o.mss() ? o.mssValue() : -1, o.ws() ? o.wsValue() : -1, o.sackPermitted(),
        o.ts() != 0, tsVal, tsEcr, sack);
  }

  /** The peer's clock, never behind a timestamp it already sent. */
  private int freshTs() {
    int clock = PEER_TS_BASE + (int) (now / MS);
    return SeqNum.max(clock, peerTsHigh);
  }

  private void recordPeerTs(ResolvedOptions o) {
    if (o.hasTs && SeqNum.gt(o.tsVal, peerTsHigh)) {
      peerTsHigh = o.tsVal;
    }
  }

  private boolean timestampsAgreed() {
    return negotiating == null ? config.timestamps() : config.timestamps() && negotiating.hasTs;
  }

  private boolean sackAgreed() {
    return negotiating != null && config.sack() && negotiating.sackPermitted;
  }

  /** RCV.NXT as a stream offset: the in-order bytes, plus one for a consumed FIN. */
  private long rcvNxtOffset() {
    return delivered + engine.readable() + (engine.endOfStreamReached() ? 1 : 0);
  }

  private int incomingPseudo(int length) {
    return h.ipv6()
        ? Checksum.pseudoHeaderIpv6(NET6, 2, NET6, 1, IpProtocol.TCP, length)
        : Checksum.pseudoHeaderIpv4(REMOTE4, LOCAL4, IpProtocol.TCP, length);
  }

  private int outgoingPseudo(int length) {
    return h.ipv6()
        ? Checksum.pseudoHeaderIpv6(NET6, 1, NET6, 2, IpProtocol.TCP, length)
        : Checksum.pseudoHeaderIpv4(LOCAL4, REMOTE4, IpProtocol.TCP, length);
  }

  // ------------------------------------------------------------------ what the engine sends

  /** Polls at most {@code max} segments (0: until the engine owes nothing) and checks each. */
  private void drain(int max) {
    int off = h.txOffset();
    for (int i = 0; max == 0 || i < max; i++) {
      if (i >= MAX_SEGMENTS_PER_DRAIN) {
        throw fail("the engine never stopped transmitting");
      }
      // The whole buffer holds the canary between polls; pollTransmit may write only its segment.
      int length = engine.pollTransmit(b.tx, off, now);
      if (length == 0) {
        return;
      }
      checkSegment(off, length);
      Arrays.fill(b.tx, off, off + length, CANARY);
    }
  }

  private void checkSegment(int off, int length) {
    int ipHeader = endpoints.ipHeaderLength();
    if (length <= 0 || length > config.mtu() - ipHeader) {
      throw fail("segment of " + length + " bytes; the MTU is "
          + config.mtu() + " with a " + ipHeader + "-byte IP header");
    }
    for (int i = 0; i < off; i++) {
      if (b.tx[i] != CANARY) {
        throw fail("pollTransmit wrote before its offset");
      }
    }
    for (int i = off + length; i < off + length + CANARY_SPAN; i++) {
      if (b.tx[i] != CANARY) {
        throw fail("pollTransmit wrote past the length it returned");
      }
    }
    TcpSegment seg = b.out;
    DropReason reason = seg.wrap(b.tx, off, length, outgoingPseudo(length));
    if (reason != null) {
      throw fail("the engine emitted a segment that does not parse: " + reason);
    }
    if (seg.headerLength() < TcpSegment.MIN_HEADER_LENGTH) {
      throw fail("header length " + seg.headerLength());
    }
    if (seg.sourcePort() != LOCAL_PORT || seg.destinationPort() != REMOTE_PORT) {
      throw fail("wrong ports");
    }
    int flags = seg.flags();
    boolean syn = (flags & TcpFlags.SYN) != 0;
    boolean fin = (flags & TcpFlags.FIN) != 0;
    boolean rst = (flags & TcpFlags.RST) != 0;
    boolean ack = (flags & TcpFlags.ACK) != 0;
    int payload = seg.payloadLength();
    int seq = seg.sequenceNumber();
    TcpState state = engine.state();
    if (syn && (fin || rst) || rst && fin) {
      throw fail("flags " + what(seg));
    }
    if (state == TcpState.CLOSED && !rst) {
      throw fail("a CLOSED engine sent " + what(seg));
    }
    if (rst) {
      if (payload != 0) {
        throw fail("a RST with data: " + what(seg));
      }
      return;
    }
    if (!syn && !ack) {
      throw fail("a segment without SYN, ACK or RST: " + what(seg));
    }
    if (syn) {
      if (seq != iss || payload != 0) {
        throw fail("a SYN that is not our ISS or carries data: " + what(seg));
      }
      if (state != TcpState.SYN_SENT && state != TcpState.SYN_RECEIVED) {
        throw fail("a SYN in " + state + ": " + what(seg));
      }
      offeredShift = seg.options().windowScale();
    }
    if (ack) {
      long expected = Integer.toUnsignedLong(peerIss + 1) + rcvNxtOffset();
      if (seg.acknowledgmentNumber() != (int) expected) {
        throw fail("ACK " + what(seg) + " but RCV.NXT should be "
            + Integer.toUnsignedString((int) expected) + " (" + (delivered + engine.readable())
            + " bytes in order" + (engine.endOfStreamReached() ? " and the FIN)" : ")"));
      }
      checkWindowEdge(seg, syn);
    }
    if (payload > 0) {
      long at = SeqNum.distance(iss + 1, seq);
      if (at + payload > written) {
        throw fail("sent bytes [" + at + ", " + (at + payload) + ") but the application wrote "
            + written + ": " + what(seg));
      }
      for (int i = 0; i < payload; i++) {
        if (b.tx[seg.payloadOffset() + i] != localByte(at + i)) {
          throw fail("sent byte " + (at + i) + " differs from what the application wrote: " + what(seg));
        }
      }
    }
    if (fin) {
      if (!appShutdown) {
        throw fail("a FIN before the application shut down: " + what(seg));
      }
      if (SeqNum.distance(iss + 1, seq) + payload != written) {
        throw fail("our FIN at offset "
            + (SeqNum.distance(iss + 1, seq) + payload) + " but the application wrote " + written);
      }
    }
    int end = seq + seg.sequenceLength();
    if (SeqNum.gt(end, sndMax)) {
      sndMax = end;
    }
    if (seg.options().hasTimestamps()) {
      engineTsVal = seg.options().tsVal();
      engineTsSeen = true;
    }
    checkSackBlocks(seg);
  }

  /** The right edge of the window we offer (ACK + window) never moves left (RFC 9293 §3.8.6). */
  private void checkWindowEdge(TcpSegment seg, boolean syn) {
    if (!syn && negotiating == null) {
      return; // cannot happen: no ACK precedes the handshake
    }
    int shift = 0;
    if (!syn && offeredShift >= 0 && negotiating.ws >= 0 && config.windowScaling()) {
      shift = offeredShift;
    }
    int edge = seg.acknowledgmentNumber() + (seg.window() << shift);
    // A SYN-ACK's window is never scaled (RFC 7323 §2.2), so a retransmitted one may say less than
    // a scaled ACK did before it; it is exempt, but the next ACK must offer the old edge again.
    if (edgeKnown && !syn) {
      // A scaled window can only say multiples of 2^shift: allow the rounding (RFC 7323 §2.3).
      if (SeqNum.lt(edge + (1 << shift) - 1, maxRightEdge)) {
        throw fail("the window's right edge moved left from "
            + Integer.toUnsignedString(maxRightEdge) + " to " + Integer.toUnsignedString(edge) + " (window "
            + seg.window() + " << " + shift + ")");
      }
    }
    if (!edgeKnown || SeqNum.gt(edge, maxRightEdge)) {
      maxRightEdge = edge;
      edgeKnown = true;
    }
  }

  /**
   * SACK blocks name only out-of-order bytes the peer sent, within our buffer; the first may be a
   * D-SACK for bytes below RCV.NXT that the peer sent (RFC 2883 §4).
   */
  private void checkSackBlocks(TcpSegment seg) {
    TcpOptions options = seg.options();
    if (options.sackBlockCount() == 0) {
      return;
    }
    if (!sackAgreed()) {
      throw fail("SACK blocks without SACK-permitted: " + what(seg));
    }
    int rcvNxt = seg.acknowledgmentNumber();
    long room = (long) config.receiveBufferBytes() - engine.readable();
    for (int i = 0; i < options.sackBlockCount(); i++) {
      int left = options.sackLeft(i);
      int right = options.sackRight(i);
      if (!SeqNum.lt(left, right)) {
        throw fail(block(seg, i) + ": empty or inverted");
      }
      boolean dsackBelowRcvNxt = i == 0 && !SeqNum.gt(left, rcvNxt);
      if (dsackBelowRcvNxt) {
        // RFC 2883 §4: only the first block may report a duplicate, and all of it arrived before.
        if (SeqNum.gt(right, rcvNxt)) {
          throw fail(block(seg, i) + ": a D-SACK that straddles RCV.NXT");
        }
      } else if (!SeqNum.gt(left, rcvNxt)) {
        throw fail(block(seg, i) + ": not above RCV.NXT");
      } else if (SeqNum.distance(rcvNxt, right) > room) {
        throw fail(block(seg, i) + ": beyond the " + room + " bytes of buffer left");
      }
      long from = SeqNum.distance(peerIss + 1, left);
      long to = from + SeqNum.distance(left, right);
      if (to > SENT_LIMIT || sent.nextClearBit((int) from) < to) {
        throw fail(block(seg, i) + ": the peer never sent all of it");
      }
    }
  }

  // ------------------------------------------------------------------ events and state

  private void events() {
    List<TcpEvent> batch = new ArrayList<>(4);
    TcpEvent event;
    while ((event = engine.pollEvent()) != null) {
      batch.add(event);
      if (batch.size() >= 64) {
        throw fail("more than 64 events from one step");
      }
    }
    for (int i = 0; i < batch.size(); i++) {
      TcpEvent e = batch.get(i);
      if (closedEvents != 0) {
        throw fail(e + " after CLOSED");
      }
      switch (e) {
        case CONNECTED -> {
          if (++connectedEvents != 1) {
            throw fail("a second CONNECTED");
          }
        }
        case END_OF_STREAM -> {
          if (++endOfStreamEvents != 1) {
            throw fail("a second END_OF_STREAM");
          }
          long inOrder = delivered + engine.readable();
          if (inOrder != finOffset) {
            throw fail("END_OF_STREAM after " + inOrder + " bytes; the FIN is at " + finOffset);
          }
        }
        case REFUSED, RESET, TIMED_OUT -> {
          if (i + 1 == batch.size() || batch.get(i + 1) != TcpEvent.CLOSED) {
            throw fail(e + " not followed by CLOSED");
          }
        }
        case CLOSED -> {
          closedEvents++;
          if (engine.state() != TcpState.CLOSED) {
            throw fail("CLOSED event in " + engine.state());
          }
        }
        default -> { }
      }
    }
  }

  private void checkState() {
    TcpState state = engine.state();
    if (state == TcpState.LISTEN) {
      throw fail("LISTEN");
    }
    if (lastState == TcpState.CLOSED && state != TcpState.CLOSED) {
      throw fail("left CLOSED for " + state);
    }
    if (lastState == TcpState.TIME_WAIT && state != TcpState.TIME_WAIT && state != TcpState.CLOSED) {
      throw fail("left TIME-WAIT for " + state);
    }
    if (wasSynchronized) {
      if (state == TcpState.SYN_SENT || state == TcpState.SYN_RECEIVED) {
        throw fail("back to " + state);
      }
    }
    wasSynchronized |= state.isSynchronized();
    lastState = state;
    if (closedEvents != (state == TcpState.CLOSED ? 1 : 0)) {
      throw fail(state + " after " + closedEvents + " CLOSED events");
    }
    if (state == TcpState.CLOSED && engine.nextDeadline() != Long.MAX_VALUE) {
      throw fail("a timer armed in CLOSED");
    }
    if (engine.nextDeadline() <= now) {
      throw fail("nextDeadline() " + engine.nextDeadline() + " is not after now " + now);
    }

    // The send side: the buffer holds at most what was written, and no more than fits.
    int held = engine.bytesUnsentOrUnacked();
    if (held < 0 || held > written || held > config.sendBufferBytes()
        || engine.writable() > config.sendBufferBytes() - held) {
      throw fail(held + " bytes held and " + engine.writable() + " writable in a " + config.sendBufferBytes()
          + "-byte send buffer after " + written + " bytes written");
    }

    // The receive side: exactly the peer's stream, up to its FIN, within the buffer.
    int readable = engine.readable();
    int capacity = config.receiveBufferBytes();
    if (readable < 0 || readable > capacity) {
      throw fail(readable + " readable bytes in a " + capacity + "-byte buffer");
    }
    long inOrder = delivered + readable;
    if (inOrder < inOrderSeen) {
      throw fail("in-order bytes went back from " + inOrderSeen + " to " + inOrder);
    }
    inOrderSeen = inOrder;
    if (sent.nextClearBit(0) < inOrder) {
      throw fail(inOrder + " bytes in order but the peer sent only the first "
          + sent.nextClearBit(0));
    }
    if (!sentPastFin && inOrder > finOffset) {
      throw fail(inOrder + " bytes in order; the peer's FIN is at " + finOffset);
    }
    boolean eos = engine.endOfStreamReached();
    if (endOfStream && !eos) {
      throw fail("end-of-stream was reached, now it is not");
    }
    endOfStream = eos;
    if (endOfStreamEvents != (eos ? 1 : 0)) {
      throw fail("endOfStreamReached() " + eos + " after " + endOfStreamEvents
          + " END_OF_STREAM events");
    }
    if (eos && inOrder != finOffset) {
      throw fail("end of stream with " + inOrder + " bytes in order; the FIN is at " + finOffset);
    }
    ReceiveBuffer rb = EngineInternals.receiveBuffer(engine);
    Reassembly holes = rb.outOfOrder();
    if (holes.rangeCount() > config.maxOutOfOrderRanges()) {
      throw fail(holes.rangeCount() + " out-of-order ranges");
    }
    if (holes.highestEnd() > rb.window()) {
      throw fail("out-of-order data up to " + holes.highestEnd() + " past RCV.NXT, but "
          + rb.window() + " bytes of buffer are free");
    }
    if (eos && !holes.isEmpty()) {
      throw fail("out-of-order data " + holes + " kept after the FIN was consumed");
    }
    long rcvNxt = rcvNxtOffset();
    for (int i = 0; i < holes.rangeCount(); i++) {
      long from = rcvNxt + holes.rangeStart(i);
      long to = rcvNxt + holes.rangeEnd(i);
      if (holes.rangeStart(i) <= 0 || from >= to) {
        throw fail("out-of-order range " + holes);
      }
      if (to > SENT_LIMIT || sent.nextClearBit((int) from) < to) {
        throw fail("out-of-order bytes [" + from + ", " + to
            + ") held, but the peer never sent all of them");
      }
    }
  }

  // ------------------------------------------------------------------ helpers

  /**
   * The byte at {@code offset} of the peer's stream: a table of 2^20 random bytes, XORed with
   * higher bits of the offset, so that bytes misplaced by any distance below 2^36 differ from the
   * expected ones (but for the chance coincidence of single bytes).
   */
  static byte peerByte(long offset) {
    return (byte) (STREAM_TABLE[(int) (offset & STREAM_MASK)] ^ (offset >>> 20) ^ (offset >>> 28));
  }

  /** The application's stream: the same table, read backwards. */
  static byte localByte(long offset) {
    return (byte) (STREAM_TABLE[(int) (~offset & STREAM_MASK)] ^ (offset >>> 20) ^ (offset >>> 28) ^ 0x5A);
  }

  private static final int STREAM_MASK = (1 << 20) - 1;
  private static final byte[] STREAM_TABLE = new byte[1 << 20];

  static {
    long x = 0x5EED_0F_5EEDL;
    for (int i = 0; i < STREAM_TABLE.length; i++) {
      x += 0x9E37_79B9_7F4A_7C15L; // SplitMix64
      long z = (x ^ (x >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
      z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
      STREAM_TABLE[i] = (byte) (z ^ (z >>> 31));
    }
  }

  private static String block(TcpSegment seg, int i) {
    return "SACK block " + Integer.toUnsignedString(seg.options().sackLeft(i)) + "-"
        + Integer.toUnsignedString(seg.options().sackRight(i)) + " in " + what(seg);
  }

  private static String what(TcpSegment seg) {
    return TcpFlags.toString(seg.flags()) + " seq=" + Integer.toUnsignedString(seg.sequenceNumber()) + " ack="
        + Integer.toUnsignedString(seg.acknowledgmentNumber()) + " len=" + seg.payloadLength();
  }

  private AssertionError fail(String message) {
    String at = stepIndex >= 0 ? "step " + stepIndex + " " + script.steps().get(stepIndex) : where;
    return new AssertionError(message + "\n  at " + at + "\n  engine " + (engine == null ? "-" : engine)
        + " readable=" + (engine == null ? 0 : engine.readable()) + " delivered=" + delivered + " written="
        + written + " now=" + now / MS + " ms\n  script " + script);
  }
}
