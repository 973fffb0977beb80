package dev.sluice.cli;

import dev.sluice.cli.doctor.Diagnosis;
import dev.sluice.cli.doctor.Side;
import dev.sluice.cli.doctor.Thresholds;
import dev.sluice.cli.doctor.TrackedConnection;
import dev.sluice.cli.graph.TimeSequenceGraph;
import dev.sluice.cli.usage.IoErrors;
import dev.sluice.cli.usage.OptionRanges;
import dev.sluice.cli.usage.OutputPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code sluice graph FILE --conn N}: a time-sequence (Stevens) graph of one connection, as SVG. */
@Command(
    name = "graph",
    mixinStandardHelpOptions = true,
    description = {
      "Draws a time-sequence graph of one connection of a capture, as an SVG file.",
      "As tcptrace and Wireshark draw it: data segments as bars from their first to their last sequence",
      "number, retransmissions in red, the receiver's cumulative ACK and its window's right edge as step",
      "lines, and its SACK blocks.",
      "Connections are numbered as 'sluice doctor FILE' lists them. Prints the path of the SVG written.",
      "Exit status: 0 when written, 2 if the capture cannot be read or has no such connection, or the SVG",
      "cannot be written."
    })
final class GraphCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "The capture (pcap or pcapng).")
  Path file;

  @Option(names = "--conn", required = true, paramLabel = "N", description = "The connection, numbered as doctor numbers them.")
  int connection;

  @Option(names = {"-o", "--output"}, paramLabel = "PATH",
      description = "Where to write the SVG (default: <capture name without extension>-conn<N>.svg here).")
  Path output;

  @Option(names = "--side", paramLabel = "client|server",
      description = "Whose data to draw (default: the side that sent more).")
  String side;

  @Override
  public Integer call() {
    Side sender = null;
    if (side != null) {
      try {
        sender = Side.valueOf(side.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "--side must be client or server, not '" + side + "'");
      }
    }
    OptionRanges.check(spec, "--conn", connection, 1, Integer.MAX_VALUE);
    Path target = output != null ? output : Path.of(defaultName(file, connection));
    OutputPaths.requireWritable(spec, target);
    Diagnosis diagnosis = CaptureFiles.diagnose(spec.commandLine().getErr(), "graph", file, Thresholds.defaults());
    if (diagnosis == null) {
      return CaptureFiles.EXIT_ERROR;
    }
    int count = diagnosis.connections().size();
    if (connection < 1 || connection > count) {
      CaptureFiles.fail(spec.commandLine().getErr(), "graph", file + " has no connection " + connection + " (it has "
          + count + (count == 1 ? "" : ", numbered 1 to " + count) + "; 'sluice doctor " + file + "' lists them)");
      return CaptureFiles.EXIT_ERROR;
    }
    TrackedConnection trace = diagnosis.connection(connection);
    Side drawn = sender != null ? sender : TimeSequenceGraph.busierSide(trace);
    try {
      Files.writeString(target, TimeSequenceGraph.render(trace, drawn));
    } catch (IOException e) {
      CaptureFiles.fail(spec.commandLine().getErr(), "graph", "cannot write " + target + ": " + IoErrors.reason(e));
      return CaptureFiles.EXIT_ERROR;
    }
    spec.commandLine().getOut().println(target);
    spec.commandLine().getOut().flush();
    return 0;
  }

  /** {@code dir/trace.pcapng} and 3 give {@code trace-conn3.svg}. */
  static String defaultName(Path capture, int connection) {
    String name = capture.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return (dot > 0 ? name.substring(0, dot) : name) + "-conn" + connection + ".svg";
  }
}
