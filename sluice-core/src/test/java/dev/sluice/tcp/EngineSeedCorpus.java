package dev.sluice.tcp;

import dev.sluice.tcp.EngineFuzzInput.Edge;
import dev.sluice.tcp.EngineFuzzInput.Header;
import dev.sluice.tcp.EngineFuzzInput.Kind;
import dev.sluice.tcp.EngineFuzzInput.Opening;
import dev.sluice.tcp.EngineFuzzInput.Opts;
import dev.sluice.tcp.EngineFuzzInput.Script;
import dev.sluice.tcp.EngineFuzzInput.Step;
import dev.sluice.wire.TcpFlags;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Generates the committed seed corpus of {@link TcpEngineFuzzTest}: scripts that reach the
 * interesting places (a transfer both ways, the FIN before the data, reassembly with SACK, an RST
 * storm, SACK garbage, zero and small windows, every close path, odd flags, PAWS, timeouts,
 * keepalive, a simultaneous open, refusal) and one per engine bug the fuzzer found
 * ({@code bug-*}), encoded with {@link EngineFuzzInput#encode}.
 *
 * <p>Regenerate after changing the input format or adding a seed (from the repository root):
 * <pre>
 *   ./mvnw -q -pl sluice-core test-compile
 *   java -cp sluice-core/target/classes:sluice-core/target/test-classes \
 *       dev.sluice.tcp.EngineSeedCorpus sluice-core/src/test/resources
 * </pre>
 * {@link EngineSeedCorpusTest} fails while the committed files and this generator disagree.
 */
public final class EngineSeedCorpus {
  static final String PACKAGE_DIR = "dev/sluice/tcp/";
  private static final String INPUTS = "TcpEngineFuzzTestInputs/";

  private final Map<String, Script> scripts = new LinkedHashMap<>();

  private EngineSeedCorpus() {}

  public static void main(String[] args) throws IOException {
    Path root = Path.of(args.length > 0 ? args[0] : "sluice-core/src/test/resources");
    Map<String, byte[]> seeds = generate();
    for (Map.Entry<String, byte[]> e : seeds.entrySet()) {
      Path file = root.resolve(PACKAGE_DIR + e.getKey());
      Files.createDirectories(file.getParent());
      Files.write(file, e.getValue());
    }
    System.out.println("wrote " + seeds.size() + " seeds under " + root.resolve(PACKAGE_DIR + INPUTS));
  }

  /** Every seed's bytes, keyed by {@code TcpEngineFuzzTestInputs/<method>/<name>}. */
  static Map<String, byte[]> generate() {
    Map<String, byte[]> files = new LinkedHashMap<>();
    scripts().forEach((name, script) -> files.put(name, EngineFuzzInput.encode(script)));
    return files;
  }

  /** Every seed's script, keyed as in {@link #generate}. */
  static Map<String, Script> scripts() {
    EngineSeedCorpus c = new EngineSeedCorpus();
    c.established();
    c.synSent();
    c.synReceived();
    return c.scripts;
  }

  /** The fuzz method that replays seeds of an opening. */
  static String method(Opening opening) {
    return switch (opening) {
      case SYN_SENT -> "synSent";
      case SYN_RECEIVED -> "synReceived";
      case ESTABLISHED -> "established";
    };
  }

  // ---------------------------------------------------------------- established

  private void established() {
    Opening o = Opening.ESTABLISHED;
    add(o, "transfer-both-ways", h -> h.finOffset = 4380,
        write(10_000), advance(50), ack(), data(1460), data(1460), readAll(), data(1460), advance(100),
        ack(), readAll(), fin(0), readAll(), readAll(), write(5_000), advance(200), ack(), close(), ack(),
        advance(1_000));
    add(o, "fin-before-data", h -> h.finOffset = 3000,
        fin(0), data(1500), readAll(), data(1500), readAll(), readAll(), close(), ack());
    add(o, "reassembly-with-sack", h -> {
          h.finOffset = 12_000;
          h.outOfOrderRanges = 3; // 4 ranges
        },
        seg(Kind.DATA).at(4000).len(1000).step(), seg(Kind.DATA).at(2000).len(1000).step(),
        seg(Kind.DATA).at(8000).len(1000).step(), seg(Kind.DATA).at(6000).len(1000).step(),
        seg(Kind.DATA).at(10_000).len(1000).step(), seg(Kind.DATA).at(-500).len(1500).step(),
        readAll(), seg(Kind.DATA).at(1000).len(2000).step(), seg(Kind.DATA).at(500).len(2000).step(),
        data(2000), data(2000), readAll(), data(2000), fin(0), readAll(), readAll());
    add(o, "rst-storm", h -> h.challengeAcks = 1, // 0 per second: every challenge ACK is rate-limited
        seg(Kind.RST).at(1).step(), seg(Kind.RST).at(-1).step(), seg(Kind.RST).wide(70_000).step(),
        seg(Kind.RST).raw(0).step(), seg(Kind.RST).flags(1).ackMax(-1).at(10).step(),
        seg(Kind.RST).flags(1).ackRaw(12345).nearFin(0).step(), seg(Kind.RST).at(65_534).step(),
        seg(Kind.RST).at(65_535).step(), seg(Kind.RST).noOpts().at(3).step(), seg(Kind.RST).step());
    add(o, "rst-storm-challenge-acks", h -> { },
        write(3000), rsts(15), seg(Kind.RST).flags(1).step(), advance(10_000));
    add(o, "sack-garbage", h -> h.nagle = false,
        write(30_000), advance(10),
        ackWith(opts().sack(new Edge(1, -1000), new Edge(1, 0))),
        ackWith(opts().sack(new Edge(1, 0), new Edge(1, -1000))), // reversed
        ackWith(opts().sack(new Edge(1, 1), new Edge(1, 3000))), // beyond SND.MAX
        ackWith(opts().sack(new Edge(0, -3000), new Edge(0, -1))), // below SND.UNA: a D-SACK
        ackWith(opts().sack(new Edge(3, 0), new Edge(3, -1), new Edge(2, 100), new Edge(2, 99),
            new Edge(3, Integer.MIN_VALUE), new Edge(3, Integer.MAX_VALUE), new Edge(0, 0), new Edge(1, 0))),
        seg(Kind.ACK).ackUna(0).opts(opts().ts(1, 0).sack(new Edge(2, 1448), new Edge(2, 2896))).step(),
        seg(Kind.ACK).ackUna(0).opts(opts().ts(1, 0).sack(new Edge(2, 4344), new Edge(2, 5792))).step(),
        seg(Kind.ACK).ackUna(0).opts(opts().ts(1, 0).sack(new Edge(2, 7240), new Edge(2, 8688),
            new Edge(2, 10_136), new Edge(2, 11_584))).step(),
        seg(Kind.ACK).ackUna(0).step(), seg(Kind.ACK).ackUna(0).step(), seg(Kind.ACK).ackUna(0).step(),
        advance(5), ack(), advance(1_000), ack());
    add(o, "zero-window-persist", h -> { },
        seg(Kind.ACK).win(0).step(), write(5_000), advance(1_000), advance(2_000), advance(4_000),
        advance(8_000), seg(Kind.ACK).win(100).step(), advance(1_000), seg(Kind.ACK).win(0xFFFF).step(),
        ack(), advance(1_000), ack());
    add(o, "zero-window-forever-close", h -> h.sendBuffer = 1, // 1000 bytes
        seg(Kind.ACK).win(0).step(), write(5_000), close(), advance(10_000), advance(10_000));
    add(o, "bug-sws-small-window-stalls", h -> h.synOpts = opts().mss(1460).sackPermitted().ts(1, 0).build(),
        write(65_000), seg(Kind.ACK).win(1024).step());
    add(o, "active-close-time-wait", h -> h.finOffset = 0,
        write(3_000), close(), ack(), fin(0), advance(10_000), fin(0), advance(10_000), advance(10_000),
        advance(10_000), advance(10_000), advance(10_000), advance(10_000));
    add(o, "passive-close-last-ack", h -> h.finOffset = 500,
        data(500), fin(0), readAll(), readAll(), write(100), close(), ack(), advance(1_000));
    add(o, "simultaneous-close-closing", h -> h.finOffset = 0,
        close(), seg(Kind.FIN).ackUna(0).step(), ack(), advance(10_000));
    add(o, "close-with-unread-data-resets", h -> { },
        data(1000), close(), data(100), ack());
    add(o, "shutdown-then-peer-data", h -> h.finOffset = 4000,
        write(100), shutdown(), ack(), data(2000), readAll(), data(2000), fin(0), readAll(), readAll());
    add(o, "bug-read-zero-length-at-eos", h -> h.finOffset = 255,
        data(255), fin(0), read(0), read(100), read(0), readAll());
    add(o, "bug-out-of-order-beyond-fin", h -> h.finOffset = 32,
        seg(Kind.DATA).nearFin(2560).len(77).step(), fin(32), readAll(), readAll(), close());
    add(o, "odd-flags", h -> h.finOffset = 100,
        seg(Kind.SYN).at(10).step(), seg(Kind.SYN).flags(1).step(), seg(Kind.SYN).wide(-100_000).step(),
        flags(TcpFlags.SYN | TcpFlags.FIN), flags(0), flags(0xFF), flags(TcpFlags.FIN | TcpFlags.RST | TcpFlags.ACK),
        flags(TcpFlags.URG | TcpFlags.ECE | TcpFlags.CWR | TcpFlags.ACK), data(100),
        flags(TcpFlags.SYN | TcpFlags.FIN | TcpFlags.ACK), flags(TcpFlags.FIN | TcpFlags.ACK), readAll(), readAll());
    add(o, "paws-stale-timestamps", h -> h.finOffset = 3000,
        seg(Kind.DATA).len(1000).opts(opts().ts(2, 1000)).step(), data(1000),
        seg(Kind.DATA).len(1000).opts(opts().ts(3, 0x7FFF_FFF0)).step(), data(1000),
        seg(Kind.DATA).len(1000).opts(opts().ts(3, 5)).step(), advance(1_000), data(1000), fin(0), readAll());
    add(o, "retransmit-until-give-up", h -> h.retries = 3,
        write(2_000), advance(10_000), advance(10_000), advance(10_000), advance(10_000), advance(10_000));
    add(o, "keepalive-silent-peer", h -> {
          h.liveness = true;
          h.keepAliveIdleS = 10;
          h.keepAliveIntervalS = 1;
          h.keepAliveProbes = 3;
          h.userTimeout = 1; // 5 s
        },
        advance(10_000), ack(), write(1_000), advance(3_000), advance(10_000));
    add(o, "passive-mtu128-mss0-ws255", h -> {
          h.passive = true;
          h.mtu = 5; // 128
          h.synOpts = opts().mss(0).ws(255).sackPermitted().ts(1, 0).build();
          h.finOffset = 3000;
        },
        write(20_000), ack(), ack(), advance(300), ack(), data(88), data(2000), readAll(),
        seg(Kind.ACK).ackMax(0).opts(opts().ts(1, 0).sack(new Edge(1, -100), new Edge(1, -50))).step(), ack());
    add(o, "ipv6-jumbo-1m-buffer", h -> {
          h.ipv6 = true;
          h.mtu = 4; // 65535
          h.receiveBuffer = 7; // 1 MiB: window scale 5
          h.sendBuffer = 4;
          h.synOpts = opts().mss(65_535).ws(14).sackPermitted().ts(1, 0).build();
          h.finOffset = 6000;
        },
        write(131_072), ack(), data(2000), data(2000), seg(Kind.DATA).wide(500_000).len(2000).step(),
        seg(Kind.DATA).wide(-1_000_000).len(2000).step(), data(2000), fin(0), readAll(), advance(500), ack());
    add(o, "batch-mode", h -> {
          h.batch = true;
          h.finOffset = 3000;
        },
        write(5_000), data(1000), data(1000), poll(1), poll(0), ack(), data(1000), fin(0), poll(0), readAll(),
        advance(100));
    add(o, "abort-established", h -> { }, write(1_000), abort(), data(10), write(10), read(10));
  }

  // ---------------------------------------------------------------- SYN-SENT

  private void synSent() {
    Opening o = Opening.SYN_SENT;
    Opts synAck = opts().mss(1460).ws(7).sackPermitted().ts(1, 0).build();
    add(o, "syn-ack-then-transfer", h -> h.finOffset = 2000,
        seg(Kind.SYN).flags(1).opts(synAck).step(), write(3_000), data(1000), ack(), data(1000), readAll(), fin(0),
        readAll(), readAll(), close(), ack());
    add(o, "bug-simultaneous-open-shutdown", h -> { },
        seg(Kind.SYN).opts(synAck).step(), shutdown(), advance(1_000));
    add(o, "simultaneous-open-completes", h -> h.finOffset = 500,
        seg(Kind.SYN).opts(synAck).step(), seg(Kind.SYN).flags(1).opts(synAck).step(), data(500), fin(0), readAll(),
        close(), ack());
    add(o, "syn-ack-with-data-and-fin", h -> h.finOffset = 100,
        seg(Kind.FLAGS).flags(TcpFlags.SYN | TcpFlags.ACK | TcpFlags.FIN).len(100).opts(synAck).step(), readAll(),
        readAll(), close(), ack());
    add(o, "refused-after-bad-acks", h -> { },
        seg(Kind.SYN).flags(1).ackMax(5).step(), seg(Kind.SYN).flags(1).ackRaw(0).step(), seg(Kind.RST).step(),
        seg(Kind.RST).flags(1).ackMax(-1).step(), data(10), seg(Kind.RST).flags(1).step());
    add(o, "syn-retransmit-give-up", h -> h.synRetries = 2,
        advance(10_000), advance(10_000), advance(10_000));
  }

  // ---------------------------------------------------------------- SYN-RECEIVED

  private void synReceived() {
    Opening o = Opening.SYN_RECEIVED;
    Consumer<HeaderBuilder> passive = h -> h.passive = true;
    add(o, "ack-completes-then-transfer", passive.andThen(h -> h.finOffset = 1000),
        ack(), write(2_000), data(1000), fin(0), readAll(), readAll(), ack(), close(), ack());
    add(o, "bug-shutdown-before-ack", passive, shutdown(), flags(0));
    add(o, "shutdown-before-ack-then-ack", passive, shutdown(), ack(), ack(), advance(1_000));
    add(o, "bug-syn-ack-retransmit-shrinks-window", passive.andThen(h -> {
          h.receiveBuffer = 7; // 1 MiB: window scale 5, so an ACK offers more than a SYN-ACK can
          h.finOffset = 20_000;
        }),
        seg(Kind.RST).nearFin(0).step(), advance(1_000), seg(Kind.DATA).at(100_000).len(1000).step());
    add(o, "duplicate-syn-and-bad-ack", passive,
        seg(Kind.SYN).at(-1).step(), seg(Kind.ACK).ackMax(1).step(), seg(Kind.ACK).ackRaw(0).step(), ack());
    add(o, "never-acked", passive.andThen(h -> h.synRetries = 3), advance(10_000), advance(10_000));
  }

  // ---------------------------------------------------------------- building scripts

  /** Adds a seed; {@code steps} are {@link Step}s and {@code Step[]}s, in order. */
  private void add(Opening opening, String name, Consumer<HeaderBuilder> changes, Object... steps) {
    HeaderBuilder h = new HeaderBuilder(opening);
    changes.accept(h);
    List<Step> list = new ArrayList<>();
    for (Object step : steps) {
      if (step instanceof Step[] many) {
        list.addAll(List.of(many));
      } else {
        list.add((Step) step);
      }
    }
    String key = INPUTS + method(opening) + "/" + name;
    if (scripts.put(key, new Script(opening, h.build(), List.copyOf(list))) != null) {
      throw new IllegalStateException("two seeds named " + key);
    }
  }

  /** The header fields, starting from a realistic configuration (Linux-like defaults). */
  private static final class HeaderBuilder {
    private final Opening opening;
    int receiveBuffer = 4; // 65535
    int sendBuffer = 3; // 65536
    int mtu;
    boolean ipv6;
    boolean timestamps = true;
    boolean sack = true;
    boolean windowScaling = true;
    boolean nagle = true;
    int outOfOrderRanges;
    boolean cubic = true;
    int initialWindow;
    int synRetries = 6;
    int retries = 15;
    int challengeAcks;
    boolean liveness;
    int keepAliveIdleS;
    int keepAliveIntervalS;
    int keepAliveProbes;
    int userTimeout;
    boolean batch;
    int txOffset = 3;
    int localIssBack = 1000; // sequence numbers wrap after 1000 bytes
    int peerIssBack = 300;
    int finOffset = 100_000;
    boolean passive;
    int synWindow = 0xFFFF;
    Opts synOpts = opts().mss(1460).ws(7).sackPermitted().ts(1, 0).build();

    HeaderBuilder(Opening opening) {
      this.opening = opening;
    }

    Header build() {
      boolean synOpening = opening == Opening.SYN_SENT;
      return new Header(receiveBuffer, sendBuffer, mtu, ipv6, timestamps, sack, windowScaling, nagle,
          outOfOrderRanges, cubic, initialWindow, synRetries, retries, challengeAcks, liveness,
          liveness ? keepAliveIdleS : 0, liveness ? keepAliveIntervalS : 0, liveness ? keepAliveProbes : 0,
          liveness ? userTimeout : 0, batch, txOffset, localIssBack, peerIssBack, finOffset,
          opening == Opening.SYN_RECEIVED || opening == Opening.ESTABLISHED && passive,
          synOpening ? 0 : synWindow, synOpening ? Opts.NONE : synOpts);
    }
  }

  /** A peer segment; by default at RCV.NXT, acknowledging SND.MAX, window 65535, automatic timestamps. */
  private static SegmentBuilder seg(Kind kind) {
    return new SegmentBuilder(kind);
  }

  private static final class SegmentBuilder {
    private final Kind kind;
    private int flags;
    private int seqMode;
    private int seq;
    private int length;
    private int ackMode;
    private int ack;
    private int windowMode;
    private int window;
    private int optsMode = 1;
    private Opts opts = Opts.NONE;

    SegmentBuilder(Kind kind) {
      this.kind = kind;
    }

    SegmentBuilder flags(int value) {
      flags = value;
      return this;
    }

    /** RCV.NXT + delta (mode 1 within ±3000, mode 2 beyond). */
    SegmentBuilder at(int delta) {
      return seq(delta == 0 ? 0 : Math.abs(delta) <= 3000 ? 1 : 2, delta);
    }

    SegmentBuilder wide(int delta) {
      return seq(2, delta);
    }

    SegmentBuilder raw(int value) {
      return seq(3, value);
    }

    SegmentBuilder nearFin(int delta) {
      return seq(4, delta);
    }

    private SegmentBuilder seq(int mode, int value) {
      seqMode = mode;
      seq = value;
      return this;
    }

    SegmentBuilder len(int value) {
      length = value;
      return this;
    }

    SegmentBuilder ackUna(int delta) {
      ackMode = 1;
      ack = delta;
      return this;
    }

    SegmentBuilder ackMax(int delta) {
      ackMode = delta == 0 ? 0 : 2;
      ack = delta;
      return this;
    }

    SegmentBuilder ackRaw(int value) {
      ackMode = 3;
      ack = value;
      return this;
    }

    SegmentBuilder noAck() {
      ackMode = 4;
      ack = 0;
      return this;
    }

    SegmentBuilder win(int value) {
      windowMode = value == 0xFFFF ? 0 : value == 0 ? 1 : value <= EngineFuzzInput.MAX_PAYLOAD ? 2 : 3;
      window = windowMode >= 2 ? value : 0;
      return this;
    }

    SegmentBuilder noOpts() {
      optsMode = 0;
      opts = Opts.NONE;
      return this;
    }

    SegmentBuilder opts(OptsBuilder value) {
      return opts(value.build());
    }

    SegmentBuilder opts(Opts value) {
      optsMode = 2;
      opts = value;
      return this;
    }

    Step step() {
      return Step.segment(kind, flags, seqMode, seq, length, ackMode, ack, windowMode, window, optsMode, opts);
    }
  }

  private static OptsBuilder opts() {
    return new OptsBuilder();
  }

  private static final class OptsBuilder {
    private boolean mss;
    private int mssValue;
    private boolean ws;
    private int wsValue;
    private boolean sackPermitted;
    private int ts;
    private int tsDelta;
    private int ecr;
    private int ecrValue;
    private final List<Edge> sack = new ArrayList<>();

    OptsBuilder mss(int value) {
      mss = true;
      mssValue = value;
      return this;
    }

    OptsBuilder ws(int value) {
      ws = true;
      wsValue = value;
      return this;
    }

    OptsBuilder sackPermitted() {
      sackPermitted = true;
      return this;
    }

    /** Mode 1 fresh (delta 0), 2 stale by delta, 3 the value delta; the echo is our last TSval. */
    OptsBuilder ts(int mode, int delta) {
      ts = mode;
      tsDelta = delta;
      return this;
    }

    OptsBuilder ecr(int mode, int value) {
      ecr = mode;
      ecrValue = value;
      return this;
    }

    /** SACK blocks, two edges each. */
    OptsBuilder sack(Edge... edges) {
      sack.addAll(List.of(edges));
      return this;
    }

    Opts build() {
      return new Opts(mss, mssValue, ws, wsValue, sackPermitted, ts, tsDelta, ts == 0 ? 0 : ecr,
          ts != 0 && ecr == 2 ? ecrValue : 0, List.copyOf(sack));
    }
  }

  private static Step data(int length) {
    return seg(Kind.DATA).len(length).step();
  }

  /** The peer's FIN, riding on the last {@code length} bytes before it. */
  private static Step fin(int length) {
    return seg(Kind.FIN).len(length).step();
  }

  /** A pure ACK of everything sent. */
  private static Step ack() {
    return seg(Kind.ACK).step();
  }

  private static Step ackWith(OptsBuilder options) {
    return seg(Kind.ACK).ackUna(0).opts(options.ts(1, 0)).step();
  }

  private static Step flags(int flags) {
    return seg(Kind.FLAGS).flags(flags).step();
  }

  /** {@code count} RSTs inside the window but not at RCV.NXT: each asks for a challenge ACK. */
  private static Step[] rsts(int count) {
    Step[] steps = new Step[count];
    for (int i = 0; i < count; i++) {
      steps[i] = seg(Kind.RST).at(i + 1).step();
    }
    return steps;
  }

  private static Step read(int length) {
    return Step.read(length);
  }

  private static Step readAll() {
    return Step.read(-1);
  }

  private static Step write(int length) {
    return Step.app(Kind.WRITE, length);
  }

  private static Step shutdown() {
    return Step.app(Kind.SHUTDOWN, 0);
  }

  private static Step close() {
    return Step.app(Kind.CLOSE, 0);
  }

  private static Step abort() {
    return Step.app(Kind.ABORT, 0);
  }

  private static Step advance(int ms) {
    return Step.app(Kind.ADVANCE, ms);
  }

  private static Step poll(int segments) {
    return Step.app(Kind.POLL, segments);
  }
}
