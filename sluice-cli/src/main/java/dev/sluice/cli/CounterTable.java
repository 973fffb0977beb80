package dev.sluice.cli;

import dev.sluice.tcp.TcpCounter;
import dev.sluice.wire.DropReason;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The two hosts' counters of a demo run, as {@code Torture.counters()} prints them (a {@code
 * "client (ADDRESS):"} or {@code "server (ADDRESS):"} line, then {@code "NAME VALUE"} rows, drops
 * as {@code "DropREASON VALUE  # why"}), turned into rows of name, client value, server value and
 * what the counter means, for the demo's report. Every {@link TcpCounter} has a meaning here
 * ({@code CounterTableTest} fails for one without); a drop's meaning is its {@link
 * DropReason#description()}.
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
    for (TcpCounter c : TcpCounter.values()) {
      if (c.nstatName().equals(name)) {
        return meaning(c);
      }
    }
    return UNDESCRIBED;
  }

  /** What {@code c} counts, for a reader who has not read the code. */
  static String meaning(TcpCounter c) {
    return switch (c) {
      case SEGMENTS_IN -> "TCP segments received";
      case SEGMENTS_OUT -> "TCP segments sent, retransmissions included";
      case BYTES_RECEIVED -> "payload bytes delivered in order to the application, each once";
      case BYTES_SENT -> "payload bytes sent, retransmissions included";
      case BYTES_ACKED -> "payload bytes the peer acknowledged";
      case RTT_SAMPLES -> "round-trip time measurements taken from ACKs (they set the retransmission timeout)";
      case ACTIVE_OPENS -> "connections this host opened (it sent the SYN)";
      case PASSIVE_OPENS -> "connections this host accepted (it answered a SYN)";
      case RETRANSMITTED_SEGMENTS -> "segments sent again, whatever the cause: timeout, fast retransmit, probe";
      case TIMEOUT_RETRANSMITS -> "times the retransmission timer expired before an ACK came (RFC 6298)";
      case FAST_RETRANSMITS -> "losses repaired without waiting for the timer: duplicate ACKs, SACK or RACK";
      case RESETS_SENT -> "RST segments sent";
      case RESETS_RECEIVED -> "RST segments received and acted on";
      case CHALLENGE_ACKS -> "ACKs sent to question a suspicious RST or SYN (RFC 5961)";
      case PROBES -> "zero-window and keepalive probes sent";
      case TIMEOUTS -> "connections given up after too many retransmissions or a timeout";
      case DSACKS_SENT_OLD -> "duplicate data reported back to the sender (D-SACK, RFC 2883): it was already "
          + "delivered, so its retransmission was not needed";
      case DSACKS_SENT_OUT_OF_ORDER -> "duplicate out-of-order data reported back to the sender (D-SACK, RFC 2883)";
      case PATH_MTU_DECREASES -> "times an ICMP message made the connection send smaller segments";
      case SACK_BLOCKS_IGNORED -> "SACK blocks from the peer that were invalid or out of date, and ignored";
      case SYN_COOKIES_SENT -> "SYN-ACKs sent with a SYN cookie because the listener was full (RFC 4987)";
      case SYN_COOKIES_RECEIVED -> "connections made from a valid SYN cookie";
      case SYN_COOKIES_FAILED -> "ACKs to a full listener without a valid SYN cookie";
      case TLP_PROBES -> "tail-loss probes: a segment (the last one again, or new data) sent early so that a "
          + "lost tail is found without waiting for the timer (RFC 8985)";
      case RACK_LOSSES -> "segments judged lost by RACK, because later segments were acknowledged (RFC 8985)";
      default -> UNDESCRIBED; // CounterTableTest fails until a new counter is described here
    };
  }
}
