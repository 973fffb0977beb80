package dev.sluice.link;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Writes packets to a pcapng file (draft-ietf-opsawg-pcapng) that Wireshark and tshark open: one
 * Section Header Block, one Interface Description Block per tapped device (link type RAW, since
 * devices carry bare IP packets, and nanosecond timestamps), and an Enhanced Packet Block per
 * packet, flagged inbound or outbound.
 *
 * <p>Thread-safe: taps on several devices may fire from several threads; each block is written
 * whole under this writer's monitor. Blocks are written in the host's byte order, which the
 * Section Header's byte-order magic declares.
 *
 * <p><b>Timestamps.</b> A writer made with a clock ({@link #realTime}) stamps each packet itself,
 * under its monitor, as a NIC's capture point does: the file is then in timestamp order however
 * many threads transmit and deliver. The timestamp a device passes to its taps is the time its
 * caller read the clock, which on a busy machine can be tens of milliseconds before the packet
 * reaches the tap (a worker reads the clock once per burst of steps, a delivered packet carries
 * the time it was due), so stamps taken outside the lock reach the file out of order. A writer
 * without a clock keeps the devices' timestamps: right for a virtual clock driven by one thread.
 * Either way a timestamp below the last one written is raised to it, so the file never steps
 * back in time (Wireshark and the doctor read it in file order).
 */
public final class PcapngWriter implements Closeable {
  static final int BLOCK_SECTION_HEADER = 0x0A0D0D0A;
  static final int BLOCK_INTERFACE_DESCRIPTION = 0x00000001;
  static final int BLOCK_ENHANCED_PACKET = 0x00000006;
  static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;
  /** LINKTYPE_RAW: the packet begins with an IPv4 or IPv6 header. */
  public static final int LINKTYPE_RAW = 101;
  static final int OPTION_END = 0;
  static final int OPTION_SHB_USER_APPLICATION = 4;
  static final int OPTION_IF_NAME = 2;
  static final int OPTION_IF_TSRESOL = 9;
  static final int OPTION_EPB_FLAGS = 2;
  static final int EPB_INBOUND = 1;
  static final int EPB_OUTBOUND = 2;
  /** The largest snapshot length: whole packets. */
  public static final int SNAPLEN_ALL = 65_535;

  private final OutputStream out;
  private final long epochOffsetNanos;
  private final int snaplen;
  /** Stamps packets when they are written, or null to keep the devices' timestamps. */
  private final LongSupplier clock;
  private long lastTimestamp = Long.MIN_VALUE;
  private long raised;
  private final ByteBuffer header = ByteBuffer.allocate(256).order(ByteOrder.nativeOrder());
  private final Map<Device, Integer> interfaceIds = new IdentityHashMap<>();
  private final byte[] padding = new byte[4];
  private long packets;
  private IOException failure;

  /**
   * A writer that keeps whole packets, stamped with the devices' timestamps.
   *
   * @param out where the capture goes; the writer closes it
   * @param epochOffsetNanos added to every device timestamp to make it Unix time: for a virtual
   *     clock that starts at 0, pass the wall-clock time of the start
   */
  public PcapngWriter(OutputStream out, long epochOffsetNanos) {
    this(out, epochOffsetNanos, SNAPLEN_ALL);
  }

  /**
   * A writer that keeps the first {@code snaplen} bytes of each packet.
   *
   * @param out where the capture goes; the writer closes it
   * @param epochOffsetNanos added to every device timestamp to make it Unix time
   * @param snaplen the most bytes kept of each packet (its original length is recorded too), as
   *     tcpdump's {@code -s}: 128 keeps every IPv4 or IPv6 and TCP header of a long capture
   */
  public PcapngWriter(OutputStream out, long epochOffsetNanos, int snaplen) {
    this(out, epochOffsetNanos, snaplen, null);
  }

  /**
   * A writer with every choice: what to keep of each packet and which clock stamps it.
   *
   * @param out where the capture goes; the writer closes it
   * @param epochOffsetNanos added to every timestamp to make it Unix time
   * @param snaplen the most bytes kept of each packet, 1 to 65535
   * @param clock if not null, read under this writer's monitor to stamp each packet as it is
   *     written (its value plus {@code epochOffsetNanos}), instead of the device's timestamp
   * @throws IllegalArgumentException if {@code snaplen} is outside 1 to 65535
   */
  public PcapngWriter(OutputStream out, long epochOffsetNanos, int snaplen, LongSupplier clock) {
    if (snaplen < 1 || snaplen > SNAPLEN_ALL) {
      throw new IllegalArgumentException("snaplen must be in [1, 65535]: " + snaplen);
    }
    this.out = out;
    this.epochOffsetNanos = epochOffsetNanos;
    this.snaplen = snaplen;
    this.clock = clock;
    writeSectionHeader();
  }

  /**
   * Creates (or replaces) {@code file}, keeping whole packets.
   *
   * @param file the capture file
   * @param epochOffsetNanos added to every device timestamp to make it Unix time
   * @return the writer; close it to finish the file
   * @throws IOException if the file cannot be created or its header written
   */
  public static PcapngWriter create(Path file, long epochOffsetNanos) throws IOException {
    return create(file, epochOffsetNanos, SNAPLEN_ALL);
  }

  /**
   * Creates (or replaces) {@code file}, keeping at most {@code snaplen} bytes of each packet.
   *
   * @param file the capture file
   * @param epochOffsetNanos added to every device timestamp to make it Unix time
   * @param snaplen the most bytes kept of each packet, 1 to 65535
   * @return the writer; close it to finish the file
   * @throws IOException if the file cannot be created or its header written
   */
  public static PcapngWriter create(Path file, long epochOffsetNanos, int snaplen) throws IOException {
    return new PcapngWriter(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16), epochOffsetNanos,
        snaplen);
  }

  /**
   * Creates (or replaces) {@code file} for devices driven by the real clock: each packet is
   * stamped with {@link System#nanoTime()} when it is written, in Unix time.
   *
   * @param file the capture file
   * @param snaplen the most bytes kept of each packet, 1 to 65535
   * @return the writer; close it to finish the file
   * @throws IOException if the file cannot be created or its header written
   */
  public static PcapngWriter realTime(Path file, int snaplen) throws IOException {
    long epochOffset = System.currentTimeMillis() * 1_000_000L - System.nanoTime();
    return new PcapngWriter(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16), epochOffset, snaplen,
        System::nanoTime);
  }

  /**
   * Describes {@code device} in the file and taps it: from now on its packets are written.
   * Attaching a device twice does nothing.
   *
   * @param device the device to capture
   */
  public synchronized void attach(Device device) {
    if (interfaceIds.containsKey(device)) {
      return;
    }
    int id = interfaceIds.size();
    interfaceIds.put(device, id);
    writeInterfaceDescription(device.name());
    device.addTap((d, direction, buf, off, len, timeNanos) -> writePacket(id, direction, buf, off, len, timeNanos));
  }

  /**
   * Packets written so far.
   *
   * @return the count
   */
  public synchronized long packets() {
    return packets;
  }

  /**
   * Packets whose timestamp was below the last one written, and was raised to it.
   *
   * @return the count
   */
  public synchronized long raisedTimestamps() {
    return raised;
  }

  private void writeSectionHeader() {
    byte[] application = "Sluice".getBytes(StandardCharsets.UTF_8);
    int optionsLength = option(application.length) + 4;
    int total = 28 + optionsLength;
    header.clear();
    header.putInt(BLOCK_SECTION_HEADER).putInt(total).putInt(BYTE_ORDER_MAGIC);
    header.putShort((short) 1).putShort((short) 0).putLong(-1L); // version 1.0, section length unknown
    putOption(OPTION_SHB_USER_APPLICATION, application);
    header.putShort((short) OPTION_END).putShort((short) 0);
    header.putInt(total);
    flushHeader();
  }

  private void writeInterfaceDescription(String name) {
    byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
    int optionsLength = option(nameBytes.length) + option(1) + 4;
    int total = 20 + optionsLength;
    header.clear();
    header.putInt(BLOCK_INTERFACE_DESCRIPTION).putInt(total);
    header.putShort((short) LINKTYPE_RAW).putShort((short) 0).putInt(snaplen);
    putOption(OPTION_IF_NAME, nameBytes);
    putOption(OPTION_IF_TSRESOL, new byte[] {9}); // 10^-9 s: nanoseconds
    header.putShort((short) OPTION_END).putShort((short) 0);
    header.putInt(total);
    flushHeader();
  }

  private synchronized void writePacket(int interfaceId, Direction direction, byte[] buf, int off, int len, long timeNanos) {
    int captured = Math.min(len, snaplen);
    int paddedData = (captured + 3) & ~3;
    // Seven 32-bit fields, the padded data, the epb_flags option (8), opt_endofopt (4), and the
    // trailing copy of the total length (4).
    int total = 28 + paddedData + 8 + 4 + 4;
    long timestamp = (clock == null ? timeNanos : clock.getAsLong()) + epochOffsetNanos;
    if (timestamp < lastTimestamp) {
      timestamp = lastTimestamp;
      raised++;
    }
    lastTimestamp = timestamp;
    header.clear();
    header.putInt(BLOCK_ENHANCED_PACKET).putInt(total).putInt(interfaceId);
    header.putInt((int) (timestamp >>> 32)).putInt((int) timestamp);
    header.putInt(captured).putInt(len);
    flushHeader();
    write(buf, off, captured);
    write(padding, 0, paddedData - captured);
    header.clear();
    header.putShort((short) OPTION_EPB_FLAGS).putShort((short) 4);
    header.putInt(direction == Direction.INBOUND ? EPB_INBOUND : EPB_OUTBOUND);
    header.putShort((short) OPTION_END).putShort((short) 0);
    header.putInt(total);
    flushHeader();
    packets++;
  }

  private static int option(int valueLength) {
    return 4 + ((valueLength + 3) & ~3);
  }

  private void putOption(int code, byte[] value) {
    header.putShort((short) code).putShort((short) value.length).put(value);
    for (int i = value.length; (i & 3) != 0; i++) {
      header.put((byte) 0);
    }
  }

  private void flushHeader() {
    write(header.array(), 0, header.position());
  }

  private void write(byte[] buf, int off, int len) {
    if (failure != null || len == 0) {
      return;
    }
    try {
      out.write(buf, off, len);
    } catch (IOException e) {
      failure = e; // reported by flush() and close(); a tap must not throw into the data path
    }
  }

  /**
   * Writes out what is buffered.
   *
   * @throws IOException if this or an earlier write failed (a tap cannot throw, so a failed
   *     packet write is reported here and by {@link #close()})
   */
  public synchronized void flush() throws IOException {
    if (failure != null) {
      throw failure;
    }
    out.flush();
  }

  @Override
  public synchronized void close() throws IOException {
    try {
      flush();
    } finally {
      out.close();
    }
  }

  /** Like {@link #close()}, for callers that cannot handle {@link IOException}. */
  public void closeUnchecked() {
    try {
      close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
