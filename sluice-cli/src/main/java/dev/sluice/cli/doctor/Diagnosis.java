package dev.sluice.cli.doctor;

import dev.sluice.cli.capture.Capture;
import dev.sluice.cli.capture.CaptureReader;
import dev.sluice.cli.capture.CapturedPacket;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The doctor's findings on one capture: every TCP connection in it, with its states and problems.
 * {@link #connections()} keeps the packets too, for {@code sluice graph} and the demo report.
 *
 * @param tcpPackets IP packets that carried TCP
 * @param notTcp IP packets with another protocol, or IP fragments
 * @param malformedPackets IP packets the wire views refused, by reason
 */
public record Diagnosis(Capture capture, long tcpPackets, long notTcp, Map<String, Long> malformedPackets,
    List<TrackedConnection> connections, List<ConnectionReport> reports) {

  /** Reads and diagnoses {@code file}. */
  public static Diagnosis of(Path file, Thresholds thresholds) throws IOException {
    return of(CaptureReader.read(file), thresholds);
  }

  public static Diagnosis of(Capture capture, Thresholds thresholds) {
    TcpPacketParser parser = new TcpPacketParser();
    ConnectionTracker tracker = new ConnectionTracker();
    long tcp = 0;
    for (CapturedPacket packet : capture.packets()) {
      TcpPacket segment = parser.parse(packet);
      if (segment != null) {
        tcp++;
        tracker.add(segment);
      }
    }
    List<TrackedConnection> connections = tracker.connections();
    List<ConnectionReport> reports = new ArrayList<>();
    for (TrackedConnection connection : connections) {
      reports.add(ConnectionAnalyzer.analyze(connection, thresholds, capture.firstTimeNanos(), capture.lastTimeNanos()));
    }
    return new Diagnosis(capture, tcp, parser.notTcp(), Map.copyOf(parser.malformed()), connections,
        List.copyOf(reports));
  }

  /** Records that could not be used: unreadable records plus IP packets the views refused. */
  public long malformed() {
    return capture.malformed() + malformedPackets.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Connection {@code number} (1-based, as the table numbers them). */
  public TrackedConnection connection(int number) {
    if (number < 1 || number > connections.size()) {
      throw new IllegalArgumentException("no connection " + number);
    }
    return connections.get(number - 1);
  }

  public boolean healthy() {
    return reports.stream().allMatch(r -> r.problems().isEmpty());
  }
}
