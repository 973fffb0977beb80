package dev.sluice.cli.capture;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeSet;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads pcap and pcapng captures, whichever tool wrote them: tcpdump, tshark, dumpcap, or
 * Sluice's own {@code PcapngWriter}; either may be gzip-compressed, as Wireshark reads them.
 *
 * <ul>
 *   <li>pcap (https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcap/): both byte orders, with
 *       microsecond (0xA1B2C3D4) or nanosecond (0xA1B23C4D) timestamps;
 *   <li>pcapng (https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcapng/): Section Header Blocks
 *       in either byte order (a file may hold several sections, each with its own order and its own
 *       interfaces), Interface Description Blocks with {@code if_tsresol} and {@code if_tsoffset},
 *       Enhanced, Simple and the obsolete Packet Blocks, and the {@code isb_endtime} of Interface
 *       Statistics Blocks (when capturing stopped); every other block is skipped by its length.
 * </ul>
 *
 * <p>The link-layer header is stripped here ({@link LinkLayer}), so callers see IP packets only. A
 * record that cannot be read is counted as malformed and skipped; where its length itself is
 * impossible (so the next record cannot be found) reading stops there. Only a file that is not a
 * capture at all is an error. The whole file is read into memory: this is a diagnostic tool for
 * captures of a few connections, and a file too big for that is refused with a clear message.
 */
public final class CaptureReader {
  static final int PCAP_MICROS = 0xA1B2C3D4;
  static final int PCAP_NANOS = 0xA1B23C4D;
  static final int PCAPNG_SECTION_HEADER = 0x0A0D0D0A;
  static final int PCAPNG_BYTE_ORDER_MAGIC = 0x1A2B3C4D;
  static final int BLOCK_INTERFACE_DESCRIPTION = 1;
  static final int BLOCK_PACKET_OBSOLETE = 2;
  static final int BLOCK_SIMPLE_PACKET = 3;
  static final int BLOCK_INTERFACE_STATISTICS = 5;
  static final int BLOCK_ENHANCED_PACKET = 6;
  static final int OPTION_END = 0;
  static final int OPTION_IF_TSRESOL = 9;
  static final int OPTION_IF_TSOFFSET = 14;
  static final int OPTION_ISB_ENDTIME = 3;
  private static final int PCAP_HEADER = 24;
  private static final int PCAP_RECORD_HEADER = 16;
  /** libpcap's own ceiling for one record (MAXIMUM_SNAPLEN); anything larger is a corrupt length. */
  private static final int MAX_RECORD = 262_144;
  private static final long MAX_FILE = Integer.MAX_VALUE - 16;
  private static final int GZIP_MAGIC_0 = 0x1F;
  private static final int GZIP_MAGIC_1 = 0x8B;

  private final List<CapturedPacket> packets = new ArrayList<>();
  private final TreeSet<Integer> linkTypes = new TreeSet<>();
  private long records;
  private long notIp;
  private long malformed;
  private long firstTime;
  private long lastTime;
  private boolean timed;
  private ByteOrder currentOrder = ByteOrder.BIG_ENDIAN;
  private Capture.EarlyEnd end;

  private CaptureReader() {}

  /**
   * Reads {@code file}.
   *
   * @throws CaptureFormatException if it is neither pcap nor pcapng
   * @throws IOException if it cannot be read
   */
  public static Capture read(Path file) throws IOException {
    if (Files.isDirectory(file)) {
      throw new IOException("is a directory");
    }
    long size = Files.size(file);
    if (size > MAX_FILE) {
      throw new IOException("larger than 2 GiB; cut it down first (editcap -c, or tcpdump -r ... -w with a filter)");
    }
    byte[] bytes = Files.readAllBytes(file);
    if (bytes.length >= 2 && (bytes[0] & 0xFF) == GZIP_MAGIC_0 && (bytes[1] & 0xFF) == GZIP_MAGIC_1) {
      Capture inner = read(gunzip(bytes));
      return new Capture(inner.format() + " (gzip)", inner.linkTypes(), inner.packets(), inner.records(),
          inner.notIp(), inner.malformed(), inner.firstTimeNanos(), inner.lastTimeNanos(), inner.end());
    }
    return read(bytes);
  }

  /**
   * The content of a gzip file (RFC 1952), as Wireshark opens {@code .pcap.gz} and {@code
   * .pcapng.gz}. A gzip stream cut short gives what it held up to the cut: the capture inside is
   * then cut short too, which {@link #read(byte[])} reports as it would for a plain file.
   */
  private static byte[] gunzip(byte[] compressed) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(compressed.length * 4);
    byte[] chunk = new byte[64 * 1024];
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(compressed), chunk.length)) {
      for (int n; (n = in.read(chunk)) >= 0; ) {
        if (out.size() > MAX_FILE - n) {
          throw new IOException("larger than 2 GiB once uncompressed; cut it down first (editcap -c, or tcpdump -r "
              + "... -w with a filter)");
        }
        out.write(chunk, 0, n);
      }
    } catch (EOFException e) {
      // the gzip stream was cut short: keep what it held
    } catch (ZipException e) {
      throw new CaptureFormatException("not a readable gzip file (" + e.getMessage() + ")");
    }
    return out.toByteArray();
  }

  /** Reads a capture held in memory. */
  public static Capture read(byte[] bytes) throws CaptureFormatException {
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    if (bytes.length < 4) {
      throw new CaptureFormatException("not a pcap or pcapng capture (only " + bytes.length + " bytes)");
    }
    int magic = buf.order(ByteOrder.BIG_ENDIAN).getInt(0);
    CaptureReader reader = new CaptureReader();
    String format;
    if (magic == PCAPNG_SECTION_HEADER) {
      format = "pcapng";
      reader.readPcapng(buf);
    } else if (isPcapMagic(magic) || isPcapMagic(Integer.reverseBytes(magic))) {
      format = "pcap";
      reader.readPcap(buf);
    } else {
      throw new CaptureFormatException("not a pcap or pcapng capture (it starts with 0x"
          + HexFormat.of().formatHex(bytes, 0, 4) + ")");
    }
    return new Capture(format, reader.linkTypes, List.copyOf(reader.packets), reader.records, reader.notIp,
        reader.malformed, reader.firstTime, reader.lastTime, reader.end);
  }

  private static boolean isPcapMagic(int magic) {
    return magic == PCAP_MICROS || magic == PCAP_NANOS;
  }

  // --- pcap

  private void readPcap(ByteBuffer buf) throws CaptureFormatException {
    int magic = buf.order(ByteOrder.BIG_ENDIAN).getInt(0);
    buf.order(isPcapMagic(magic) ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
    boolean nanos = buf.getInt(0) == PCAP_NANOS;
    if (buf.limit() < PCAP_HEADER) {
      throw new CaptureFormatException("not a complete pcap capture (its " + PCAP_HEADER + "-byte file header is cut short)");
    }
    // The upper bits of the link-type field carry FCS information (pcap draft §4); the type is the low 16.
    int linkType = buf.getInt(20) & 0xFFFF;
    int pos = PCAP_HEADER;
    while (pos < buf.limit()) {
      if (buf.limit() - pos < PCAP_RECORD_HEADER) {
        stop(pos, true); // a record header cut short: the file was truncated mid-write
        return;
      }
      long seconds = buf.getInt(pos) & 0xFFFF_FFFFL;
      long fraction = buf.getInt(pos + 4) & 0xFFFF_FFFFL;
      int captured = buf.getInt(pos + 8);
      int original = buf.getInt(pos + 12);
      int data = pos + PCAP_RECORD_HEADER;
      if (captured < 0 || captured > MAX_RECORD || captured > buf.limit() - data) {
        // no way to find the next record after an impossible length; a possible one past the end is a cut
        stop(pos, captured >= 0 && captured <= MAX_RECORD);
        return;
      }
      long time = seconds * 1_000_000_000L + (nanos ? fraction : fraction * 1_000L);
      frame(linkType, time, buf.array(), data, captured, original);
      pos = data + captured;
    }
  }

  // --- pcapng

  /** What an Interface Description Block says about the packets captured on it. */
  private record Interface(int linkType, int resolution, boolean binary, long offsetSeconds) {
    /** Timestamp units (10^-resolution or 2^-resolution s) to nanoseconds since the epoch. */
    long nanos(long ticks) {
      long base = offsetSeconds * 1_000_000_000L;
      if (binary) {
        long seconds = resolution >= 63 ? 0 : ticks >>> resolution;
        BigInteger fraction = BigInteger.valueOf(ticks).and(BigInteger.ONE.shiftLeft(resolution).subtract(BigInteger.ONE));
        return base + seconds * 1_000_000_000L
            + fraction.multiply(BigInteger.valueOf(1_000_000_000L)).shiftRight(resolution).longValue();
      }
      if (resolution <= 9) {
        return base + ticks * POWERS_OF_TEN[9 - resolution];
      }
      return base + (resolution - 9 < POWERS_OF_TEN.length ? ticks / POWERS_OF_TEN[resolution - 9] : 0);
    }
  }

  private static final long[] POWERS_OF_TEN = {
    1L, 10L, 100L, 1_000L, 10_000L, 100_000L, 1_000_000L, 10_000_000L, 100_000_000L, 1_000_000_000L,
    10_000_000_000L, 100_000_000_000L, 1_000_000_000_000L, 10_000_000_000_000L, 100_000_000_000_000L,
    1_000_000_000_000_000L, 10_000_000_000_000_000L, 100_000_000_000_000_000L, 1_000_000_000_000_000_000L
  };

  private void readPcapng(ByteBuffer buf) throws CaptureFormatException {
    List<Interface> interfaces = new ArrayList<>();
    long lastPacketTime = 0;
    int pos = 0;
    boolean first = true;
    while (pos < buf.limit()) {
      if (buf.limit() - pos < 12) {
        stop(pos, true);
        return;
      }
      int type = buf.order(ByteOrder.BIG_ENDIAN).getInt(pos);
      if (type == PCAPNG_SECTION_HEADER) {
        // Each section declares its own byte order; the block type reads the same either way.
        int bom = buf.getInt(pos + 8);
        if (bom == PCAPNG_BYTE_ORDER_MAGIC) {
          buf.order(ByteOrder.BIG_ENDIAN);
        } else if (bom == Integer.reverseBytes(PCAPNG_BYTE_ORDER_MAGIC)) {
          buf.order(ByteOrder.LITTLE_ENDIAN);
        } else if (first) {
          throw new CaptureFormatException("not a pcapng capture (its Section Header has no byte-order magic)");
        } else {
          stop(pos, false);
          return;
        }
        interfaces.clear();
      } else {
        buf.order(currentOrder);
        type = buf.getInt(pos);
      }
      int length = buf.getInt(pos + 4);
      if (length < 12 || (length & 3) != 0 || length > buf.limit() - pos || buf.getInt(pos + length - 4) != length) {
        if (first) {
          throw new CaptureFormatException("not a pcapng capture (its first block has an impossible length)");
        }
        // the next block cannot be found; a plausible length past the end of the file is a cut
        stop(pos, length >= 12 && (length & 3) == 0 && length > buf.limit() - pos);
        return;
      }
      currentOrder = buf.order();
      first = false;
      int body = pos + 8;
      int end = pos + length - 4; // the trailing copy of the length
      switch (type) {
        case BLOCK_INTERFACE_DESCRIPTION -> interfaces.add(interfaceDescription(buf, body, end));
        case BLOCK_ENHANCED_PACKET, BLOCK_PACKET_OBSOLETE -> {
          records++;
          if (end - body < 20) {
            malformed++;
            break;
          }
          int id = type == BLOCK_ENHANCED_PACKET ? buf.getInt(body) : buf.getShort(body) & 0xFFFF;
          long ticks = ((buf.getInt(body + 4) & 0xFFFF_FFFFL) << 32) | (buf.getInt(body + 8) & 0xFFFF_FFFFL);
          int captured = buf.getInt(body + 12);
          int original = buf.getInt(body + 16);
          int data = body + 20;
          if (id < 0 || id >= interfaces.size() || captured < 0 || captured > end - data) {
            malformed++;
            break;
          }
          Interface iface = interfaces.get(id);
          lastPacketTime = iface.nanos(ticks);
          packet(iface.linkType(), lastPacketTime, buf.array(), data, captured, original);
        }
        case BLOCK_SIMPLE_PACKET -> {
          // No timestamp and no captured length: it is the original length cut to what the block
          // holds, on interface 0. It takes the time of the packet before it.
          records++;
          if (interfaces.isEmpty() || end - body < 4) {
            malformed++;
            break;
          }
          int original = buf.getInt(body);
          int data = body + 4;
          int captured = (int) Math.min(original & 0xFFFF_FFFFL, end - data);
          packet(interfaces.get(0).linkType(), lastPacketTime, buf.array(), data, captured, original);
        }
        case BLOCK_INTERFACE_STATISTICS -> {
          // dumpcap writes one per interface as it stops; its isb_endtime says how long the capture
          // went on after the last packet, which matters for a wait that lasted to the end.
          int id = buf.getInt(body);
          if (id >= 0 && id < interfaces.size()) {
            long ended = statisticsEndTime(buf, body + 12, end, interfaces.get(id));
            if (ended > 0 && timed) {
              lastTime = Math.max(lastTime, ended);
            }
          }
        }
        default -> {
          // Name resolution, decryption secrets, custom blocks: nothing for us.
        }
      }
      pos += length;
    }
  }

  private static Interface interfaceDescription(ByteBuffer buf, int body, int end) {
    int linkType = buf.getShort(body) & 0xFFFF;
    int resolution = 6; // the default: microseconds
    boolean binary = false;
    long offsetSeconds = 0;
    int pos = body + 8; // link type, reserved, snaplen
    while (pos + 4 <= end) {
      int code = buf.getShort(pos) & 0xFFFF;
      int length = buf.getShort(pos + 2) & 0xFFFF;
      int value = pos + 4;
      if (code == OPTION_END || value + length > end) {
        break;
      }
      if (code == OPTION_IF_TSRESOL && length >= 1) {
        int raw = buf.get(value) & 0xFF;
        binary = (raw & 0x80) != 0; // the high bit picks a power of two instead of ten
        resolution = raw & 0x7F;
      } else if (code == OPTION_IF_TSOFFSET && length >= 8) {
        offsetSeconds = buf.getLong(value);
      }
      pos = value + ((length + 3) & ~3);
    }
    return new Interface(linkType, resolution, binary, offsetSeconds);
  }

  private static long statisticsEndTime(ByteBuffer buf, int pos, int end, Interface iface) {
    while (pos + 4 <= end) {
      int code = buf.getShort(pos) & 0xFFFF;
      int length = buf.getShort(pos + 2) & 0xFFFF;
      int value = pos + 4;
      if (code == OPTION_END || value + length > end) {
        break;
      }
      if (code == OPTION_ISB_ENDTIME && length == 8) {
        long ticks = ((buf.getInt(value) & 0xFFFF_FFFFL) << 32) | (buf.getInt(value + 4) & 0xFFFF_FFFFL);
        return iface.nanos(ticks);
      }
      pos = value + ((length + 3) & ~3);
    }
    return 0;
  }

  // --- both

  /** Reading stops at {@code offset}: the record there counts as malformed, and the capture says where. */
  private void stop(int offset, boolean cutShort) {
    malformed++;
    end = new Capture.EarlyEnd(offset, records, cutShort);
  }

  private void frame(int linkType, long time, byte[] bytes, int data, int captured, int original) {
    records++;
    packet(linkType, time, bytes, data, captured, original);
  }

  private void packet(int linkType, long time, byte[] bytes, int data, int captured, int original) {
    if (!timed) {
      firstTime = time;
      timed = true;
    }
    lastTime = Math.max(lastTime, time);
    int ip = LinkLayer.ipOffset(linkType, bytes, data, captured);
    if (ip == LinkLayer.MALFORMED) {
      malformed++;
      return;
    }
    if (ip == LinkLayer.NOT_IP) {
      notIp++;
      return;
    }
    linkTypes.add(linkType);
    int wireLength = Math.max(original, captured) - ip;
    packets.add(new CapturedPacket(records, time, Arrays.copyOfRange(bytes, data + ip, data + captured), wireLength,
        linkType));
  }
}
