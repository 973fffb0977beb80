package dev.sluice.cli;

import dev.sluice.wire.DropReason;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The two hosts' counters of a demo run, as {@code Torture.counters()} prints them (a {@code
 * "client (ADDRESS):"} or {@code "server (ADDRESS):"} line, then {@code "NAME VALUE"} rows, drops
 * as {@code "DropREASON VALUE  # why"}), turned into rows of name, client value, server value and
 * what the counter means, for the demo's report. Every TCP counter has a meaning here, by the
 * name it is printed under ({@code CounterTableTest} fails for one without); a drop's meaning is
 * its {@link DropReason#description()}.
 *
 * <p><b>Threads.</b> Immutable once parsed; any thread.
 *
 * @param rows in the order the counters first appear
 */
record CounterTable(List<Row> rows) {
  /** The meaning of a counter the report does not know. */
  static final String UNDESCRIBED = "a counter the report does not describe yet";

  /** One counter: {@code client} or {@code server} is null when that host did not count it. */
  record Row(String name, Long client, Long server, String meaning) {}

  /** Parses {@code text}; lines that are neither a host's heading nor a counter are left out. */
  static CounterTable parse(String text) {
    Map<String, Long[]> values = new LinkedHashMap<>();
    int side = -1;
    for (String line : text.split("\n")) {
      String row = line.strip();
      if (row.startsWith("client")) {
        side = 0;
        continue;
      }
      if (row.startsWith("server")) {
        side = 1;
        continue;
      }
      String[] fields = row.split("\\s+");
      if (side < 0 || fields.length < 2) {
        continue;
      }
      try {
        long value = Long.parseLong(fields[1]);
        values.computeIfAbsent(fields[0], name -> new Long[2])[side] = value;
      } catch (NumberFormatException e) {
        // not a counter row: nothing else is printed there today
      }
    }
    List<Row> rows = new ArrayList<>();
    values.forEach((name, v) -> rows.add(new Row(name, v[0], v[1], meaning(name))));
    return new CounterTable(List.copyOf(rows));
  }

  /** What the counter named {@code name} (an nstat-style name, or {@code Drop} and a reason) counts. */
  static String meaning(String name) {
    if (name.startsWith("Drop")) {
      try {
        return "packets dropped: " + DropReason.valueOf(name.substring("Drop".length())).description();
      } catch (IllegalArgumentException e) {
        return "packets dropped for this reason";
      }
    }
    return MEANINGS.getOrDefault(name, UNDESCRIBED);
  }

  /**
   * What each TCP counter counts, for a reader who has not read the code, by the name {@code
   * NetStack.tcpCounters()} prints (the CLI reads counters through the api, not {@code tcp}).
   */
  private static final Map<String, String> MEANINGS = Map.ofEntries(
      Map.entry("TcpInSegs", "TCP segments received"),
      Map.entry("TcpOutSegs", "TCP segments sent, retransmissions included"),
      Map.entry("SluiceBytesReceived", "payload bytes delivered in order to the application, each once"),
      Map.entry("SluiceBytesSent", "payload bytes sent, retransmissions included"),
      Map.entry("SluiceBytesAcked", "payload bytes the peer acknowledged"),
      Map.entry("SluiceRttSamples",
          "round-trip time measurements taken from ACKs (they set the retransmission timeout)"),
      Map.entry("TcpActiveOpens", "connections this host opened (it sent the SYN)"),
      Map.entry("TcpPassiveOpens", "connections this host accepted (it answered a SYN)"),
      Map.entry("TcpRetransSegs", "segments sent again, whatever the cause: timeout, fast retransmit, probe"),
      Map.entry("TcpExtTCPTimeouts", "times the retransmission timer expired before an ACK came (RFC 6298)"),
      Map.entry("SluiceFastRecoveries",
          "losses repaired without waiting for the timer: duplicate ACKs, SACK or RACK"),
      Map.entry("TcpOutRsts", "RST segments sent"),
      Map.entry("SluiceInRsts", "RST segments received and acted on"),
      Map.entry("TcpExtTCPChallengeACK", "ACKs sent to question a suspicious RST or SYN (RFC 5961)"),
      Map.entry("SluiceProbes", "zero-window and keepalive probes sent"),
      Map.entry("TcpExtTCPAbortOnTimeout", "connections given up after too many retransmissions or a timeout"),
      Map.entry("TcpExtTCPDSACKOldSent", "duplicate data reported back to the sender (D-SACK, RFC 2883): it was "
          + "already delivered, so its retransmission was not needed"),
      Map.entry("TcpExtTCPDSACKOfoSent", "duplicate out-of-order data reported back to the sender (D-SACK, RFC 2883)"),
      Map.entry("SluicePathMtuDecreases", "times an ICMP message made the connection send smaller segments"),
      Map.entry("SluiceSackBlocksIgnored", "SACK blocks from the peer that were invalid or out of date, and ignored"),
      Map.entry("TcpExtSyncookiesSent", "SYN-ACKs sent with a SYN cookie because the listener was full (RFC 4987)"),
      Map.entry("TcpExtSyncookiesRecv", "connections made from a valid SYN cookie"),
      Map.entry("TcpExtSyncookiesFailed", "ACKs to a full listener without a valid SYN cookie"),
      Map.entry("TcpExtTCPLossProbes", "tail-loss probes: a segment (the last one again, or new data) sent early "
          + "so that a lost tail is found without waiting for the timer (RFC 8985)"),
      Map.entry("SluiceRackLosses", "segments judged lost by RACK, because later segments were acknowledged "
          + "(RFC 8985)"),
      Map.entry("SluiceSendBufferGrown", "times a send buffer grew with the connection's window "
          + "(send-buffer autotuning, where configured)"));
}
