package dev.sluice.wire;

/**
 * A zero-copy view of a TCP segment (RFC 9293 §3.1). {@link #wrap} validates the header, checksum
 * and options; afterwards every getter reads the buffer directly and nothing is allocated.
 *
 * <p>The segment's length comes from the IP layer (hostile input 16): pass the IP payload length,
 * never the frame length.
 *
 * <p>Not thread-safe: a view is a scratch object that one thread reuses segment after segment. The
 * getters mean something only after {@link #wrap} returned {@code null}; multi-byte fields are
 * read in network byte order.
 */
public final class TcpSegment {
  /** Length in bytes of a header without options (Data Offset 5, RFC 9293 §3.1). */
  public static final int MIN_HEADER_LENGTH = 20;
  /** Length in bytes of the longest header: Data Offset 15, 40 bytes of options (RFC 9293 §3.1). */
  public static final int MAX_HEADER_LENGTH = 60;

  private final TcpOptions options = new TcpOptions();
  private byte[] buf;
  private int off;
  private int length;
  private int headerLength;

  /** Creates a view that points at nothing until {@link #wrap} is called. */
  public TcpSegment() {}

  /**
   * Points this view at a segment of {@code length} bytes at {@code off} and validates it. The
   * checksum is checked first, so corrupted bytes never reach the option parser.
   *
   * @param buf the buffer holding the segment; it is kept, not copied
   * @param off where the TCP header starts in {@code buf}
   * @param length the segment's length in bytes, header and payload, as the IP layer states it
   * @param pseudoHeaderSum the unfinished pseudo-header sum from the IP layer
   * @return {@code null} if the segment is well-formed, otherwise why it must be dropped
   */
  public DropReason wrap(byte[] buf, int off, int length, int pseudoHeaderSum) {
    return wrap(buf, off, length, pseudoHeaderSum, false);
  }

  /**
   * As {@link #wrap(byte[], int, int, int)}, but skipping the checksum if {@code checksumKnownGood}:
   * for a segment whose device vouches for it (the local kernel's own TCP built it).
   *
   * @param buf the buffer holding the segment; it is kept, not copied
   * @param off where the TCP header starts in {@code buf}
   * @param length the segment's length in bytes, header and payload, as the IP layer states it
   * @param pseudoHeaderSum the unfinished pseudo-header sum from the IP layer
   * @param checksumKnownGood true to trust the checksum without summing the segment
   * @return {@code null} if the segment is well-formed, otherwise why it must be dropped
   */
  public DropReason wrap(byte[] buf, int off, int length, int pseudoHeaderSum, boolean checksumKnownGood) {
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
    if (!checksumKnownGood && Checksum.add(pseudoHeaderSum, Checksum.sum(buf, off, length)) != Checksum.VALID) {
      return DropReason.TCP_BAD_CHECKSUM;
    }
    if (sourcePort() == 0 || destinationPort() == 0) {
      return DropReason.TCP_BAD_PORT;
    }
    return options.parse(buf, off + MIN_HEADER_LENGTH, off + headerLength);
  }

  /**
   * The buffer given to the last {@link #wrap}.
   *
   * @return the wrapped buffer itself, not a copy
   */
  public byte[] buffer() {
    return buf;
  }

  /**
   * Where the segment starts in {@link #buffer()}.
   *
   * @return the offset of the TCP header's first byte
   */
  public int offset() {
    return off;
  }

  /**
   * Header plus payload, as given to {@link #wrap}.
   *
   * @return the segment length in bytes
   */
  public int length() {
    return length;
  }

  /**
   * The Source Port field (RFC 9293 §3.1).
   *
   * @return the port, 1 to 65,535 after a successful {@link #wrap}
   */
  public int sourcePort() {
    return Bytes.u16(buf, off);
  }

  /**
   * The Destination Port field (RFC 9293 §3.1).
   *
   * @return the port, 1 to 65,535 after a successful {@link #wrap}
   */
  public int destinationPort() {
    return Bytes.u16(buf, off + 2);
  }

  /**
   * SEG.SEQ, the Sequence Number field (RFC 9293 §3.1).
   *
   * @return an unsigned 32-bit value held in an {@code int}; compare it modulo 2^32
   */
  public int sequenceNumber() {
    return Bytes.i32(buf, off + 4);
  }

  /**
   * SEG.ACK, the Acknowledgment Number field (RFC 9293 §3.1).
   *
   * @return an unsigned 32-bit value held in an {@code int}, meaningful when {@link TcpFlags#ACK}
   *     is set
   */
  public int acknowledgmentNumber() {
    return Bytes.i32(buf, off + 8);
  }

  /**
   * The header length: the Data Offset field (RFC 9293 §3.1) times four.
   *
   * @return the header length in bytes, options included, 20 to 60
   */
  public int headerLength() {
    return headerLength;
  }

  /**
   * The eight control bits (RFC 9293 §3.1), see {@link TcpFlags}.
   *
   * @return the flags, 0 to 255
   */
  public int flags() {
    return Bytes.u8(buf, off + 13);
  }

  /**
   * The four reserved bits between data offset and flags (RFC 9293 §3.1); must be ignored.
   *
   * @return the reserved bits, 0 to 15
   */
  public int reservedBits() {
    return Bytes.u8(buf, off + 12) & 0x0F;
  }

  /**
   * True if every flag in {@code mask} is set.
   *
   * @param mask an OR of {@link TcpFlags} constants
   * @return {@code true} if all of them are set, whatever the other flags
   */
  public boolean hasFlags(int mask) {
    return (flags() & mask) == mask;
  }

  /**
   * SEG.WND as sent, before window scaling (RFC 9293 §3.1, RFC 7323 §2.3).
   *
   * @return the Window field, 0 to 65,535
   */
  public int window() {
    return Bytes.u16(buf, off + 14);
  }

  /**
   * The Checksum field as received (RFC 9293 §3.1); {@link #wrap} has checked it.
   *
   * @return the checksum, 0 to 0xFFFF
   */
  public int checksum() {
    return Bytes.u16(buf, off + 16);
  }

  /**
   * The urgent pointer as sent. Sluice treats urgent data as normal data (RFC 6093 §6) and never
   * indexes a buffer with this value (hostile input 25).
   *
   * @return the Urgent Pointer field, 0 to 65,535
   */
  public int urgentPointer() {
    return Bytes.u16(buf, off + 18);
  }

  /**
   * The options {@link #wrap} parsed (RFC 9293 §3.2). The same object every time, refilled by each
   * {@link #wrap}.
   *
   * @return this view's options
   */
  public TcpOptions options() {
    return options;
  }

  /**
   * Where the options start in {@link #buffer()}: right after the 20-byte fixed header.
   *
   * @return the absolute offset of the options (of the payload when there are none)
   */
  public int optionsOffset() {
    return off + MIN_HEADER_LENGTH;
  }

  /**
   * The length of the options, padding included.
   *
   * @return the options length in bytes, 0 to 40
   */
  public int optionsLength() {
    return headerLength - MIN_HEADER_LENGTH;
  }

  /**
   * Where the payload starts in {@link #buffer()}.
   *
   * @return the absolute offset of the first data byte
   */
  public int payloadOffset() {
    return off + headerLength;
  }

  /**
   * The payload length: the segment length minus the header length.
   *
   * @return the payload length in bytes, 0 or more
   */
  public int payloadLength() {
    return length - headerLength;
  }

  /**
   * SEG.LEN (RFC 9293 §3.3.1): the payload plus one for SYN and one for FIN, each of which
   * occupies a sequence number.
   *
   * @return the sequence space this segment occupies
   */
  public int sequenceLength() {
    int flags = flags();
    return payloadLength() + ((flags & TcpFlags.SYN) != 0 ? 1 : 0) + ((flags & TcpFlags.FIN) != 0 ? 1 : 0);
  }
}
