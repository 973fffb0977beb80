package dev.sluice.cli;

import dev.sluice.cli.doctor.Diagnosis;
import dev.sluice.cli.doctor.DiagnosisJson;
import dev.sluice.cli.doctor.DiagnosisTable;
import dev.sluice.cli.doctor.Thresholds;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code sluice doctor FILE}: rebuilds the TCP connections in a capture and says what went wrong. */
@Command(
    name = "doctor",
    mixinStandardHelpOptions = true,
    description = {
      "Reads a pcap or pcapng capture (from Sluice, tcpdump, tshark, ...), rebuilds every TCP connection",
      "from both directions and reports each one's states, as seen on the wire, and its problems:",
      "",
      "  fin-not-returned      a FIN was ACKed, and no FIN came back within --fin-timeout (KB Q114541)",
      "  zero-window-stall     a zero window held a probing peer back for --stall-timeout or longer",
      "  retransmission-storm  the same data resent 3+ times (RTO backoff), or 20+ resends that are 10%%+",
      "                        of a side's data segments",
      "  handshake-incomplete  a SYN or SYN-ACK refused, resent, or unanswered for --stall-timeout",
      "  rst-after-fin         a RST after a FIN (its count says whether it was a storm of them)",
      "  data-after-fin        new data beyond the sender's own FIN",
      "",
      "Link types: raw IP, IPv4, IPv6, Ethernet (one 802.1Q tag), Linux cooked v1 and v2, NULL/LOOP.",
      "Connections are numbered for 'sluice graph FILE --conn N'. docs/doctor.md has the definitions.",
      "Exit status: 0 if no problem was found, 1 if any was, 2 if the file cannot be read."
    })
final class DoctorCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "The capture (pcap or pcapng).")
  Path file;

  @Option(names = "--fin-timeout", paramLabel = "SECONDS", defaultValue = "1.0",
      description = "How long an end may sit idle on an ACKed FIN without sending its own (default ${DEFAULT-VALUE}).")
  double finTimeout;

  @Option(names = "--stall-timeout", paramLabel = "SECONDS", defaultValue = "1.0",
      description = "How long a zero window or an unanswered SYN may last (default ${DEFAULT-VALUE}).")
  double stallTimeout;

  @Option(names = "--link-loss", paramLabel = "P", defaultValue = "0",
      description = "The capture comes from a link that drops each packet with probability P (a simulated one, "
          + "such as sluice demo's): retransmission storms and waits that chance explains are not counted, "
          + "and --fin-timeout and --stall-timeout are raised to match (default ${DEFAULT-VALUE}).")
  double linkLoss;

  @Option(names = "--json",
      description = "End with the findings as one JSON object on the last line: \"schema\", then \"passed\" (docs/json.md).")
  boolean json;

  @Override
  public Integer call() {
    Thresholds thresholds;
    try {
      thresholds = Thresholds.of(finTimeout, stallTimeout);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--fin-timeout and --stall-timeout " + e.getMessage());
    }
    if (linkLoss != 0) {
      try {
        Thresholds lossy = Thresholds.forRandomLoss(linkLoss);
        thresholds = new Thresholds(Math.max(lossy.finTimeoutNanos(), thresholds.finTimeoutNanos()),
            Math.max(lossy.stallTimeoutNanos(), thresholds.stallTimeoutNanos()), lossy.sameDataRepeats(),
            lossy.manyRetransmissions(), lossy.retransmittedShare());
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "--link-loss " + e.getMessage());
      }
    }
    Diagnosis diagnosis = CaptureFiles.diagnose(spec.commandLine().getErr(), "doctor", file, thresholds);
    if (diagnosis == null) {
      return CaptureFiles.EXIT_ERROR;
    }
    PrintWriter out = spec.commandLine().getOut();
    out.print(DiagnosisTable.render(diagnosis, file.getFileName().toString()));
    if (json) {
      out.println(DiagnosisJson.render(diagnosis));
    }
    out.flush();
    return diagnosis.healthy() ? 0 : 1;
  }
}
