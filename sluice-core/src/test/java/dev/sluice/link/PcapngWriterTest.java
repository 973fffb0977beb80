package dev.sluice.link;

import static dev.sluice.link.TestPackets.HOST_A;
import static dev.sluice.link.TestPackets.HOST_A6;
import static dev.sluice.link.TestPackets.HOST_B;
import static dev.sluice.link.TestPackets.HOST_B6;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.sluice.wire.IcmpType;
import dev.sluice.wire.TcpBuilder;
import dev.sluice.wire.TcpFlags;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Captures a small simulated exchange (a TCP handshake and data, IPv6 UDP, an ICMP echo) on both
 * ends of a link, parses the pcapng file back block by block, and has tshark read it.
 */
@Timeout(value = 200, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PcapngWriterTest {
  /** Unix time of virtual time 0: 2023-11-14T22:13:20.123456789Z. */
  private static final long EPOCH_NANOS = 1_700_000_000_123_456_789L;
  private static final long MS = 1_000_000L;
  private static final long DELAY = 1_500_000L;
  private static final int TSHARK_TIMEOUT_SECONDS = 60;

  private static final int SHB = 0x0A0D0D0A;
  private static final int IDB = 1;
  private static final int EPB = 6;

  /** One packet as a tap saw it. */
  record Tapped(String device, Direction direction, long timeNanos, byte[] bytes) {}

  @TempDir
  Path dir;

  @Test
  void capture_hasOneSectionTwoInterfacesAndAnEnhancedPacketBlockPerTappedPacket() throws IOException {
    List<Tapped> tapped = new ArrayList<>();
    Path file = captureExchange(tapped);
    ByteBuffer data = ByteBuffer.wrap(Files.readAllBytes(file));

    assertThat(data.getInt(0)).as("SHB block type (a palindrome: the same in either byte order)").isEqualTo(SHB);
    ByteOrder order = sectionByteOrder(data);
    assertThat(order).as("written in the host's order").isEqualTo(ByteOrder.nativeOrder());
    data.order(order);
    List<Block> blocks = blocks(data);

    assertThat(blocks).extracting(Block::type).startsWith(SHB, IDB, IDB);
    assertThat(blocks).hasSize(3 + 14);
    assertThat(blocks.subList(3, blocks.size())).extracting(Block::type).containsOnly(EPB);

    ByteBuffer shb = blocks.get(0).body();
    assertThat(shb.getInt(0)).isEqualTo(0x1A2B3C4D);
    assertThat(shb.getShort(4)).as("major version").isEqualTo((short) 1);
    assertThat(shb.getShort(6)).as("minor version").isEqualTo((short) 0);
    assertThat(shb.getLong(8)).as("section length: unspecified").isEqualTo(-1L);
    assertThat(options(shb, 16)).containsOnlyKeys(4).satisfies(o -> assertThat(text(o.get(4))).isEqualTo("Sluice"));

    for (int i = 0; i < 2; i++) {
      ByteBuffer idb = blocks.get(1 + i).body();
      assertThat(idb.getShort(0) & 0xFFFF).as("link type RAW").isEqualTo(PcapngWriter.LINKTYPE_RAW);
      assertThat(idb.getShort(2)).as("reserved").isZero();
      assertThat(idb.getInt(4)).as("snap length").isEqualTo(65_535);
      Map<Integer, byte[]> options = options(idb, 8);
      assertThat(options).containsOnlyKeys(2, 9);
      assertThat(text(options.get(2))).isEqualTo(i == 0 ? "sim-a" : "sim-b");
      assertThat(options.get(9)).as("if_tsresol: 10^-9 s").containsExactly(9);
    }

    assertThat(tapped).hasSize(14);
    for (int i = 0; i < tapped.size(); i++) {
      Tapped expected = tapped.get(i);
      ByteBuffer epb = blocks.get(3 + i).body();
      int interfaceId = epb.getInt(0);
      long timestamp = ((long) epb.getInt(4) << 32) | (epb.getInt(8) & 0xFFFF_FFFFL);
      int captured = epb.getInt(12);
      int original = epb.getInt(16);
      byte[] packet = new byte[captured];
      epb.get(20, packet);
      int padded = (captured + 3) & ~3;
      for (int p = captured; p < padded; p++) {
        assertThat(epb.get(20 + p)).as("padding of packet %d", i).isZero();
      }
      Map<Integer, byte[]> options = options(epb, 20 + padded);

      assertThat(interfaceId).as("packet %d interface", i).isEqualTo(expected.device().equals("sim-a") ? 0 : 1);
      assertThat(timestamp).as("packet %d timestamp in ns", i).isEqualTo(EPOCH_NANOS + expected.timeNanos());
      assertThat(captured).isEqualTo(expected.bytes().length);
      assertThat(original).isEqualTo(expected.bytes().length);
      assertThat(packet).as("packet %d bytes", i).isEqualTo(expected.bytes());
      assertThat(options).containsOnlyKeys(2);
      assertThat(options.get(2)).hasSize(4);
      int flags = ByteBuffer.wrap(options.get(2)).order(order).getInt();
      assertThat(flags).as("packet %d epb_flags", i).isEqualTo(expected.direction() == Direction.INBOUND ? 1 : 2);
    }

    // The exchange itself, as the taps saw it: each packet leaves one end, then reaches the other 1.5 ms later.
    assertThat(tapped).extracting(t -> t.device() + " " + t.direction() + " " + t.timeNanos()).containsExactly(
        "sim-a OUTBOUND 0", "sim-b INBOUND 1500000",
        "sim-b OUTBOUND 1500000", "sim-a INBOUND 3000000",
        "sim-a OUTBOUND 3000000", "sim-a OUTBOUND 3000001", "sim-b INBOUND 4500000", "sim-b INBOUND 4500001",
        "sim-a OUTBOUND 5000000", "sim-a OUTBOUND 6000000", "sim-b INBOUND 6500000", "sim-b INBOUND 7500000",
        "sim-b OUTBOUND 7500000", "sim-a INBOUND 9000000");
  }

  @Test
  void tshark_readsEveryPacketWithValidChecksumsAndReportsNothingMalformed() throws Exception {
    Path file = captureExchange(new ArrayList<>());

    ToolRun fields = tshark(file, "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
        "-o", "udp.check_checksum:TRUE", "-T", "fields", "-E", "separator=;",
        "-e", "frame.number", "-e", "frame.interface_id", "-e", "frame.packet_flags_direction",
        "-e", "frame.time_epoch", "-e", "frame.protocols",
        "-e", "ip.checksum.status", "-e", "tcp.checksum.status", "-e", "udp.checksum.status",
        "-e", "icmp.checksum.status", "-e", "_ws.expert.message");
    assertThat(fields.exitCode()).as("tshark fields run: %s", fields).isZero();
    List<String> lines = fields.stdout().lines().toList();
    assertThat(lines).as("one line per packet: %s", fields).hasSize(14);
    // number, interface, direction (1 in, 2 out), Unix time to the nanosecond, first three protocols
    List<String> frames = lines.stream().map(line -> {
      String[] f = line.split(";", -1);
      assertThat(f).as(line).hasSize(10);
      String protocols = String.join(":", Arrays.asList(f[4].split(":")).subList(0, 3));
      return f[0] + " if" + f[1] + " dir" + Integer.decode(f[2]) + " " + new BigDecimal(f[3]).toPlainString() + " "
          + protocols;
    }).toList();
    assertThat(frames).containsExactly(
        "1 if0 dir2 1700000000.123456789 raw:ip:tcp",
        "2 if1 dir1 1700000000.124956789 raw:ip:tcp",
        "3 if1 dir2 1700000000.124956789 raw:ip:tcp",
        "4 if0 dir1 1700000000.126456789 raw:ip:tcp",
        "5 if0 dir2 1700000000.126456789 raw:ip:tcp",
        "6 if0 dir2 1700000000.126456790 raw:ip:tcp",
        "7 if1 dir1 1700000000.127956789 raw:ip:tcp",
        "8 if1 dir1 1700000000.127956790 raw:ip:tcp",
        "9 if0 dir2 1700000000.128456789 raw:ipv6:udp",
        "10 if0 dir2 1700000000.129456789 raw:ip:icmp",
        "11 if1 dir1 1700000000.129956789 raw:ipv6:udp",
        "12 if1 dir1 1700000000.130956789 raw:ip:icmp",
        "13 if1 dir2 1700000000.130956789 raw:ip:icmp",
        "14 if0 dir1 1700000000.132456789 raw:ip:icmp");
    for (String line : lines) {
      String[] f = line.split(";", -1);
      for (int c = 5; c <= 8; c++) {
        assertThat(f[c]).as("checksum status (1 = good): %s", line).isIn("", "1");
      }
      // Both ends are in one file, so tshark notes each packet's second sighting as a retransmission.
      assertThat(f[9]).as("expert messages: %s", line).doesNotContainIgnoringCase("malformed")
          .doesNotContainIgnoringCase("checksum").doesNotContainIgnoringCase("incorrect");
    }
    assertThat(lines.stream().filter(l -> l.split(";", -1)[5].equals("1")).count()).as("IPv4 checksums checked")
        .isEqualTo(12);
    assertThat(lines.stream().filter(l -> l.split(";", -1)[6].equals("1")).count()).as("TCP checksums checked")
        .isEqualTo(8);
    assertThat(lines.stream().filter(l -> l.split(";", -1)[7].equals("1")).count()).as("UDP checksums checked")
        .isEqualTo(2);
    assertThat(lines.stream().filter(l -> l.split(";", -1)[8].equals("1")).count()).as("ICMP checksums checked")
        .isEqualTo(4);

    ToolRun verbose = tshark(file, "-V");
    assertThat(verbose.exitCode()).as("tshark -V: %s", verbose.stderr()).isZero();
    assertThat(verbose.stdout()).contains("Frame 14:")
        .doesNotContain("Malformed").doesNotContain("_ws.malformed").doesNotContain("Dissector bug");

    ToolRun expert = tshark(file, "-q", "-z", "expert");
    assertThat(expert.exitCode()).as("tshark -z expert: %s", expert.stderr()).isZero();
    assertThat(expert.stdout()).doesNotContain("Malformed").doesNotContainIgnoringCase("Errors (");
  }

  /**
   * a (192.0.2.1, 2001:db8::1) and b (192.0.2.2, 2001:db8::2), 1.5 ms apart: a TCP handshake and a
   * data segment, an IPv6 UDP datagram, an ICMP echo request and its reply. Returns the file;
   * {@code tapped} receives what a second tap on both interfaces saw, in order.
   */
  private Path captureExchange(List<Tapped> tapped) throws IOException {
    SimulatedNetwork network = new SimulatedNetwork(3);
    SimulatedLink link = network.connect("sim-a", "sim-b",
        SimulatedLink.Config.defaults().withImpairments(Impairments.NONE.withDelay(DELAY)));
    SimulatedInterface a = link.a();
    SimulatedInterface b = link.b();
    Path file = dir.resolve("exchange.pcapng");
    try (PcapngWriter writer = PcapngWriter.create(file, EPOCH_NANOS)) {
      writer.attach(a);
      writer.attach(b);
      writer.attach(a); // a second attach changes nothing
      PacketTap recorder = (device, direction, buf, off, len, time) ->
          tapped.add(new Tapped(device.name(), direction, time, Arrays.copyOfRange(buf, off, off + len)));
      a.addTap(recorder);
      b.addTap(recorder);

      TcpBuilder syn = new TcpBuilder().sourcePort(40_000).destinationPort(80).sequenceNumber(1_000)
          .flags(TcpFlags.SYN).window(64_240).mss(1460).sackPermitted().timestamps(1, 0).nop().windowScale(7);
      send(a, TestPackets.tcp4(HOST_A, HOST_B, syn, 0, 0), 0);
      network.advance(DELAY);
      TcpBuilder synAck = new TcpBuilder().sourcePort(80).destinationPort(40_000).sequenceNumber(5_000)
          .acknowledgmentNumber(1_001).flags(TcpFlags.SYN | TcpFlags.ACK).window(65_160).mss(1460);
      send(b, TestPackets.tcp4(HOST_B, HOST_A, synAck, 0, 0), DELAY);
      network.advance(2 * DELAY);
      send(a, TestPackets.tcp4(HOST_A, HOST_B, 40_000, 80, TcpFlags.ACK, 1_001, 5_001, 0, 0), 2 * DELAY);
      TcpBuilder request = new TcpBuilder().sourcePort(40_000).destinationPort(80).sequenceNumber(1_001)
          .acknowledgmentNumber(5_001).flags(TcpFlags.PSH | TcpFlags.ACK).window(502);
      send(a, TestPackets.tcp4(HOST_A, HOST_B, request,
          "GET / HTTP/1.1\r\nHost: sim-b\r\n\r\n".getBytes(StandardCharsets.US_ASCII)), 2 * DELAY + 1);
      network.advance(3 * DELAY);
      network.advance(3 * DELAY + 1);
      byte[] datagram = "sluice over IPv6".getBytes(StandardCharsets.US_ASCII);
      send(a, TestPackets.udp6(HOST_A6, HOST_B6, 50_000, 50_001, datagram), 5 * MS);
      byte[] body = new byte[32];
      Arrays.fill(body, (byte) 0x61);
      send(a, TestPackets.icmpEcho4(HOST_A, HOST_B, IcmpType.V4_ECHO_REQUEST, 0x1234, 1, body), 6 * MS);
      network.advance(5 * MS + DELAY);
      network.advance(6 * MS + DELAY);
      send(b, TestPackets.icmpEcho4(HOST_B, HOST_A, IcmpType.V4_ECHO_REPLY, 0x1234, 1, body), 6 * MS + DELAY);
      long due;
      while ((due = network.nextDueNanos()) != Long.MAX_VALUE) {
        network.advance(due);
      }
      drainAndRelease(a);
      drainAndRelease(b);

      assertThat(writer.packets()).isEqualTo(14);
    }
    return file;
  }

  private static void send(SimulatedInterface from, byte[] packet, long now) {
    assertThat(from.transmit(packet, 0, packet.length, now)).isTrue();
  }

  private static void drainAndRelease(SimulatedInterface device) {
    for (int q = 0; q < device.receiveQueueCount(); q++) {
      PacketBuffer packet;
      while ((packet = device.poll(q)) != null) {
        packet.release();
      }
    }
  }

  // --- reading pcapng back

  record Block(int type, ByteBuffer body) {}

  private static ByteOrder sectionByteOrder(ByteBuffer data) {
    if (data.duplicate().order(ByteOrder.LITTLE_ENDIAN).getInt(8) == 0x1A2B3C4D) {
      return ByteOrder.LITTLE_ENDIAN;
    }
    assertThat(data.duplicate().order(ByteOrder.BIG_ENDIAN).getInt(8)).as("byte-order magic").isEqualTo(0x1A2B3C4D);
    return ByteOrder.BIG_ENDIAN;
  }

  /** Splits the file into blocks, checking each block's two length fields and its alignment. */
  private static List<Block> blocks(ByteBuffer data) {
    List<Block> blocks = new ArrayList<>();
    int pos = 0;
    while (pos < data.limit()) {
      assertThat(data.limit() - pos).as("room for a block at %d", pos).isGreaterThanOrEqualTo(12);
      int type = data.getInt(pos);
      int length = data.getInt(pos + 4);
      assertThat(length).as("block at %d: length", pos)
          .isGreaterThanOrEqualTo(12).isLessThanOrEqualTo(data.limit() - pos);
      assertThat(length % 4).as("block at %d: 32-bit aligned", pos).isZero();
      assertThat(data.getInt(pos + length - 4)).as("block at %d: trailing length", pos).isEqualTo(length);
      ByteBuffer body = data.slice(pos + 8, length - 12).order(data.order());
      blocks.add(new Block(type, body));
      pos += length;
    }
    assertThat(pos).isEqualTo(data.limit());
    return blocks;
  }

  /** The options from {@code off} to the end of {@code body}: code to value; ends with opt_endofopt. */
  private static Map<Integer, byte[]> options(ByteBuffer body, int off) {
    Map<Integer, byte[]> options = new LinkedHashMap<>();
    int pos = off;
    while (true) {
      assertThat(body.limit() - pos).as("room for an option header").isGreaterThanOrEqualTo(4);
      int code = body.getShort(pos) & 0xFFFF;
      int length = body.getShort(pos + 2) & 0xFFFF;
      if (code == 0) {
        assertThat(length).as("opt_endofopt length").isZero();
        assertThat(pos + 4).as("nothing after opt_endofopt").isEqualTo(body.limit());
        return options;
      }
      byte[] value = new byte[length];
      body.get(pos + 4, value);
      int padded = (length + 3) & ~3;
      for (int p = length; p < padded; p++) {
        assertThat(body.get(pos + 4 + p)).as("option %d padding", code).isZero();
      }
      assertThat(options.put(code, value)).as("option %d appears once", code).isNull();
      pos += 4 + padded;
    }
  }

  private static String text(byte[] utf8) {
    return new String(utf8, StandardCharsets.UTF_8);
  }

  // --- tshark

  record ToolRun(int exitCode, String stdout, String stderr) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
    }
  }

  /** Runs {@code tshark -r file args...} with a timeout; fails (never skips) if tshark is missing. */
  private ToolRun tshark(Path file, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("tshark", "-n", "-r", file.toString()));
    command.addAll(List.of(args));
    Path out = Files.createTempFile(dir, "tshark", ".out");
    Path err = Files.createTempFile(dir, "tshark", ".err");
    ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
    builder.environment().put("LC_ALL", "C");
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      return fail("tshark is needed to check the capture and could not be run (" + e.getMessage()
          + "): apt-get install tshark");
    }
    if (!process.waitFor(TSHARK_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      fail("tshark did not finish within " + TSHARK_TIMEOUT_SECONDS + " s: " + command);
    }
    return new ToolRun(process.exitValue(), Files.readString(out), Files.readString(err));
  }
}
