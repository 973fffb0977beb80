package dev.sluice.tcp;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The input format of {@link TcpEngineFuzzTest}: a {@link Header} (configuration, ISNs, the
 * peer's FIN offset, the options of the opening SYN) and up to {@link #MAX_STEPS} {@link Step}s.
 *
 * <p>One codec both reads and writes the format: each field is a {@link Channel#pick} of a value in
 * a fixed range, in a fixed order. Decoding reads the picks from Jazzer's {@link FuzzedDataProvider}
 * ({@link #decode}); encoding records the picks a seed wants and lays them out as the bytes that
 * provider would read them from ({@link #encode}). So the seed generator cannot drift from the
 * decoder: there is only one description of the format. The ranges depend on nothing but the
 * header (never on the engine), so a script means the same thing whatever the engine does.
 *
 * <p>Semantics that depend on the engine's state (where RCV.NXT is, what was sent) are applied by
 * {@link EngineFuzzRun} when the step runs; the script only says "RCV.NXT + 17" or "SND.MAX".
 */
final class EngineFuzzInput {
  static final int MAX_STEPS = 200;
  static final int MAX_PAYLOAD = 2000;
  static final int MAX_ADVANCE_MS = 10_000;
  static final int MAX_APP_BYTES = 1 << 17;

  static final int[] RECEIVE_BUFFERS = {1, 500, 3_000, 16_384, 65_535, 65_536, 262_144, 1 << 20};
  static final int[] SEND_BUFFERS = {1, 1_000, 8_000, 65_536, 262_144};
  /** Path MTUs; IPv6 raises them to 1280. 128 still fits 40 bytes of options and some data. */
  static final int[] MTUS = {1500, 576, 1280, 9000, 65_535, 128};
  static final int[] OUT_OF_ORDER_RANGES = {64, 1, 2, 4};
  static final int[] INITIAL_WINDOWS = {10, 1, 4};
  static final int[] CHALLENGE_ACKS = {10, 0, 1, 1000};
  static final long[] USER_TIMEOUTS_S = {0, 5, 60, 600};

  /** How the engine is opened: one fuzz target per opening. */
  enum Opening {
    /** {@code connect}: the steps must bring the SYN-ACK (or a SYN, for a simultaneous open). */
    SYN_SENT,
    /** {@code accept} of the header's SYN: the steps must bring the ACK. */
    SYN_RECEIVED,
    /** A complete handshake, active or passive (the header says), with the header's options. */
    ESTABLISHED
  }

  // ---------------------------------------------------------------- the format

  /**
   * A TCP option set the peer sends. {@code ts}: 0 none, 1 fresh (the peer's clock, never behind
   * a value it sent), 2 fresh - tsDelta (stale), 3 tsDelta itself; {@code ecr}: 0 our last TSval,
   * 1 zero, 2 ecrValue. {@code sack}: two edges per block (the peer's segment keeps what fits).
   */
  record Opts(boolean mss, int mssValue, boolean ws, int wsValue, boolean sackPermitted, int ts,
      int tsDelta, int ecr, int ecrValue, List<Edge> sack) {
    static final Opts NONE = new Opts(false, 0, false, 0, false, 0, 0, 0, 0, List.of());
  }

  /**
   * A SACK edge in our send sequence space. {@code mode}: 0 the peer's SND.UNA estimate + delta,
   * 1 SND.MAX + delta, 2 ISS + 1 + delta (delta in [0, 2^20]), 3 any value (delta is it).
   */
  record Edge(int mode, int delta) {
    static final Edge DEFAULT = new Edge(1, 0);
  }

  /** Kinds of step; the segment kinds come first. */
  enum Kind {
    DATA, FIN, RST, SYN, ACK, FLAGS,
    READ, WRITE, SHUTDOWN, CLOSE, ABORT, ADVANCE, POLL;

    boolean isSegment() {
      return ordinal() <= FLAGS.ordinal();
    }
  }

  /**
   * One step. For segments: {@code flags} (FLAGS: any 8 bits; RST, SYN: whether ACK is set too),
   * {@code seqMode}/{@code seq} (0 RCV.NXT, 1 RCV.NXT ± 3000, 2 RCV.NXT ± 2 windows, 3 any
   * 32-bit number, 4 the FIN offset ± 3000), {@code length} of payload, {@code ackMode}/{@code ack}
   * (0 SND.MAX, 1 SND.UNA ± 3000, 2 SND.MAX ± 3000, 3 any, 4 the ACK flag cleared),
   * {@code windowMode}/{@code window} (0 65535, 1 zero, 2 1..2000, 3 any), {@code optsMode}
   * (0 none, 1 automatic timestamps, 2 {@code opts}). For READ: at most {@code length} bytes
   * ({@code seqMode} 1), or everything readable ({@code seqMode} 0). WRITE: {@code length} bytes.
   * ADVANCE: {@code length} ms. POLL: {@code length} segments at most (0: all).
   */
  record Step(Kind kind, int flags, int seqMode, int seq, int length, int ackMode, int ack,
      int windowMode, int window, int optsMode, Opts opts) {
    static final Step DEFAULT = new Step(Kind.ACK, 0, 0, 0, 0, 0, 0, 0, 0, 0, Opts.NONE);

    /** An application or time step; READ takes {@link #read} instead. */
    static Step app(Kind kind, int length) {
      return new Step(kind, 0, 0, 0, length, 0, 0, 0, 0, 0, Opts.NONE);
    }

    /** READ of at most {@code length} bytes, or of everything readable if {@code length} < 0. */
    static Step read(int length) {
      return new Step(Kind.READ, 0, length < 0 ? 0 : 1, 0, Math.max(length, 0), 0, 0, 0, 0, 0, Opts.NONE);
    }

    static Step segment(Kind kind, int flags, int seqMode, int seq, int length, int ackMode, int ack,
        int windowMode, int window, int optsMode, Opts opts) {
      return new Step(kind, flags, seqMode, seq, length, ackMode, ack, windowMode, window, optsMode, opts);
    }
  }

  /**
   * Everything chosen before the first step. ISNs are {@code 2^32 - 1 - back}, so sequence numbers
   * wrap within the first 64 KiB. {@code liveness} enables keepalive (and maybe a user timeout):
   * then every connection must end when the peer goes silent.
   */
  record Header(int receiveBuffer, int sendBuffer, int mtu, boolean ipv6, boolean timestamps,
      boolean sack, boolean windowScaling, boolean nagle, int outOfOrderRanges, boolean cubic,
      int initialWindow, int synRetries, int retries, int challengeAcks, boolean liveness,
      int keepAliveIdleS, int keepAliveIntervalS, int keepAliveProbes, int userTimeout,
      boolean batch, int txOffset, int localIssBack, int peerIssBack, int finOffset,
      boolean passive, int synWindow, Opts synOpts) {
    static final Header DEFAULT = new Header(4, 3, 0, false, true, true, true, true, 0, true, 0, 6, 15,
        0, false, 7200, 75, 9, 0, false, 0, 100, 200, 10_000, false, 65_535, Opts.NONE);

    int localIss() {
      return -1 - localIssBack;
    }

    int peerIss() {
      return -1 - peerIssBack;
    }

    TcpConfig config() {
      return TcpConfig.builder().buildWith(b -> {
        b.receiveBufferBytes = RECEIVE_BUFFERS[receiveBuffer];
        b.sendBufferBytes = SEND_BUFFERS[sendBuffer];
        b.mtu = ipv6 && MTUS[mtu] < 1280 ? 1280 : MTUS[mtu];
        b.timestamps = timestamps;
        b.sack = sack;
        b.windowScaling = windowScaling;
        b.nagle = nagle;
        b.maxOutOfOrderRanges = OUT_OF_ORDER_RANGES[outOfOrderRanges];
        b.congestion = cubic ? CongestionAlgorithm.CUBIC : CongestionAlgorithm.NEW_RENO;
        b.initialWindowSegments = INITIAL_WINDOWS[initialWindow];
        b.maxSynRetransmits = synRetries;
        b.maxRetransmits = retries;
        b.challengeAcksPerSecond = CHALLENGE_ACKS[challengeAcks];
        if (liveness) {
          b.keepAliveIdleNanos = keepAliveIdleS * 1_000_000_000L;
          b.keepAliveIntervalNanos = keepAliveIntervalS * 1_000_000_000L;
          b.keepAliveProbes = keepAliveProbes;
          b.userTimeoutNanos = USER_TIMEOUTS_S[userTimeout] * 1_000_000_000L;
        }
      });
    }
  }

  record Script(Opening opening, Header header, List<Step> steps) {
    @Override
    public String toString() {
      StringBuilder s = new StringBuilder(opening + " " + header);
      for (int i = 0; i < steps.size(); i++) {
        s.append("\n  ").append(i).append(": ").append(steps.get(i));
      }
      return s.toString();
    }
  }

  // ---------------------------------------------------------------- the codec

  /** One pick of a value in [min, max]; {@code value} is what an encoder wants, a decoder ignores it. */
  interface Channel {
    int pick(int min, int max, int value);

    /** True while another step follows (decoder: input left; encoder: steps left). */
    boolean more(int stepIndex);

    default boolean flag(boolean value) {
      return pick(0, 1, value ? 1 : 0) == 1;
    }
  }

  private EngineFuzzInput() {}

  static Script codec(Channel c, Opening opening, Script template) {
    Header h = header(c, opening, template == null ? Header.DEFAULT : template.header());
    List<Step> steps = new ArrayList<>();
    for (int i = 0; i < MAX_STEPS && c.more(i); i++) {
      Step t = template != null && i < template.steps().size() ? template.steps().get(i) : Step.DEFAULT;
      steps.add(step(c, h, t));
    }
    return new Script(opening, h, List.copyOf(steps));
  }

  private static Header header(Channel c, Opening opening, Header t) {
    int receiveBuffer = c.pick(0, RECEIVE_BUFFERS.length - 1, t.receiveBuffer());
    int sendBuffer = c.pick(0, SEND_BUFFERS.length - 1, t.sendBuffer());
    int mtu = c.pick(0, MTUS.length - 1, t.mtu());
    boolean ipv6 = c.flag(t.ipv6());
    boolean timestamps = c.flag(t.timestamps());
    boolean sack = c.flag(t.sack());
    boolean windowScaling = c.flag(t.windowScaling());
    boolean nagle = c.flag(t.nagle());
    int ranges = c.pick(0, OUT_OF_ORDER_RANGES.length - 1, t.outOfOrderRanges());
    boolean cubic = c.flag(t.cubic());
    int initialWindow = c.pick(0, INITIAL_WINDOWS.length - 1, t.initialWindow());
    int synRetries = c.pick(0, 6, t.synRetries());
    int retries = c.pick(0, 15, t.retries());
    int challengeAcks = c.pick(0, CHALLENGE_ACKS.length - 1, t.challengeAcks());
    boolean liveness = c.flag(t.liveness());
    int idle = 0;
    int interval = 0;
    int probes = 0;
    int userTimeout = 0;
    if (liveness) {
      idle = c.pick(1, 7200, t.keepAliveIdleS());
      interval = c.pick(1, 75, t.keepAliveIntervalS());
      probes = c.pick(1, 9, t.keepAliveProbes());
      userTimeout = c.pick(0, USER_TIMEOUTS_S.length - 1, t.userTimeout());
    }
    boolean batch = c.flag(t.batch());
    int txOffset = c.pick(0, 7, t.txOffset());
    int localIssBack = c.pick(0, 0xFFFF, t.localIssBack());
    int peerIssBack = c.pick(0, 0xFFFF, t.peerIssBack());
    int finOffset = c.pick(0, 1 << 18, t.finOffset());
    boolean passive = opening == Opening.SYN_RECEIVED
        || opening == Opening.ESTABLISHED && c.flag(t.passive());
    int synWindow = opening == Opening.SYN_SENT ? 0 : c.pick(0, 0xFFFF, t.synWindow());
    Opts synOpts = opening == Opening.SYN_SENT ? Opts.NONE : opts(c, t.synOpts());
    return new Header(receiveBuffer, sendBuffer, mtu, ipv6, timestamps, sack, windowScaling, nagle,
        ranges, cubic, initialWindow, synRetries, retries, challengeAcks, liveness, idle, interval,
        probes, userTimeout, batch, txOffset, localIssBack, peerIssBack, finOffset, passive, synWindow,
        synOpts);
  }

  private static Step step(Channel c, Header h, Step t) {
    Kind kind = Kind.values()[c.pick(0, Kind.values().length - 1, t.kind().ordinal())];
    if (!kind.isSegment()) {
      return switch (kind) {
        case READ -> {
          int bounded = c.pick(0, 1, t.seqMode());
          yield Step.read(bounded == 0 ? -1 : c.pick(0, MAX_APP_BYTES, t.length()));
        }
        case WRITE -> Step.app(kind, c.pick(0, MAX_APP_BYTES, t.length()));
        case ADVANCE -> Step.app(kind, c.pick(0, MAX_ADVANCE_MS, t.length()));
        case POLL -> Step.app(kind, c.pick(0, 8, t.length()));
        default -> Step.app(kind, 0);
      };
    }
    int flags = switch (kind) {
      case FLAGS -> c.pick(0, 0xFF, t.flags());
      case RST, SYN -> c.pick(0, 1, t.flags()); // 1: with ACK
      default -> 0;
    };
    int seqMode = 0;
    int seq = 0;
    if (kind != Kind.FIN) {
      int window = Math.max(RECEIVE_BUFFERS[h.receiveBuffer()], 4096);
      seqMode = c.pick(0, 4, t.seqMode());
      seq = switch (seqMode) {
        case 1, 4 -> c.pick(-3000, 3000, t.seq());
        case 2 -> c.pick(-2 * window, 2 * window, t.seq());
        case 3 -> c.pick(Integer.MIN_VALUE, Integer.MAX_VALUE, t.seq());
        default -> 0;
      };
    }
    int length = kind == Kind.RST || kind == Kind.ACK ? 0 : c.pick(0, MAX_PAYLOAD, t.length());
    int ackMode = c.pick(0, 4, t.ackMode());
    int ack = switch (ackMode) {
      case 1, 2 -> c.pick(-3000, 3000, t.ack());
      case 3 -> c.pick(Integer.MIN_VALUE, Integer.MAX_VALUE, t.ack());
      default -> 0;
    };
    int windowMode = c.pick(0, 3, t.windowMode());
    int window = switch (windowMode) {
      case 2 -> c.pick(1, MAX_PAYLOAD, t.window());
      case 3 -> c.pick(0, 0xFFFF, t.window());
      default -> 0;
    };
    int optsMode = c.pick(0, 2, t.optsMode());
    Opts opts = optsMode == 2 ? opts(c, t.opts()) : Opts.NONE;
    return new Step(kind, flags, seqMode, seq, length, ackMode, ack, windowMode, window, optsMode, opts);
  }

  private static Opts opts(Channel c, Opts t) {
    boolean mss = c.flag(t.mss());
    int mssValue = mss ? c.pick(0, 0xFFFF, t.mssValue()) : 0;
    boolean ws = c.flag(t.ws());
    int wsValue = ws ? c.pick(0, 255, t.wsValue()) : 0;
    boolean sackPermitted = c.flag(t.sackPermitted());
    int ts = c.pick(0, 3, t.ts());
    int tsDelta = switch (ts) {
      case 2 -> c.pick(1, 1 << 24, t.tsDelta());
      case 3 -> c.pick(Integer.MIN_VALUE, Integer.MAX_VALUE, t.tsDelta());
      default -> 0;
    };
    int ecr = ts == 0 ? 0 : c.pick(0, 2, t.ecr()); // 0 echo, 1 zero, 2 any
    int ecrValue = ecr == 2 ? c.pick(Integer.MIN_VALUE, Integer.MAX_VALUE, t.ecrValue()) : 0;
    int blocks = c.pick(0, 4, t.sack().size() / 2);
    List<Edge> edges = new ArrayList<>();
    for (int i = 0; i < 2 * blocks; i++) {
      edges.add(edge(c, i < t.sack().size() ? t.sack().get(i) : Edge.DEFAULT));
    }
    return new Opts(mss, mssValue, ws, wsValue, sackPermitted, ts, tsDelta, ecr, ecrValue, List.copyOf(edges));
  }

  private static Edge edge(Channel c, Edge t) {
    int mode = c.pick(0, 3, t.mode());
    int delta = switch (mode) {
      case 0, 1 -> c.pick(-3000, 3000, t.delta());
      case 2 -> c.pick(0, 1 << 20, t.delta());
      default -> c.pick(Integer.MIN_VALUE, Integer.MAX_VALUE, t.delta());
    };
    return new Edge(mode, delta);
  }

  // ---------------------------------------------------------------- decoding and encoding

  /** Reads a script from Jazzer's provider: the fuzz targets' entry. */
  static Script decode(FuzzedDataProvider data, Opening opening) {
    return codec(new Channel() {
      @Override
      public int pick(int min, int max, int value) {
        return min == max ? min : data.consumeInt(min, max);
      }

      @Override
      public boolean more(int stepIndex) {
        return data.remainingBytes() > 0;
      }
    }, opening, null);
  }

  /**
   * The bytes from which {@link FuzzedDataProvider} yields exactly the picks of {@code script}, and
   * then runs out. Jazzer's provider takes integers from the end of the input: see {@link #fromRaw}.
   */
  static byte[] encode(Script script) {
    ByteArrayOutputStream consumed = new ByteArrayOutputStream();
    Script echoed = codec(new Channel() {
      @Override
      public int pick(int min, int max, int value) {
        if (value < min || value > max) {
          throw new IllegalArgumentException(value + " outside [" + min + ", " + max + "]");
        }
        int bytes = bytesFor(min, max);
        long raw = rawFor(min, max, value, bytes);
        for (int i = bytes - 1; i >= 0; i--) {
          consumed.write((int) (raw >>> (8 * i)) & 0xFF);
        }
        return value;
      }

      @Override
      public boolean more(int stepIndex) {
        return stepIndex < script.steps().size();
      }
    }, script.opening(), script);
    if (!echoed.equals(script)) {
      throw new IllegalArgumentException("script is not in canonical form (unused fields must be 0):\n"
          + script + "\nencodes as\n" + echoed);
    }
    byte[] forward = consumed.toByteArray();
    byte[] input = new byte[forward.length];
    for (int i = 0; i < forward.length; i++) {
      input[forward.length - 1 - i] = forward[i];
    }
    return input;
  }

  /** How many bytes {@code consumeInt(min, max)} reads: one per 8 bits of {@code max - min}. */
  private static int bytesFor(int min, int max) {
    long range = (long) max - min;
    int bytes = 0;
    while (bytes < 4 && (range >>> (8 * bytes)) > 0) {
      bytes++;
    }
    return bytes;
  }

  /**
   * What {@code consumeInt(min, max)} of Jazzer 0.26.0 returns for the {@code raw} value of the bytes
   * it read (the first byte read is the most significant): {@code raw} itself if, as an int, it
   * lies in [min, max] (so values from the fuzzer's table of recent compares pass unchanged),
   * otherwise {@code min + raw % (max - min + 1)}. Measured against its native
   * {@code FuzzedDataProviderImpl}, which (unlike libFuzzer's) does not always add {@code min}.
   */
  private static int fromRaw(int min, int max, long raw) {
    int direct = (int) raw;
    if (direct >= min && direct <= max) {
      return direct;
    }
    long range = (long) max - min;
    return (int) (min + raw % (range + 1));
  }

  /** A raw value of {@code bytes} bytes that {@link #fromRaw} turns into {@code value}. */
  private static long rawFor(int min, int max, int value, int bytes) {
    long limit = 1L << (8 * bytes);
    long direct = Integer.toUnsignedLong(value) & (limit - 1);
    if (fromRaw(min, max, direct) == value) {
      return direct;
    }
    long range = (long) max - min;
    for (long raw = (long) value - min; raw < limit; raw += range + 1) {
      if (fromRaw(min, max, raw) == value) {
        return raw;
      }
    }
    throw new IllegalArgumentException("consumeInt(" + min + ", " + max + ") never returns " + value);
  }

  /**
   * Decodes {@code input} as Jazzer's provider would, without Jazzer's native library (which only
   * its agent can load): {@link EngineSeedCorpusTest} uses it to check every committed seed.
   */
  static Script decodeWithoutJazzer(byte[] input, Opening opening) {
    int[] remaining = {input.length};
    return codec(new Channel() {
      @Override
      public int pick(int min, int max, int value) {
        long raw = 0;
        for (int i = 0; i < bytesFor(min, max) && remaining[0] != 0; i++) {
          remaining[0]--;
          raw = (raw << 8) | (input[remaining[0]] & 0xFF);
        }
        return fromRaw(min, max, raw);
      }

      @Override
      public boolean more(int stepIndex) {
        return remaining[0] > 0;
      }
    }, opening, null);
  }
}
