package dev.sluice.wire;

/**
 * A zero-copy view of a TCP segment (RFC 9293 §3.1). {@link #wrap} validates the header, checksum
 * and options; afterwards every getter reads the buffer directly and nothing is allocated.
 *
 * <p>The segment's length comes from the IP layer (hostile input 16): pass the IP payload length,
 * never the frame length.
 */
public final class TcpSegment {
  public static final int MIN_HEADER_LENGTH = 20;
  public static final int MAX_HEADER_LENGTH = 60;

  private final TcpOptions options = new TcpOptions();
  private byte[] buf;
  private int off;
  private int length;
  private int headerLength;

  /**
   * Points this view at a segment of {@code length} bytes at {@code off} and validates it. The
   * checksum is checked first, so corrupted bytes never reach the option parser.
   *
   * @param pseudoHeaderSum the unfinished pseudo-header sum from the IP layer
   * @return {@code null} if the segment is well-formed, otherwise why it must be dropped
   */
  public DropReason wrap(byte[] buf, int off, int length, int pseudoHeaderSum) {
    this.buf = buf;
    this.off = off;
    this.length = length;
    options.clear();
    if (length < MIN_HEADER_LENGTH || !Bytes.inBounds(buf, off, length)) {
      return DropReason.TCP_TRUNCATED;
    }
    headerLength = (Bytes.u8(buf, off + 12) >>> 4) * 4;
    if (headerLength < MIN_HEADER_LENGTH || headerLength > length) {
      return DropReason.TCP_BAD_DATA_OFFSET;
    }
    if (Checksum.add(pseudoHeaderSum, Checksum.sum(buf, off, length)) != Checksum.VALID) {
      return DropReason.TCP_BAD_CHECKSUM;
    }
    if (sourcePort() == 0 || destinationPort() == 0) {
      return DropReason.TCP_BAD_PORT;
    }
    return options.parse(buf, off + MIN_HEADER_LENGTH, off + headerLength);
  }

  public byte[] buffer() {
    return buf;
  }

  public int offset() {
    return off;
  }

  /** Header plus payload. */
  public int length() {
    return length;
  }

  public int sourcePort() {
    return Bytes.u16(buf, off);
  }

  public int destinationPort() {
    return Bytes.u16(buf, off + 2);
  }

  /** SEG.SEQ, an unsigned 32-bit value held in an {@code int}; compare it modulo 2^32. */
  public int sequenceNumber() {
    return Bytes.i32(buf, off + 4);
  }

  /** SEG.ACK, meaningful when {@link TcpFlags#ACK} is set. */
  public int acknowledgmentNumber() {
    return Bytes.i32(buf, off + 8);
  }

  public int headerLength() {
    return headerLength;
  }

  /** The eight control bits, see {@link TcpFlags}. */
  public int flags() {
    return Bytes.u8(buf, off + 13);
  }

  /** The four reserved bits between data offset and flags (RFC 9293 §3.1); must be ignored. */
  public int reservedBits() {
    return Bytes.u8(buf, off + 12) & 0x0F;
  }

  public boolean hasFlags(int mask) {
    return (flags() & mask) == mask;
  }

  /** SEG.WND as sent, before window scaling. */
  public int window() {
    return Bytes.u16(buf, off + 14);
  }

  public int checksum() {
    return Bytes.u16(buf, off + 16);
  }

  /**
   * The urgent pointer as sent. Sluice treats urgent data as normal data (RFC 6093 §6) and never
   * indexes a buffer with this value (hostile input 25).
   */
  public int urgentPointer() {
    return Bytes.u16(buf, off + 18);
  }

  public TcpOptions options() {
    return options;
  }

  public int optionsOffset() {
    return off + MIN_HEADER_LENGTH;
  }

  public int optionsLength() {
    return headerLength - MIN_HEADER_LENGTH;
  }

  public int payloadOffset() {
    return off + headerLength;
  }

  public int payloadLength() {
    return length - headerLength;
  }

  /**
   * SEG.LEN (RFC 9293 §3.3.1): the payload plus one for SYN and one for FIN, each of which
   * occupies a sequence number.
   */
  public int sequenceLength() {
    int flags = flags();
    return payloadLength() + ((flags & TcpFlags.SYN) != 0 ? 1 : 0) + ((flags & TcpFlags.FIN) != 0 ? 1 : 0);
  }
}
