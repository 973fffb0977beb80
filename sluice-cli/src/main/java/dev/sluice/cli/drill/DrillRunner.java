package dev.sluice.cli.drill;

import dev.sluice.api.internal.HostSockets;
import dev.sluice.stack.Host;
import dev.sluice.stack.HostConfig;
import dev.sluice.tcp.TcpConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs one script against a fresh Sluice host on a virtual clock: packetdrill's model, without
 * threads, sleeps or a kernel. Lines run in order at their script times. Injected packets and
 * system calls happen exactly then; an expected packet must leave within the tolerance of its
 * time; a blocking call ({@code start...end}) is retried as virtual time passes and must return
 * within the tolerance of its end time. Between lines, virtual time jumps from one timer to the
 * next, so a script that spans minutes of retransmission backoff runs in milliseconds and gives
 * the same result every time.
 *
 * <p>The host is what {@link #hostConfig} describes: one worker, a 1 ms timer tick, a fixed ISN
 * key, Sluice's default TCP settings. Scripts state Sluice's own behaviour; where it differs
 * from Linux's on purpose, docs/conformance.md says why.
 *
 * <p>Strict mode adds one rule packetdrill lacks: when the script ends, every packet the stack
 * sent up to the last line's time must have been matched by an outbound line.
 */
public final class DrillRunner {
  /** Virtual time at script time 0: one second, so that nothing starts at the clock's origin. */
  private static final long ORIGIN_NANOS = 1_000_000_000L;
  /** How long an outbound line written with time {@code *} waits for its packet. */
  private static final long ANY_TIME_LIMIT_NANOS = 600_000_000_000L;
  /**
   * packetdrill's default {@code --tolerance_percent}: lenient runs use it, strict ones hold every
   * line to {@code --tolerance_usecs} unless the script widens it.
   */
  private static final double PACKETDRILL_TOLERANCE_PERCENT = 12.5;

  private final DrillScript script;
  private final boolean lenient;
  private final PrintStream verbose;
  private final long[] clock = {ORIGIN_NANOS};
  private final Host host;
  private final ScriptInterface nic;
  private final Flow flow;
  private final PacketMatcher matcher;
  private final InboundPackets inbound;
  private final VirtualSockets sockets;
  private final long tolerance;
  private final Timeline timeline;
  private final Path scriptDirectory;
  private final SystemSettings settings;
  private final Map<Integer, ShellCommand.Meaning> shellMeanings = new HashMap<>();
  private final List<String> notes = new ArrayList<>();

  /** The blocking call in flight, if any. */
  private ScriptEvent.Call pending;
  private VirtualSockets.Progress pendingProgress;
  /** When the blocking call in flight must return. */
  private Timeline.Window pendingReturn;

  private DrillRunner(DrillScript script, DrillOptions options) {
    this.script = script;
    this.lenient = options.lenient();
    this.verbose = options.verbose();
    this.tolerance = script.toleranceMicros();
    double percent = Double.isNaN(script.tolerancePercent()) ? (lenient ? PACKETDRILL_TOLERANCE_PERCENT : 0)
        : script.tolerancePercent();
    this.timeline = new Timeline(tolerance, percent);
    this.flow = new Flow(script.ipv6());
    this.nic = new ScriptInterface(script.mtu());
    Path file = Path.of(script.name());
    this.scriptDirectory = file.toAbsolutePath().getParent();
    Platform platform = options.profile() != null ? Platform.named(options.profile()) : inferPlatform();
    this.settings = new SystemSettings(platform, script.mtu());
    this.host = new Host(hostConfig(script.mtu()).toBuilder().buildWith(h -> h.clock = () -> clock[0]));
    host.addInterface(nic, flow.localAddress() + (script.ipv6() ? "/64" : "/24"));
    this.matcher = new PacketMatcher(flow, lenient, tolerance);
    this.inbound = new InboundPackets(flow);
    this.sockets = new VirtualSockets(HostSockets.on(host), flow, settings, lenient);
  }

  /** The profile the script's sysctls point to (see {@link Platform#infer}). */
  private Platform inferPlatform() {
    List<ShellCommand.Sysctl> all = new ArrayList<>();
    boolean linuxDefaults = false;
    for (ScriptEvent event : script.events()) {
      if (event instanceof ScriptEvent.Shell shell) {
        ShellCommand.Meaning meaning = meaning(shell);
        all.addAll(meaning.sysctls());
        linuxDefaults |= meaning.sourcesLinuxDefaults();
      }
    }
    return Platform.infer(all, linuxDefaults);
  }

  private ShellCommand.Meaning meaning(ScriptEvent.Shell shell) {
    return shellMeanings.computeIfAbsent(shell.line(), l -> ShellCommand.interpret(shell.command(), scriptDirectory));
  }

  /** The host every script runs on; seeded, so its ISNs, ports and cookies are the same every run. */
  static HostConfig hostConfig(int mtu) {
    TcpConfig tcp = TcpConfig.defaults().toBuilder().buildWith(b -> b.mtu = mtu);
    return HostConfig.builder().buildWith(h -> {
      h.workers = 1;
      h.tcp = tcp;
      h.random = new java.util.SplittableRandom(0x5151_CE00_00D1_2177L);
    });
  }

  /** Parses and runs {@code text}; a parse error is a failure of the script like any other. */
  public static DrillResult run(String name, String text, boolean lenient, PrintStream verbose) {
    return run(name, text, DrillOptions.of(lenient, verbose));
  }

  /**
   * Why {@code text} cannot be parsed as a script ({@code "line N: reason"}), or null if it can: for
   * {@code sluice drill} to refuse a script that is not one before it runs any. A line needing a
   * feature Sluice lacks is not a parse error; the run skips that script.
   */
  public static String syntaxError(String name, String text, Set<String> defines) {
    try {
      ScriptParser.parse(name, text, defines);
      return null;
    } catch (ScriptException e) {
      return e.feature() != null ? null : e.getMessage();
    }
  }

  /** Parses and runs {@code text} as {@code options} say. */
  public static DrillResult run(String name, String text, DrillOptions options) {
    DrillScript script;
    try {
      script = ScriptParser.parse(name, text, options.defines());
    } catch (ScriptException e) {
      return e.feature() != null ? new DrillResult(name, null, e.feature(), List.of())
          : new DrillResult(name, e.getMessage());
    }
    return new DrillRunner(script, options).run();
  }

  /** A failed expectation: the line, the script time, and what differed. */
  private static class Failure extends Exception {
    Failure(ScriptEvent event, long atMicros, String reason) {
      super("line " + event.line() + " at " + TimeSpec.seconds(atMicros) + " s: " + reason + "\n    script: "
          + event.text());
    }

    Failure(String reason) {
      super(reason);
    }
  }

  /** The script needs a feature Sluice lacks: it is skipped, not failed. */
  private static final class Skip extends Failure {
    final String feature;

    Skip(String feature) {
      super(feature);
      this.feature = feature;
    }
  }

  private DrillResult run() {
    try {
      ScriptEvent last = null;
      for (String ignored : script.ignoredOptions()) {
        if (!lenient) {
          throw new Failure(ignored + " (run with --lenient to go on without it)");
        }
        notes.add(ignored);
      }
      for (ScriptEvent event : script.events()) {
        runEvent(event);
        last = event;
      }
      finish(last);
      return new DrillResult(script.name(), null, null, List.copyOf(notes));
    } catch (Skip s) {
      return new DrillResult(script.name(), null, s.feature, List.copyOf(notes));
    } catch (Failure f) {
      return new DrillResult(script.name(), f.getMessage(), null, List.copyOf(notes));
    } catch (RuntimeException e) {
      // The stack threw out of a call or a worker: that is a failure of Sluice, never of the script.
      java.io.StringWriter trace = new java.io.StringWriter();
      e.printStackTrace(new java.io.PrintWriter(trace));
      return new DrillResult(script.name(), "the stack threw at " + TimeSpec.seconds(nowMicros()) + " s: " + trace);
    }
  }

  /** Runs one line at the time {@link Timeline} gives it. */
  private void runEvent(ScriptEvent event) throws Failure {
    Timeline.Window window = timeline.start(event, nowMicros());
    if (event instanceof ScriptEvent.Packet p && p.ipFields() != null) {
      if (!lenient) {
        throw new Failure(event, nowMicros(), "IP-level fields " + p.ipFields() + " are not supported (Sluice "
            + "has no ECN or TOS settings; lenient mode ignores them)");
      }
      note(event, "IP-level fields ignored: " + p.ipFields());
    }
    if (pending != null && !(event instanceof ScriptEvent.Packet)) {
      advanceTo(nanos(window.earliest()), false);
    }
    switch (event) {
      case ScriptEvent.Packet p when p.inbound() -> {
        advanceTo(Math.max(clock[0], nanos(window.earliest())), false);
        try {
          byte[] packet = inbound.segment(p);
          if (packet.length > script.mtu()) {
            throw new Failure(event, nowMicros(), "the script injects a " + packet.length + "-byte packet, larger "
                + "than the interface MTU of " + script.mtu() + ": no link delivers that (segments up to the MTU go "
                + "in whole, whatever the MSS; raise --mtu for larger ones)");
          }
          nic.inject(packet, clock[0]);
        } catch (ScriptException e) {
          if (e.feature() != null) {
            throw new Skip(e.feature());
          }
          throw new Failure(event, nowMicros(), e.getMessage().replaceFirst("^line \\d+: ", ""));
        }
        log(event, "injected");
        advanceTo(clock[0], false);
      }
      case ScriptEvent.Packet p -> expectPacket(p, window);
      case ScriptEvent.Icmp icmp -> {
        advanceTo(Math.max(clock[0], nanos(window.earliest())), false);
        try {
          nic.inject(inbound.icmpError(icmp), clock[0]);
        } catch (ScriptException e) {
          throw new Failure(event, nowMicros(), e.getMessage().replaceFirst("^line \\d+: ", ""));
        }
        log(event, "injected");
        advanceTo(clock[0], false);
      }
      case ScriptEvent.Call call -> runCall(call, window);
      case ScriptEvent.Shell shell -> {
        advanceTo(Math.max(clock[0], nanos(window.earliest())), false);
        runShell(shell);
      }
      case ScriptEvent.Code code -> {
        if (!lenient) {
          throw new Failure(code, nowMicros(), "Python blocks (%{ ... }%) are not evaluated; run with --lenient "
              + "to go on without them");
        }
        note(code, "Python block not evaluated");
      }
    }
  }

  /**
   * A shell command: its sysctls go to the system settings new sockets start from; nothing is
   * executed. Strict mode fails on anything it cannot honour; lenient mode notes it and goes on.
   */
  private void runShell(ScriptEvent.Shell shell) throws Failure {
    ShellCommand.Meaning meaning = meaning(shell);
    for (ShellCommand.Sysctl sysctl : meaning.sysctls()) {
      SystemSettings.Verdict verdict = settings.apply(sysctl.name(), sysctl.value());
      switch (verdict.kind()) {
        case UNSUPPORTED_FEATURE -> throw new Skip(verdict.note());
        case DIFFERS -> {
          if (!lenient) {
            throw new Failure(shell, nowMicros(), "sysctl " + verdict.note());
          }
          note(shell, "sysctl " + verdict.note());
        }
        default -> log(shell, verdict.note());
      }
    }
    for (String command : meaning.notRun()) {
      if (!lenient) {
        throw new Failure(shell, nowMicros(), "shell command not run: " + command
            + " (the runner only reads sysctls; run with --lenient to go on)");
      }
      note(shell, "shell command not run: " + command);
    }
  }

  /** Something a lenient run let pass: kept for the result and traced. */
  private void note(ScriptEvent event, String what) {
    notes.add("line " + event.line() + ": " + what);
    log(event, what);
  }

  private void expectPacket(ScriptEvent.Packet p, Timeline.Window window) throws Failure {
    boolean any = p.time().kind() == TimeSpec.Kind.ANY;
    long deadline = any ? clock[0] + ANY_TIME_LIMIT_NANOS : nanos(window.latest() + window.tolerance());
    if (nic.peekSent() == null) {
      advanceTo(deadline, true);
    }
    ScriptInterface.Sent sent = nic.takeSent();
    if (sent == null) {
      throw new Failure(p, nowMicros(), "expected packet was not sent (waited until "
          + TimeSpec.seconds(micros(deadline)) + " s)");
    }
    long at = micros(sent.timeNanos());
    SentSegment actual = decode(p, sent);
    if (lenient && !script.strictSegments() && p.length() > actual.payloadLength() && actual.payloadLength() > 0) {
      actual = superSegment(p, actual, window);
    }
    String mismatch = matcher.match(p, actual);
    if (mismatch != null) {
      throw new Failure(p, at, mismatch + "\n    actual: " + matcher.describe(actual));
    }
    if (!any && !window.contains(at)) {
      throw new Failure(p, at, "sent at " + TimeSpec.seconds(at) + " s, expected at " + window
          + " s (tolerance " + window.tolerance() + " us)\n    actual: " + matcher.describe(actual));
    }
    log(p, "matched " + matcher.describe(actual) + " at " + TimeSpec.seconds(at));
  }

  private SentSegment decode(ScriptEvent.Packet p, ScriptInterface.Sent sent) throws Failure {
    try {
      return SentSegment.decode(sent.packet(), sent.timeNanos());
    } catch (SentSegment.MalformedPacketException e) {
      throw new Failure(p, micros(sent.timeNanos()), e.getMessage());
    }
  }

  /**
   * Gathers the segments sent back to back after {@code first} (within the line's tolerance of
   * it) until they cover {@code p}'s length; see {@link SuperSegment}. A run that stops short is
   * returned as it is, and the length comparison then names what was sent.
   */
  private SentSegment superSegment(ScriptEvent.Packet p, SentSegment first, Timeline.Window window) throws Failure {
    List<SentSegment> run = new ArrayList<>(List.of(first));
    int covered = first.payloadLength();
    long backToBack = first.timeNanos() + window.tolerance() * 1000;
    while (covered < p.length()) {
      if (nic.peekSent() == null && clock[0] < backToBack) {
        advanceTo(backToBack, true);
      }
      ScriptInterface.Sent next = nic.peekSent();
      if (next == null || next.timeNanos() > backToBack) {
        break;
      }
      SentSegment segment = decode(p, next);
      if (!SuperSegment.continues(run, segment) || covered + segment.payloadLength() > p.length()) {
        break;
      }
      nic.takeSent();
      run.add(segment);
      covered += segment.payloadLength();
    }
    if (run.size() > 1) {
      log(p, "super-segment from " + SuperSegment.describe(run, flow));
    }
    return SuperSegment.merge(run);
  }

  private void runCall(ScriptEvent.Call call, Timeline.Window window) throws Failure {
    if (pending != null) {
      throw new Failure(call, nowMicros(), "a blocking call (line " + pending.line() + ") has not returned yet; "
          + "the runner runs one blocking call at a time");
    }
    advanceTo(Math.max(clock[0], nanos(window.earliest())), false);
    VirtualSockets.Progress progress = new VirtualSockets.Progress();
    VirtualSockets.Outcome outcome = attempt(call, progress);
    if (call.returns() == null) {
      if (outcome == VirtualSockets.WOULD_BLOCK) {
        throw new Failure(call, nowMicros(), call.name() + "() would block here; write a blocking call with its "
            + "return time, as start...end");
      }
      checkOutcome(call, outcome);
      log(call, "returned " + outcome);
      advanceTo(clock[0], false);
      return;
    }
    pending = call;
    pendingProgress = progress;
    pendingReturn = timeline.returnWindow(call, window);
    if (outcome != VirtualSockets.WOULD_BLOCK) {
      completePending(outcome);
    }
    advanceTo(clock[0], false);
  }

  private VirtualSockets.Outcome attempt(ScriptEvent.Call call, VirtualSockets.Progress progress) throws Failure {
    try {
      VirtualSockets.Outcome outcome = sockets.attempt(call, progress, clock[0]);
      for (String n : sockets.takeNotes()) {
        note(call, n);
      }
      return outcome;
    } catch (VirtualSockets.Unsupported e) {
      if (e.feature() != null) {
        throw new Skip(e.feature());
      }
      throw new Failure(call, nowMicros(), e.getMessage());
    }
  }


  private void checkOutcome(ScriptEvent.Call call, VirtualSockets.Outcome outcome) throws Failure {
    boolean same = outcome.result() == call.result()
        && (call.errno() == null || sameErrno(call.errno(), outcome.errno()));
    if (!same) {
      throw new Failure(call, nowMicros(), call.name() + "() returned " + outcome + ", expected "
          + (call.errno() == null ? Long.toString(call.result()) : "-1 " + call.errno()));
    }
  }

  private static boolean sameErrno(String a, String b) {
    return a.equals(b) || (a.equals("EWOULDBLOCK") && "EAGAIN".equals(b));
  }

  private void completePending(VirtualSockets.Outcome outcome) throws Failure {
    ScriptEvent.Call call = pending;
    pending = null;
    long at = nowMicros();
    checkOutcome(call, outcome);
    if (!pendingReturn.contains(at)) {
      throw new Failure(call, at, call.name() + "() returned at " + TimeSpec.seconds(at) + " s, expected at "
          + pendingReturn + " s (tolerance " + pendingReturn.tolerance() + " us)");
    }
    log(call, "returned " + outcome + " at " + TimeSpec.seconds(at));
  }

  /**
   * Runs the host up to {@code target}, jumping from timer to timer, retrying the blocking call
   * in flight after every step. With {@code untilSent}, stops as soon as the stack sends a packet.
   */
  private void advanceTo(long target, boolean untilSent) throws Failure {
    while (true) {
      host.poll(clock[0]);
      if (pending != null) {
        VirtualSockets.Outcome outcome = attempt(pending, pendingProgress);
        if (outcome != VirtualSockets.WOULD_BLOCK) {
          completePending(outcome);
          continue; // the call's return may have made the stack send something
        }
        if (nowMicros() > pendingReturn.latest() + pendingReturn.tolerance()) {
          throw new Failure(pending, nowMicros(), pending.name() + "() did not return by "
              + TimeSpec.seconds(pendingReturn.latest()) + " s");
        }
      }
      if (clock[0] >= target || (untilSent && nic.peekSent() != null)) {
        return;
      }
      long next = host.pollAt();
      if (pending != null) {
        next = Math.min(next, Math.min(VirtualSockets.pollDeadline(pending, pendingProgress),
            nanos(pendingReturn.latest() + pendingReturn.tolerance()) + 1));
      }
      if (next <= clock[0]) {
        next = clock[0] + host.timerTickNanos();
      }
      clock[0] = Math.min(next, target);
    }
  }

  private void finish(ScriptEvent last) throws Failure {
    advanceTo(clock[0], false);
    long endOfScriptNanos = clock[0];
    if (pending != null) {
      advanceTo(nanos(pendingReturn.latest() + pendingReturn.tolerance()) + 1, false);
      if (pending != null) {
        throw new Failure(pending, nowMicros(), pending.name() + "() never returned");
      }
    }
    ScriptInterface.Sent extra = nic.peekSent();
    if (!lenient && extra != null && extra.timeNanos() <= endOfScriptNanos) {
      String packet;
      try {
        packet = matcher.describe(SentSegment.decode(extra.packet(), extra.timeNanos()));
      } catch (SentSegment.MalformedPacketException e) {
        packet = e.getMessage();
      }
      throw new Failure(last, micros(extra.timeNanos()), "the stack sent a packet the script does not expect, at "
          + TimeSpec.seconds(micros(extra.timeNanos())) + " s\n    actual: " + packet);
    }
  }

  private void log(ScriptEvent event, String what) {
    if (verbose != null) {
      verbose.printf("%10s  line %-3d %-60s %s%n", TimeSpec.seconds(nowMicros()), event.line(), event.text(), what);
    }
  }

  private long nowMicros() {
    return micros(clock[0]);
  }

  private static long micros(long nanos) {
    return (nanos - ORIGIN_NANOS) / 1000;
  }

  private static long nanos(long micros) {
    return ORIGIN_NANOS + micros * 1000;
  }
}
