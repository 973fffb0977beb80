package dev.sluice.wire;

/**
 * Writes TCP headers with options (RFC 9293 §3.1). Set the fields and add options in the order
 * they should appear, then {@link #write} with the payload already in place after the header.
 * Options are padded with End-of-Option-List octets to a multiple of four (RFC 9293 §3.1).
 *
 * <p>Not thread-safe: a builder is a scratch object that one thread reuses segment after segment.
 * Every setter keeps its value until it is set again (options until {@link #clearOptions()}), so
 * a builder can write a run of similar segments. Setters keep only the bits their field has.
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

  /** Creates a builder with every field 0 and no options. */
  public TcpBuilder() {}

  /**
   * Sets the Source Port field (RFC 9293 §3.1).
   *
   * @param port the port; only its low 16 bits are kept
   * @return this builder
   */
  public TcpBuilder sourcePort(int port) {
    this.sourcePort = port & 0xFFFF;
    return this;
  }

  /**
   * Sets the Destination Port field (RFC 9293 §3.1).
   *
   * @param port the port; only its low 16 bits are kept
   * @return this builder
   */
  public TcpBuilder destinationPort(int port) {
    this.destinationPort = port & 0xFFFF;
    return this;
  }

  /**
   * Sets the Sequence Number field, SEG.SEQ (RFC 9293 §3.1).
   *
   * @param seq the sequence number, an unsigned 32-bit value held in an {@code int}
   * @return this builder
   */
  public TcpBuilder sequenceNumber(int seq) {
    this.sequenceNumber = seq;
    return this;
  }

  /**
   * Sets the Acknowledgment Number field, SEG.ACK (RFC 9293 §3.1); the peer reads it only when
   * {@link TcpFlags#ACK} is set.
   *
   * @param ack the acknowledgment number, an unsigned 32-bit value held in an {@code int}
   * @return this builder
   */
  public TcpBuilder acknowledgmentNumber(int ack) {
    this.acknowledgmentNumber = ack;
    return this;
  }

  /**
   * Sets the eight control bits (RFC 9293 §3.1), an OR of {@link TcpFlags} constants.
   *
   * @param flags the flags; only the low 8 bits are kept
   * @return this builder
   */
  public TcpBuilder flags(int flags) {
    this.flags = flags & 0xFF;
    return this;
  }

  /**
   * The four reserved bits; zero unless a packet is being reproduced exactly.
   *
   * @param bits the reserved bits; only the low 4 bits are kept
   * @return this builder
   */
  public TcpBuilder reservedBits(int bits) {
    this.reservedBits = bits & 0x0F;
    return this;
  }

  /**
   * Sets the Window field, SEG.WND as sent: the receiver's window already shifted right by its
   * window scale (RFC 7323 §2.3).
   *
   * @param window the window; only its low 16 bits are kept
   * @return this builder
   */
  public TcpBuilder window(int window) {
    this.window = window & 0xFFFF;
    return this;
  }

  /**
   * Sets the Urgent Pointer field (RFC 9293 §3.1); 0 unless {@link TcpFlags#URG} is sent.
   *
   * @param pointer the pointer; only its low 16 bits are kept
   * @return this builder
   */
  public TcpBuilder urgentPointer(int pointer) {
    this.urgentPointer = pointer & 0xFFFF;
    return this;
  }

  /**
   * Removes every option added so far, so the next header is 20 bytes unless options are added.
   *
   * @return this builder
   */
  public TcpBuilder clearOptions() {
    optionsLength = 0;
    return this;
  }

  /**
   * Adds a one-byte No-Operation option (RFC 9293 §3.2), used to align the next option.
   *
   * @return this builder
   * @throws IllegalStateException if the options would exceed 40 bytes
   */
  public TcpBuilder nop() {
    reserve(1);
    options[optionsLength++] = TcpOptions.KIND_NOP;
    return this;
  }

  /**
   * Adds a one-byte End of Option List (RFC 9293 §3.2). Not needed for padding, which
   * {@link #write} adds by itself.
   *
   * @return this builder
   * @throws IllegalStateException if the options would exceed 40 bytes
   */
  public TcpBuilder endOfOptions() {
    reserve(1);
    options[optionsLength++] = TcpOptions.KIND_END;
    return this;
  }

  /**
   * Adds a 4-byte Maximum Segment Size option (RFC 9293 §3.2, §3.7.1).
   *
   * @param mss the largest payload this side accepts, in bytes; only its low 16 bits are written
   * @return this builder
   * @throws IllegalStateException if the options would exceed 40 bytes
   */
  public TcpBuilder mss(int mss) {
    reserve(4);
    options[optionsLength] = TcpOptions.KIND_MSS;
    options[optionsLength + 1] = 4;
    Bytes.put16(options, optionsLength + 2, mss);
    optionsLength += 4;
    return this;
  }

  /**
   * Adds a 3-byte Window Scale option (RFC 7323 §2.2). The value is written as given; RFC 7323
   * §2.3 caps a meaningful shift at 14.
   *
   * @param shift the shift count; only its low 8 bits are written
   * @return this builder
   * @throws IllegalStateException if the options would exceed 40 bytes
   */
  public TcpBuilder windowScale(int shift) {
    reserve(3);
    options[optionsLength] = TcpOptions.KIND_WINDOW_SCALE;
    options[optionsLength + 1] = 3;
    options[optionsLength + 2] = (byte) shift;
    optionsLength += 3;
    return this;
  }

  /**
   * Adds a 2-byte SACK-Permitted option (RFC 2018 §2), sent only on a SYN.
   *
   * @return this builder
   * @throws IllegalStateException if the options would exceed 40 bytes
   */
  public TcpBuilder sackPermitted() {
    reserve(2);
    options[optionsLength] = TcpOptions.KIND_SACK_PERMITTED;
    options[optionsLength + 1] = 2;
    optionsLength += 2;
    return this;
  }

  /**
   * Adds a 10-byte Timestamps option (RFC 7323 §3.2).
   *
   * @param tsVal TSval, this side's timestamp clock, an unsigned 32-bit value
   * @param tsEcr TSecr, the timestamp echoed back, meaningful when ACK is set
   * @return this builder
   * @throws IllegalStateException if the options would exceed 40 bytes
   */
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
   * {@code edges[2i + 1]} (right) (RFC 2018 §3). The option takes 2 + 8 * count bytes.
   *
   * @param count the number of blocks, 1 to {@value TcpOptions#MAX_SACK_BLOCKS}
   * @param edges the block edges, sequence numbers; at least {@code 2 * count} entries
   * @return this builder
   * @throws IllegalArgumentException if {@code count} is out of range
   * @throws IllegalStateException if the options would exceed 40 bytes
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

  /**
   * Any option, copied as given: kind, length and data. Nothing is checked, which lets tests write
   * malformed options.
   *
   * @param src the bytes to copy
   * @param off where the option starts in {@code src}
   * @param len how many bytes to copy
   * @return this builder
   * @throws IllegalStateException if the options would exceed 40 bytes
   */
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

  /**
   * The length of the header {@link #write} will write: 20 bytes plus the options padded to a
   * multiple of four.
   *
   * @return the header length in bytes, 20 to 60
   */
  public int headerLength() {
    return TcpSegment.MIN_HEADER_LENGTH + ((optionsLength + 3) & ~3);
  }

  /**
   * Writes the header at {@code off}, whose payload of {@code payloadLength} bytes must already sit
   * at {@code off + headerLength()}, and fills in the checksum (RFC 9293 §3.1). The data offset
   * comes
   * from the options added; all fields are written in network byte order.
   *
   * @param buf the buffer to write into
   * @param off where the TCP header goes
   * @param payloadLength the payload's length in bytes
   * @param pseudoHeaderSum the unfinished pseudo-header sum for {@code headerLength() +
   *     payloadLength}
   * @return the header length in bytes, as {@link #headerLength()}
   * @throws IndexOutOfBoundsException if header and payload do not fit in {@code buf}
   */
  public int write(byte[] buf, int off, int payloadLength, int pseudoHeaderSum) {
    return write(buf, off, payloadLength, pseudoHeaderSum, false);
  }

  /**
   * As {@link #write(byte[], int, int, int)}, or, if {@code checksumToDevice}, leaving the checksum
   * field holding the pseudo-header's sum for a device that completes it over the segment
   * (CHECKSUM_PARTIAL, as Linux's {@code tcp_v4_send_check} leaves it): the segment is then not
   * summed here at all.
   *
   * @param buf the buffer to write into
   * @param off where the TCP header goes
   * @param payloadLength the payload's length in bytes
   * @param pseudoHeaderSum the unfinished pseudo-header sum for {@code headerLength() +
   *     payloadLength}
   * @param checksumToDevice whether the device completes the checksum
   * @return the header length in bytes, as {@link #headerLength()}
   * @throws IndexOutOfBoundsException if header and payload do not fit in {@code buf}
   */
  public int write(byte[] buf, int off, int payloadLength, int pseudoHeaderSum, boolean checksumToDevice) {
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
    if (checksumToDevice) {
      Bytes.put16(buf, off + 16, Checksum.add(pseudoHeaderSum, 0));
      return hl;
    }
    int sum = Checksum.add(pseudoHeaderSum, Checksum.sum(buf, off, hl + payloadLength));
    Bytes.put16(buf, off + 16, Checksum.finish(sum));
    return hl;
  }
}
