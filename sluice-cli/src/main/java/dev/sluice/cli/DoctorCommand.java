package dev.sluice.cli;

import dev.sluice.cli.doctor.Diagnosis;
import dev.sluice.cli.doctor.DiagnosisJson;
import dev.sluice.cli.doctor.DiagnosisTable;
import dev.sluice.cli.doctor.Thresholds;
import dev.sluice.cli.usage.ExitCodes;
import dev.sluice.cli.usage.OptionRanges;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sluice doctor FILE}: rebuilds the TCP connections in a capture and says what went wrong. */
@Command(
    name = "doctor",
    mixinStandardHelpOptions = true,
    description = {
      "Rebuilds every TCP connection of a capture and says what went wrong with each.",
      "Reads pcap and pcapng (from Sluice, tcpdump, tshark, ...; gzip-compressed too), follows every",
      "connection from both directions and reports each one's states, as seen on the wire, and its problems:",
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
      "A capture cut short is analysed up to the cut, with a warning saying where it ends.",
      "Exit status: 0 if no problem was found, 1 if any was, 2 if the file cannot be read."
    })
final class DoctorCommand implements Callable<Integer> {
  /** A day: a wait longer than any capture the doctor can hold in memory lasts. */
  private static final double MAX_TIMEOUT_SECONDS = 86_400;
  /** Beyond half the packets lost, chance explains every retransmission and the diagnosis says nothing. */
  private static final double MAX_LINK_LOSS = 0.5;

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "The capture (pcap or pcapng).")
  Path file;

  @Option(names = "--fin-timeout", paramLabel = "SECONDS", defaultValue = "1.0",
      description = "How long an end may sit idle on an ACKed FIN without sending its own, 0 to 86400 "
          + "(default ${DEFAULT-VALUE}).")
  double finTimeout;

  @Option(names = "--stall-timeout", paramLabel = "SECONDS", defaultValue = "1.0",
      description = "How long a zero window or an unanswered SYN may last, 0 to 86400 (default ${DEFAULT-VALUE}).")
  double stallTimeout;

  @Option(names = "--link-loss", paramLabel = "P", defaultValue = "0",
      description = "The capture comes from a link that drops each packet with probability P, 0 to 0.5 (a simulated one, "
          + "such as sluice demo's): retransmission storms and waits that chance explains are not counted, "
          + "and --fin-timeout and --stall-timeout are raised to match (default ${DEFAULT-VALUE}).")
  double linkLoss;

  @Option(names = "--json",
      description = "End with the findings as one JSON object on the last line: \"schema\", then \"passed\" (docs/json.md).")
  boolean json;

  @Override
  public Integer call() {
    OptionRanges.check(spec, "--fin-timeout", finTimeout, 0, MAX_TIMEOUT_SECONDS);
    OptionRanges.check(spec, "--stall-timeout", stallTimeout, 0, MAX_TIMEOUT_SECONDS);
    OptionRanges.check(spec, "--link-loss", linkLoss, 0, MAX_LINK_LOSS);
    Thresholds thresholds = Thresholds.of(finTimeout, stallTimeout);
    if (linkLoss != 0) {
      Thresholds lossy = Thresholds.forRandomLoss(linkLoss);
      thresholds = new Thresholds(Math.max(lossy.finTimeoutNanos(), thresholds.finTimeoutNanos()),
          Math.max(lossy.stallTimeoutNanos(), thresholds.stallTimeoutNanos()), lossy.sameDataRepeats(),
          lossy.manyRetransmissions(), lossy.retransmittedShare());
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
    return diagnosis.healthy() ? ExitCodes.OK : ExitCodes.PROBLEM_FOUND;
  }
}
