package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code sluice doctor} on captures as they arrive from the field: cut short mid-record (a copy
 * that stopped, a capture still being written) and gzip-compressed. The capture is written by
 * Sluice's own PcapngWriter, through {@code sluice torture --capture}.
 */
class DoctorDamagedCapturesTest {
  @TempDir static Path temp;
  private static Path capture;
  private static byte[] bytes;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @BeforeAll
  static void writeACapture() throws IOException {
    capture = temp.resolve("t.pcapng");
    CommandLine cli = Main.commandLine();
    StringWriter runOut = new StringWriter();
    cli.setOut(new PrintWriter(runOut, true));
    cli.setErr(new PrintWriter(runOut, true));
    int status = cli.execute("torture", "--connections", "30", "--workers", "2", "--seed", "3", "--capture",
        capture.toString());
    assertThat(status).as(runOut.toString()).isZero();
    bytes = Files.readAllBytes(capture);
  }

  private int run(String... args) {
    out.getBuffer().setLength(0);
    err.getBuffer().setLength(0);
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  /** Block starts of a little-endian pcapng file (PcapngWriter writes the machine's order: x86's). */
  private static List<Integer> blockStarts(byte[] file) {
    ByteBuffer buf = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(buf.getInt(8)).as("little-endian byte-order magic").isEqualTo(0x1A2B3C4D);
    List<Integer> starts = new java.util.ArrayList<>();
    for (int pos = 0; pos + 8 <= file.length; pos += buf.getInt(pos + 4)) {
      starts.add(pos);
    }
    return starts;
  }

  private static long packetBlocksBefore(byte[] file, int offset) {
    ByteBuffer buf = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
    return blockStarts(file).stream().filter(p -> p < offset && buf.getInt(p) == 6).count();
  }

  /** The doctor's report without its first line, which names the file and counts malformed records. */
  private String tableAfterTheHeader() {
    return out.toString().lines().skip(1).reduce("", (a, b) -> a + b + "\n");
  }

  @Test
  void aCaptureCutMidRecord_saysWhereItEnds_andIsAnalysedUpToThere() throws IOException {
    List<Integer> starts = blockStarts(bytes);
    int block = starts.get(starts.size() * 2 / 3); // a packet block well inside the file
    int cut = block + 10; // inside its header: neither the block nor any after it can be read
    Path cutFile = Files.write(temp.resolve("cut.pcapng"), Arrays.copyOf(bytes, cut));
    Path wholePart = Files.write(temp.resolve("whole-part.pcapng"), Arrays.copyOf(bytes, block));
    long recordsBefore = packetBlocksBefore(bytes, block);

    int expected = run("doctor", wholePart.toString());
    assertThat(err.toString()).isEmpty();
    String expectedTable = tableAfterTheHeader();

    int status = run("doctor", cutFile.toString());
    assertThat(err.toString().lines().toList()).containsExactly("sluice doctor: warning: " + cutFile
        + ": the capture is cut short: it ends inside the record at byte " + block + "; the " + recordsBefore
        + " records before it were analysed");
    assertThat(status).as("exit as the analysis of what was read says").isEqualTo(expected);
    assertThat(tableAfterTheHeader()).isEqualTo(expectedTable);
    assertThat(out.toString().lines().findFirst()).hasValueSatisfying(l -> assertThat(l).endsWith("1 malformed"));
  }

  private static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream compressed = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(compressed)) {
      gz.write(data);
    }
    return compressed.toByteArray();
  }

  @Test
  void aGzipCapture_readsAsThePlainOne() throws IOException {
    Path gz = Files.write(temp.resolve("t.pcapng.gz"), gzip(bytes));
    assertThat(Files.size(gz)).isLessThan(bytes.length);

    int plain = run("doctor", capture.toString());
    String plainTable = tableAfterTheHeader();

    assertThat(run("doctor", gz.toString())).isEqualTo(plain);
    assertThat(err.toString()).isEmpty();
    assertThat(out.toString().lines().findFirst()).hasValueSatisfying(l -> assertThat(l)
        .startsWith("Sluice doctor: t.pcapng.gz (pcapng (gzip)"));
    assertThat(tableAfterTheHeader()).isEqualTo(plainTable);
  }

  @Test
  void aGzipCaptureCutShort_warnsAsAPlainOneCutShortDoes() throws IOException {
    byte[] compressed = gzip(bytes);
    Path cut = Files.write(temp.resolve("cut.pcapng.gz"), Arrays.copyOf(compressed, compressed.length / 2));

    int status = run("doctor", cut.toString());
    assertThat(status).isBetween(0, 1);
    assertThat(err.toString().lines().toList()).singleElement().asString()
        .startsWith("sluice doctor: warning: " + cut + ": the capture is cut short: it ends inside the record at byte ");
    assertThat(out.toString()).contains("Sluice doctor: cut.pcapng.gz (pcapng (gzip)");
  }

  @Test
  void aFileThatOnlyLooksGzipped_isOneLine() throws IOException {
    Path fake = Files.write(temp.resolve("fake.pcap.gz"), new byte[] {0x1F, (byte) 0x8B, 8, 0, 1, 2, 3, 4, 5, 6});
    assertThat(run("doctor", fake.toString())).isEqualTo(2);
    assertThat(err.toString().lines().toList()).singleElement().asString()
        .startsWith("sluice doctor: " + fake + ": ");
    assertThat(err.toString()).doesNotContain("Exception", "\tat ");
  }
}
