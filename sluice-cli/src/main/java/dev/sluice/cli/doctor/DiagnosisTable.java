package dev.sluice.cli.doctor;

import dev.sluice.cli.capture.Capture;
import dev.sluice.cli.capture.LinkLayer;
import dev.sluice.wire.TcpStateNames;
import java.util.Locale;
import java.util.stream.Collectors;

/** The doctor's findings as text: a summary line, a table of connections, then each one's details. */
public final class DiagnosisTable {
  private DiagnosisTable() {}

  public static String render(Diagnosis d, String name) {
    StringBuilder out = new StringBuilder();
    Capture c = d.capture();
    String links = c.linkTypes().stream().map(LinkLayer::name).collect(Collectors.joining(", "));
    out.append(String.format(Locale.ROOT, "Sluice doctor: %s (%s%s), %d records over %.3f s: %d TCP, %d other IP, "
            + "%d not IP, %d malformed%n", name, c.format(), links.isEmpty() ? "" : ", " + links, c.records(),
        (c.lastTimeNanos() - c.firstTimeNanos()) / 1e9, d.tcpPackets(), d.notTcp(), c.notIp(), d.malformed()));
    if (!d.malformedPackets().isEmpty()) {
      out.append("  malformed packets: ").append(d.malformedPackets().entrySet().stream()
          .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "))).append('\n');
    }
    out.append('\n');
    if (d.reports().isEmpty()) {
      out.append("No TCP connections.\n");
      return out.toString();
    }
    int clientWidth = "client".length();
    int serverWidth = "server".length();
    for (ConnectionReport r : d.reports()) {
      clientWidth = Math.max(clientWidth, r.client().toString().length());
      serverWidth = Math.max(serverWidth, r.server().toString().length());
    }
    String row = "%4s  %-" + clientWidth + "s  %-" + serverWidth + "s  %7s  %9s  %9s  %s%n";
    out.append(String.format(Locale.ROOT, row, "#", "client", "server", "packets", "start", "duration", "problems"));
    for (ConnectionReport r : d.reports()) {
      String problems = r.problems().isEmpty() ? "none"
          : r.problems().stream().map(p -> p.kind().label() + " (" + p.side().label() + ")").distinct()
              .collect(Collectors.joining(", "));
      out.append(String.format(Locale.ROOT, row, r.number(), r.client(), r.server(), r.packets(),
          String.format(Locale.ROOT, "%.3f s", r.startSeconds()),
          String.format(Locale.ROOT, "%.3f s", r.durationSeconds()), problems));
    }
    for (ConnectionReport r : d.reports()) {
      out.append('\n').append(String.format(Locale.ROOT, "Connection %d: %s -> %s%n", r.number(), r.client(), r.server()));
      out.append("  states:\n");
      for (StateChange s : r.states()) {
        out.append(String.format(Locale.ROOT, "    %9.3f s  %-6s  %-12s%s%n", s.atSeconds(), s.side().label(),
            TcpStateNames.of(s.state().name()), s.detail() == null ? "" : "  " + s.detail()).replaceAll(" +\n", "\n"));
      }
      if (r.problems().isEmpty()) {
        out.append("  problems: none\n");
      } else {
        out.append("  problems:\n");
        for (Problem p : r.problems()) {
          out.append(String.format(Locale.ROOT, "    %9.3f s  %-20s  %-6s  %s%n", p.atSeconds(), p.kind().label(),
              p.side().label(), p.detail()));
        }
      }
    }
    int sick = (int) d.reports().stream().filter(r -> !r.problems().isEmpty()).count();
    out.append('\n').append(sick == 0 ? "No problems found in " + count(d.reports().size()) + ".\n"
        : "Problems on " + sick + " of " + count(d.reports().size()) + ".\n");
    return out.toString();
  }

  private static String count(int connections) {
    return connections + (connections == 1 ? " connection" : " connections");
  }
}
