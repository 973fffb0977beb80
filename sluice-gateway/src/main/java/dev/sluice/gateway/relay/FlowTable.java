package dev.sluice.gateway.relay;

import dev.sluice.wire.TcpStateNames;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The gateway's flows as {@code --stats} prints them, in the style of {@code ss -tn}: a header, then
 * one line per flow with both halves' states (the Sluice connection's TCP state in ss's names, the
 * outside socket's as {@code open}, {@code shut-wr} (output shut down), {@code eof-rd} (input at
 * end), both, or {@code closed}), the bytes each way, the flow's age, and who connected to whom:
 * {@code guest -> destination} for a flow the guest opened, {@code client -> guest} for one that
 * came through a {@code --forward}. Columns are as wide as their widest cell; lines are sorted by
 * the flow's text, so a flow keeps its place from one table to the next. Stateless.
 */
final class FlowTable {
  private static final String[] HEADER = {"Origin", "Guest-State", "Outside", "From-Guest", "To-Guest", "Age",
      "Flow"};

  private FlowTable() {}

  /** The table of {@code flows}: a header line, then a line per flow. */
  static String format(List<TcpRelay.Snapshot> flows) {
    List<String[]> rows = new ArrayList<>();
    for (TcpRelay.Snapshot f : flows) {
      rows.add(new String[] {
          f.origin() == TcpRelay.Origin.GUEST ? "guest" : "forward",
          TcpStateNames.of(f.guestState()),
          outsideName(f.outsideState()),
          Long.toString(f.bytesFromGuest()),
          Long.toString(f.bytesToGuest()),
          age(f.ageNanos()),
          f.origin() == TcpRelay.Origin.GUEST
              ? address(f.guest()) + " -> " + address(f.outsidePeer())
              : address(f.outsidePeer()) + " -> " + address(f.guest())});
    }
    rows.sort(Comparator.comparing((String[] r) -> r[6]).thenComparing(r -> r[0]));
    int[] widths = new int[HEADER.length];
    for (int i = 0; i < HEADER.length; i++) {
      widths[i] = HEADER[i].length();
    }
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    StringBuilder out = new StringBuilder();
    line(out, HEADER, widths);
    for (String[] row : rows) {
      line(out, row, widths);
    }
    return out.toString();
  }

  /** Text left-aligned, numbers right-aligned (the byte counts and the age), two spaces apart. */
  private static void line(StringBuilder out, String[] cells, int[] widths) {
    for (int i = 0; i < cells.length; i++) {
      boolean number = i >= 3 && i <= 5;
      if (i == cells.length - 1) {
        out.append(cells[i]); // the last column unpadded: no trailing blanks
      } else {
        out.append(String.format(Locale.ROOT, number ? "%" + widths[i] + "s  " : "%-" + widths[i] + "s  ", cells[i]));
      }
    }
    out.append('\n');
  }

  static String outsideName(TcpRelay.OutsideState state) {
    return switch (state) {
      case OPEN -> "open";
      case OUTPUT_SHUT_DOWN -> "shut-wr";
      case INPUT_AT_END -> "eof-rd";
      case BOTH_SHUT_DOWN -> "shut-wr,eof-rd";
      case CLOSED -> "closed";
    };
  }

  /** Seconds under a minute with a tenth, then minutes and seconds, then hours and minutes. */
  static String age(long nanos) {
    long tenths = Math.max(0, nanos) / 100_000_000L;
    long seconds = tenths / 10;
    if (seconds < 60) {
      return seconds + "." + tenths % 10 + "s";
    }
    if (seconds < 3600) {
      return seconds / 60 + "m" + String.format(Locale.ROOT, "%02d", seconds % 60) + "s";
    }
    return seconds / 3600 + "h" + String.format(Locale.ROOT, "%02d", seconds / 60 % 60) + "m";
  }

  private static String address(InetSocketAddress a) {
    return a == null ? "?" : a.getAddress().getHostAddress() + ":" + a.getPort();
  }
}
