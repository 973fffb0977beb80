package dev.sluice.cli.drill;

import dev.sluice.wire.TcpFlags;
import java.util.ArrayList;
import java.util.List;

/**
 * Compares a packet the stack sent with the script's outbound line, field by field, as packetdrill
 * does, and prints packets in the script's notation. Strict by default; lenient mode is for
 * scripts written for another stack: options compare as a set (order and padding ignored), TSval
 * is ignored (TSecr is still checked), and so are the window and the PSH flag.
 */
final class PacketMatcher {
  private final Flow flow;
  private final boolean lenient;
  private final long toleranceMicros;

  PacketMatcher(Flow flow, boolean lenient, long toleranceMicros) {
    this.flow = flow;
    this.lenient = lenient;
    this.toleranceMicros = toleranceMicros;
  }

  /**
   * Learns what the first packets teach (the stack's port, ISN and TSval offset), then returns
   * null if {@code actual} matches {@code expected}, or what differs first.
   */
  String match(ScriptEvent.Packet expected, SentSegment actual) {
    if (!flow.knowsLocalPort() && (actual.flags() & TcpFlags.SYN) != 0) {
      flow.localPort = actual.sourcePort();
    }
    if (actual.sourcePort() != flow.localPort || actual.destinationPort() != flow.remotePort) {
      return "ports " + actual.sourcePort() + " > " + actual.destinationPort() + ", expected " + flow.localPort
          + " > " + flow.remotePort + " (a segment of another connection)";
    }
    if ((expected.flags() & TcpFlags.SYN) != 0 && (actual.flags() & TcpFlags.SYN) != 0
        && (!flow.knowsIsn() || expected.seq() == 0)) {
      flow.learnIsn((actual.seq() - expected.seq()) & 0xFFFF_FFFFL);
    }
    int ignoredFlags = lenient ? TcpFlags.PSH : 0;
    if ((expected.flags() & ~ignoredFlags) != (actual.flags() & ~ignoredFlags)) {
      return "flags " + flags(actual.flags()) + ", expected " + flags(expected.flags());
    }
    long seq = flow.relativeLocal(actual.seq());
    if (seq != expected.seq() || actual.payloadLength() != expected.length()) {
      return "sequence " + range(seq, actual.payloadLength()) + ", expected " + range(expected.seq(), expected.length());
    }
    if (expected.ack() >= 0 && flow.relativeRemote(actual.ack()) != expected.ack()) {
      return "ack " + flow.relativeRemote(actual.ack()) + ", expected " + expected.ack();
    }
    if (!lenient && expected.window() >= 0 && actual.window() != expected.window()) {
      return "win " + actual.window() + ", expected " + expected.window();
    }
    if (expected.urgent() >= 0 && actual.urgent() != expected.urgent()) {
      return "urg " + actual.urgent() + ", expected " + expected.urgent();
    }
    learnTimestamp(expected, actual);
    if (expected.anyOptions()) {
      return null;
    }
    List<TcpOptionSpec> want = expected.options() == null ? List.of() : expected.options();
    return lenient ? compareAsSets(want, actual.options()) : compareInOrder(want, actual.options());
  }

  private void learnTimestamp(ScriptEvent.Packet expected, SentSegment actual) {
    TcpOptionSpec.Timestamp sent = timestamp(actual.options());
    if (sent == null || flow.knowsTs()) {
      return;
    }
    // Only a line that writes TSval out teaches the offset: with <...> there is nothing to learn from.
    TcpOptionSpec.Timestamp scripted = expected.options() == null ? null : timestamp(expected.options());
    if (scripted != null) {
      flow.learnTsVal(sent.val(), scripted.val());
    }
  }

  private static TcpOptionSpec.Timestamp timestamp(List<TcpOptionSpec> options) {
    for (TcpOptionSpec o : options) {
      if (o instanceof TcpOptionSpec.Timestamp ts) {
        return ts;
      }
    }
    return null;
  }

  private String compareInOrder(List<TcpOptionSpec> want, List<TcpOptionSpec> got) {
    List<TcpOptionSpec> mapped = scriptView(got);
    if (mapped.size() != want.size()) {
      return "options " + list(mapped) + ", expected " + list(want);
    }
    long slackTicks = toleranceMicros / 1000 + 1; // TSval ticks once a millisecond (RFC 7323 §5.4)
    for (int i = 0; i < want.size(); i++) {
      TcpOptionSpec w = want.get(i);
      TcpOptionSpec g = mapped.get(i);
      boolean same = w instanceof TcpOptionSpec.Timestamp wt && g instanceof TcpOptionSpec.Timestamp gt
          ? Math.abs((int) (gt.val() - wt.val())) <= slackTicks && gt.ecr() == wt.ecr()
          : w.equals(g);
      if (!same) {
        return "option " + (i + 1) + " is '" + g + "', expected '" + w + "' (options " + list(mapped) + ")";
      }
    }
    return null;
  }

  private String compareAsSets(List<TcpOptionSpec> want, List<TcpOptionSpec> got) {
    List<String> w = setView(want);
    List<String> g = setView(scriptView(got));
    if (!w.equals(g)) {
      return "options " + list(scriptView(got)) + ", expected " + list(want) + " (compared as a set)";
    }
    return null;
  }

  /** Options without padding, TSval dropped, sorted: what lenient mode compares. */
  private static List<String> setView(List<TcpOptionSpec> options) {
    List<String> view = new ArrayList<>();
    for (TcpOptionSpec o : options) {
      if (o instanceof TcpOptionSpec.Nop || o instanceof TcpOptionSpec.Eol) {
        continue;
      }
      view.add(o instanceof TcpOptionSpec.Timestamp ts ? "TS ecr " + ts.ecr() : o.toString());
    }
    view.sort(null);
    return view;
  }

  /** The stack's options with TSval and SACK edges in the script's relative terms. */
  List<TcpOptionSpec> scriptView(List<TcpOptionSpec> options) {
    List<TcpOptionSpec> view = new ArrayList<>(options.size());
    for (TcpOptionSpec o : options) {
      if (o instanceof TcpOptionSpec.Timestamp ts) {
        view.add(new TcpOptionSpec.Timestamp(flow.knowsTs() ? flow.scriptTsVal(ts.val()) : ts.val(), ts.ecr()));
      } else if (o instanceof TcpOptionSpec.Sack sack) {
        long[] edges = new long[sack.edges().length];
        for (int i = 0; i < edges.length; i++) {
          edges[i] = flow.relativeRemote(sack.edges()[i]);
        }
        view.add(new TcpOptionSpec.Sack(edges));
      } else {
        view.add(o);
      }
    }
    return view;
  }

  /** {@code actual} in the script's notation, as an outbound line would write it. */
  String describe(SentSegment actual) {
    // A SYN before any ISN was learned starts the stack's sequence space: show it as 0.
    long seq = !flow.knowsIsn() && (actual.flags() & TcpFlags.SYN) != 0 ? 0 : flow.relativeLocal(actual.seq());
    StringBuilder b = new StringBuilder("> ").append(flags(actual.flags())).append(' ')
        .append(range(seq, actual.payloadLength()));
    if ((actual.flags() & TcpFlags.ACK) != 0) {
      b.append(" ack ").append(flow.relativeRemote(actual.ack()));
    }
    b.append(" win ").append(actual.window());
    if ((actual.flags() & TcpFlags.URG) != 0) {
      b.append(" urg ").append(actual.urgent());
    }
    if (!actual.options().isEmpty()) {
      b.append(' ').append(list(scriptView(actual.options())));
    }
    return b.toString();
  }

  static String flags(int flags) {
    if (flags == 0) {
      return "-";
    }
    StringBuilder s = new StringBuilder();
    if ((flags & TcpFlags.SYN) != 0) s.append('S');
    if ((flags & TcpFlags.FIN) != 0) s.append('F');
    if ((flags & TcpFlags.RST) != 0) s.append('R');
    if ((flags & TcpFlags.PSH) != 0) s.append('P');
    if ((flags & TcpFlags.URG) != 0) s.append('U');
    if ((flags & TcpFlags.ACK) != 0) s.append('.');
    if ((flags & TcpFlags.ECE) != 0) s.append('E');
    if ((flags & TcpFlags.CWR) != 0) s.append('W');
    return s.toString();
  }

  static String range(long seq, int length) {
    return seq + ":" + ((seq + length) & 0xFFFF_FFFFL) + "(" + length + ")";
  }

  static String list(List<TcpOptionSpec> options) {
    StringBuilder b = new StringBuilder("<");
    for (int i = 0; i < options.size(); i++) {
      b.append(i == 0 ? "" : ",").append(options.get(i));
    }
    return b.append('>').toString();
  }
}
