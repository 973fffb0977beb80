package dev.sluice.wire;

/**
 * Writes TCP headers with options (RFC 9293 §3.1). Set the fields and add options in the order
 * they should appear, then {@link #write} with the payload already in place after the header.
 * Options are padded with End-of-Option-List octets to a multiple of four (RFC 9293 §3.1).
 */
public final class TcpBuilder {
  private static final int MAX_OPTIONS_BYTES = 40;

  private int sourcePort;
  private int destinationPort;
  private int sequenceNumber;
  private int acknowledgmentNumber;
  private int flags;
  private int reservedBits;
  private int window;
  private int urgentPointer;
  private final byte[] options = new byte[MAX_OPTIONS_BYTES];
  private int optionsLength;

  public TcpBuilder sourcePort(int port) {
    this.sourcePort = port & 0xFFFF;
    return this;
  }

  public TcpBuilder destinationPort(int port) {
    this.destinationPort = port & 0xFFFF;
    return this;
  }

  public TcpBuilder sequenceNumber(int seq) {
    this.sequenceNumber = seq;
    return this;
  }

  public TcpBuilder acknowledgmentNumber(int ack) {
    this.acknowledgmentNumber = ack;
    return this;
  }

  public TcpBuilder flags(int flags) {
    this.flags = flags & 0xFF;
    return this;
  }

  /** The four reserved bits; zero unless a packet is being reproduced exactly. */
  public TcpBuilder reservedBits(int bits) {
    this.reservedBits = bits & 0x0F;
    return this;
  }

  public TcpBuilder window(int window) {
    this.window = window & 0xFFFF;
    return this;
  }

  public TcpBuilder urgentPointer(int pointer) {
    this.urgentPointer = pointer & 0xFFFF;
    return this;
  }

  public TcpBuilder clearOptions() {
    optionsLength = 0;
    return this;
  }

  public TcpBuilder nop() {
    reserve(1);
    options[optionsLength++] = TcpOptions.KIND_NOP;
    return this;
  }

  public TcpBuilder endOfOptions() {
    reserve(1);
    options[optionsLength++] = TcpOptions.KIND_END;
    return this;
  }

  public TcpBuilder mss(int mss) {
    reserve(4);
    options[optionsLength] = TcpOptions.KIND_MSS;
    options[optionsLength + 1] = 4;
    Bytes.put16(options, optionsLength + 2, mss);
    optionsLength += 4;
    return this;
  }

  public TcpBuilder windowScale(int shift) {
    reserve(3);
    options[optionsLength] = TcpOptions.KIND_WINDOW_SCALE;
    options[optionsLength + 1] = 3;
    options[optionsLength + 2] = (byte) shift;
    optionsLength += 3;
    return this;
  }

  public TcpBuilder sackPermitted() {
    reserve(2);
    options[optionsLength] = TcpOptions.KIND_SACK_PERMITTED;
    options[optionsLength + 1] = 2;
    optionsLength += 2;
    return this;
  }

  public TcpBuilder timestamps(int tsVal, int tsEcr) {
    reserve(10);
    options[optionsLength] = TcpOptions.KIND_TIMESTAMPS;
    options[optionsLength + 1] = 10;
    Bytes.put32(options, optionsLength + 2, tsVal);
    Bytes.put32(options, optionsLength + 6, tsEcr);
    optionsLength += 10;
    return this;
  }

  /**
   * A SACK option with {@code count} blocks, given as {@code edges[2i]} (left) and
   * {@code edges[2i + 1]} (right) (RFC 2018 §3).
   */
  public TcpBuilder sack(int count, int[] edges) {
    if (count < 1 || count > TcpOptions.MAX_SACK_BLOCKS) {
      throw new IllegalArgumentException("a SACK option holds 1 to 4 blocks: " + count);
    }
    int length = 2 + 8 * count;
    reserve(length);
    options[optionsLength] = TcpOptions.KIND_SACK;
    options[optionsLength + 1] = (byte) length;
    for (int b = 0; b < count; b++) {
      Bytes.put32(options, optionsLength + 2 + 8 * b, edges[2 * b]);
      Bytes.put32(options, optionsLength + 6 + 8 * b, edges[2 * b + 1]);
    }
    optionsLength += length;
    return this;
  }

  /** Any option, copied as given: kind, length and data. */
  public TcpBuilder rawOption(byte[] src, int off, int len) {
    reserve(len);
    System.arraycopy(src, off, options, optionsLength, len);
    optionsLength += len;
    return this;
  }

  private void reserve(int bytes) {
    if (optionsLength + bytes > MAX_OPTIONS_BYTES) {
      throw new IllegalStateException(
          "TCP options exceed 40 bytes: " + optionsLength + " + " + bytes);
    }
  }

  public int headerLength() {
    return TcpSegment.MIN_HEADER_LENGTH + ((optionsLength + 3) & ~3);
  }

  /**
   * Writes the header at {@code off}, whose payload of {@code payloadLength} bytes must already sit
   * at {@code off + headerLength()}, and fills in the checksum. Returns the header length.
   *
   * @param pseudoHeaderSum the unfinished pseudo-header sum for {@code headerLength() + payloadLength}
   */
  public int write(byte[] buf, int off, int payloadLength, int pseudoHeaderSum) {
    int hl = headerLength();
    Bytes.put16(buf, off, sourcePort);
    Bytes.put16(buf, off + 2, destinationPort);
    Bytes.put32(buf, off + 4, sequenceNumber);
    Bytes.put32(buf, off + 8, acknowledgmentNumber);
    Bytes.put8(buf, off + 12, ((hl / 4) << 4) | reservedBits);
    Bytes.put8(buf, off + 13, flags);
    Bytes.put16(buf, off + 14, window);
    Bytes.put16(buf, off + 16, 0);
    Bytes.put16(buf, off + 18, urgentPointer);
    System.arraycopy(options, 0, buf, off + TcpSegment.MIN_HEADER_LENGTH, optionsLength);
    for (int i = off + TcpSegment.MIN_HEADER_LENGTH + optionsLength; i < off + hl; i++) {
      buf[i] = TcpOptions.KIND_END;
    }
    int sum = Checksum.add(pseudoHeaderSum, Checksum.sum(buf, off, hl + payloadLength));
    Bytes.put16(buf, off + 16, Checksum.finish(sum));
    return hl;
  }
}
