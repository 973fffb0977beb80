package dev.sluice.wire;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * A classic libpcap capture file (not pcapng), read whole into memory: the 24-byte global header,
 * then one 16-byte record header and the captured bytes per packet. Test code only; it exists so
 * that the kernel corpus can be read without a capture library.
 *
 * <p>The magic number tells both the byte order of every later field (the writer's native order)
 * and the timestamp resolution: {@code a1b2c3d4} for microseconds, {@code a1b23c4d} for
 * nanoseconds, and their byte-swapped forms when the writer's order differs from big-endian.
 */
final class PcapFile {
  static final int LINKTYPE_ETHERNET = 1;

  private static final int MAGIC_MICROS = 0xA1B2C3D4;
  private static final int MAGIC_NANOS = 0xA1B23C4D;
  private static final int GLOBAL_HEADER_LENGTH = 24;
  private static final int RECORD_HEADER_LENGTH = 16;

  /** One captured packet; {@code data} may be shorter than {@code originalLength} if truncated. */
  record Packet(int index, long seconds, long nanos, int originalLength, byte[] data) {
    boolean truncated() {
      return data.length < originalLength;
    }
  }

  private final boolean nanosecondTimestamps;
  private final ByteOrder byteOrder;
  private final int snapLength;
  private final int linkType;
  private final List<Packet> packets;

  private PcapFile(boolean nanosecondTimestamps, ByteOrder byteOrder, int snapLength, int linkType,
      List<Packet> packets) {
    this.nanosecondTimestamps = nanosecondTimestamps;
    this.byteOrder = byteOrder;
    this.snapLength = snapLength;
    this.linkType = linkType;
    this.packets = List.copyOf(packets);
  }

  /** Reads a file from the test class path, e.g. {@code /corpus/tcp-ipv4.pcap}. */
  static PcapFile readResource(String path) {
    try (InputStream in = PcapFile.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalArgumentException("no such test resource: " + path);
      }
      return read(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(path, e);
    }
  }

  static PcapFile read(byte[] file) {
    if (file.length < GLOBAL_HEADER_LENGTH) {
      throw new IllegalArgumentException("too short for a pcap global header: " + file.length + " bytes");
    }
    ByteBuffer in = ByteBuffer.wrap(file).order(ByteOrder.BIG_ENDIAN);
    int magic = in.getInt();
    boolean nanos;
    if (magic == MAGIC_MICROS || magic == MAGIC_NANOS) {
      nanos = magic == MAGIC_NANOS;
    } else if (Integer.reverseBytes(magic) == MAGIC_MICROS || Integer.reverseBytes(magic) == MAGIC_NANOS) {
      nanos = Integer.reverseBytes(magic) == MAGIC_NANOS;
      in.order(ByteOrder.LITTLE_ENDIAN);
    } else {
      throw new IllegalArgumentException(String.format(
          "not a classic pcap file (magic %08x; pcapng starts with 0a0d0d0a)", magic));
    }
    int versionMajor = Short.toUnsignedInt(in.getShort());
    int versionMinor = Short.toUnsignedInt(in.getShort());
    if (versionMajor != 2) {
      throw new IllegalArgumentException("unsupported pcap version " + versionMajor + "." + versionMinor);
    }
    in.getInt(); // thiszone: always 0 in practice, timestamps are UTC
    in.getInt(); // sigfigs: always 0
    int snapLength = in.getInt();
    // The low 16 bits are the link type; newer writers may put an FCS length in the top bits.
    int linkType = in.getInt() & 0xFFFF;

    List<Packet> packets = new ArrayList<>();
    try {
      while (in.hasRemaining()) {
        int index = packets.size();
        if (in.remaining() < RECORD_HEADER_LENGTH) {
          throw new IllegalArgumentException("record " + index + ": header cut short");
        }
        long seconds = Integer.toUnsignedLong(in.getInt());
        long fraction = Integer.toUnsignedLong(in.getInt());
        int capturedLength = in.getInt();
        int originalLength = in.getInt();
        if (capturedLength < 0 || capturedLength > in.remaining()) {
          throw new IllegalArgumentException("record " + index + ": " + capturedLength
              + " captured bytes, but only " + in.remaining() + " left in the file");
        }
        byte[] data = new byte[capturedLength];
        in.get(data);
        packets.add(new Packet(index, seconds, nanos ? fraction : fraction * 1_000, originalLength, data));
      }
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("pcap file cut short", e);
    }
    return new PcapFile(nanos, in.order(), snapLength, linkType, packets);
  }

  boolean nanosecondTimestamps() {
    return nanosecondTimestamps;
  }

  ByteOrder byteOrder() {
    return byteOrder;
  }

  int snapLength() {
    return snapLength;
  }

  int linkType() {
    return linkType;
  }

  List<Packet> packets() {
    return packets;
  }
}
