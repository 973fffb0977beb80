package dev.sluice.wire;

/**
 * The options of one TCP segment, parsed into fields (RFC 9293 §3.1 and §3.7.1, RFC 7323 §2 and
 * §3, RFC 2018 §2 and §3). Reused from segment to segment without allocating.
 *
 * <p>Parsing is strict, because a malformed option list says nothing reliable about the segment:
 * <ul>
 *   <li>a length of 0 or 1 stops parsing and drops the segment (hostile input 13: a zero length
 *       would loop forever, RFC 9293 §3.1);
 *   <li>an option that runs past the data offset drops it (hostile input 14);
 *   <li>a known kind with the wrong length (MSS ≠ 4, window scale ≠ 3, SACK-permitted ≠ 2,
 *       timestamps ≠ 10, SACK not 2 + 8n with 1 ≤ n ≤ 4) drops it (CVE-2020-24341);
 *   <li>unknown kinds are skipped by their length.
 * </ul>
 * The order in which options appeared is kept in {@link #layoutKind}, so a segment can be rebuilt
 * byte for byte.
 *
 * <p>Not thread-safe: it belongs to one {@link TcpSegment} and is refilled by each
 * {@link TcpSegment#wrap}. The getters describe the last segment wrapped.
 */
public final class TcpOptions {
  /** Option kind 0, End of Option List: one byte, nothing after it is parsed (RFC 9293 §3.2). */
  public static final int KIND_END = 0;
  /** Option kind 1, No-Operation: one byte of padding between options (RFC 9293 §3.2). */
  public static final int KIND_NOP = 1;
  /** Option kind 2, Maximum Segment Size: 4 bytes (RFC 9293 §3.2, §3.7.1). */
  public static final int KIND_MSS = 2;
  /** Option kind 3, Window Scale: 3 bytes (RFC 7323 §2.2). */
  public static final int KIND_WINDOW_SCALE = 3;
  /** Option kind 4, SACK-Permitted: 2 bytes (RFC 2018 §2). */
  public static final int KIND_SACK_PERMITTED = 4;
  /** Option kind 5, SACK: 2 + 8n bytes for n blocks (RFC 2018 §3). */
  public static final int KIND_SACK = 5;
  /** Option kind 8, Timestamps: 10 bytes (RFC 7323 §3.2). */
  public static final int KIND_TIMESTAMPS = 8;

  /** The most SACK blocks that fit in 40 bytes of options (RFC 2018 §3). */
  public static final int MAX_SACK_BLOCKS = 4;
  /** RFC 7323 §2.3: a shift above 14 is treated as 14. */
  public static final int MAX_WINDOW_SCALE = 14;
  private static final int MAX_OPTIONS_BYTES = 40;

  private int mss = -1;
  private int windowScale = -1;
  private boolean sackPermitted;
  private boolean timestamps;
  private int tsVal;
  private int tsEcr;
  private int sackBlockCount;
  private final int[] sackLeft = new int[MAX_SACK_BLOCKS];
  private final int[] sackRight = new int[MAX_SACK_BLOCKS];
  private final byte[] layoutKinds = new byte[MAX_OPTIONS_BYTES];
  private final byte[] layoutOffsets = new byte[MAX_OPTIONS_BYTES];
  private int layoutCount;

  /** Creates an empty option set: no option present. */
  public TcpOptions() {}

  void clear() {
    mss = -1;
    windowScale = -1;
    sackPermitted = false;
    timestamps = false;
    tsVal = 0;
    tsEcr = 0;
    sackBlockCount = 0;
    layoutCount = 0;
  }

  /**
   * Parses the options in {@code [start, end)}.
   *
   * @return {@code null} if they are well-formed, otherwise why the segment must be dropped
   */
  DropReason parse(byte[] buf, int start, int end) {
    clear();
    int i = start;
    while (i < end) {
      int kind = Bytes.u8(buf, i);
      record(kind, i - start);
      if (kind == KIND_END) {
        return null;
      }
      if (kind == KIND_NOP) {
        i++;
        continue;
      }
      if (i + 1 >= end) {
        return DropReason.TCP_OPTION_PAST_HEADER;
      }
      int length = Bytes.u8(buf, i + 1);
      if (length < 2) {
        return DropReason.TCP_BAD_OPTION_LENGTH;
      }
      if (length > end - i) {
        return DropReason.TCP_OPTION_PAST_HEADER;
      }
      switch (kind) {
        case KIND_MSS -> {
          if (length != 4) return DropReason.TCP_BAD_OPTION_LENGTH;
          mss = Bytes.u16(buf, i + 2);
        }
        case KIND_WINDOW_SCALE -> {
          if (length != 3) return DropReason.TCP_BAD_OPTION_LENGTH;
          windowScale = Bytes.u8(buf, i + 2);
        }
        case KIND_SACK_PERMITTED -> {
          if (length != 2) return DropReason.TCP_BAD_OPTION_LENGTH;
          sackPermitted = true;
        }
        case KIND_TIMESTAMPS -> {
          if (length != 10) return DropReason.TCP_BAD_OPTION_LENGTH;
          timestamps = true;
          tsVal = Bytes.i32(buf, i + 2);
          tsEcr = Bytes.i32(buf, i + 6);
        }
        case KIND_SACK -> {
          int blocks = (length - 2) / 8;
          if ((length - 2) % 8 != 0 || blocks < 1 || blocks > MAX_SACK_BLOCKS) {
            return DropReason.TCP_BAD_OPTION_LENGTH;
          }
          for (int b = 0; b < blocks; b++) {
            sackLeft[b] = Bytes.i32(buf, i + 2 + 8 * b);
            sackRight[b] = Bytes.i32(buf, i + 6 + 8 * b);
          }
          sackBlockCount = blocks;
        }
        default -> {
          // Unknown: skipped by its length (RFC 9293 §3.1, MUST-68).
        }
      }
      i += length;
    }
    return null;
  }

  private void record(int kind, int offset) {
    layoutKinds[layoutCount] = (byte) kind;
    layoutOffsets[layoutCount] = (byte) offset;
    layoutCount++;
  }

  /**
   * The MSS option's value (RFC 9293 §3.7.1), or -1 if absent.
   *
   * @return the peer's maximum segment size in bytes, 0 to 65,535, or -1
   */
  public int mss() {
    return mss;
  }

  /**
   * The window-scale shift as sent (possibly above 14), or -1 if absent.
   *
   * @return the shift count, 0 to 255, or -1
   */
  public int windowScale() {
    return windowScale;
  }

  /**
   * The shift to apply, clamped to 14 (RFC 7323 §2.3, hostile input 30); 0 if absent.
   *
   * @return the shift count, 0 to {@value #MAX_WINDOW_SCALE}
   */
  public int effectiveWindowScale() {
    return windowScale < 0 ? 0 : Math.min(windowScale, MAX_WINDOW_SCALE);
  }

  /**
   * True if a Window Scale option (RFC 7323 §2.2) was present.
   *
   * @return {@code true} if {@link #windowScale()} is not -1
   */
  public boolean hasWindowScale() {
    return windowScale >= 0;
  }

  /**
   * True if a SACK-Permitted option (RFC 2018 §2) was present.
   *
   * @return {@code true} if the sender accepts SACK
   */
  public boolean sackPermitted() {
    return sackPermitted;
  }

  /**
   * True if a Timestamps option (RFC 7323 §3.2) was present.
   *
   * @return {@code true} if {@link #tsVal()} and {@link #tsEcr()} hold its values
   */
  public boolean hasTimestamps() {
    return timestamps;
  }

  /**
   * TSval of the Timestamps option (RFC 7323 §3.2): the sender's timestamp clock.
   *
   * @return an unsigned 32-bit value held in an {@code int}; 0 if absent
   */
  public int tsVal() {
    return tsVal;
  }

  /**
   * TSecr of the Timestamps option (RFC 7323 §3.2): the timestamp echoed back.
   *
   * @return an unsigned 32-bit value held in an {@code int}; 0 if absent
   */
  public int tsEcr() {
    return tsEcr;
  }

  /**
   * How many blocks the SACK option (RFC 2018 §3) held.
   *
   * @return 0 to {@value #MAX_SACK_BLOCKS}; 0 if there was no SACK option
   */
  public int sackBlockCount() {
    return sackBlockCount;
  }

  /**
   * The left edge of a SACK block: the first sequence number it covers (RFC 2018 §3).
   *
   * @param block the block's index, 0 to {@link #sackBlockCount()} - 1
   * @return an unsigned 32-bit sequence number held in an {@code int}
   * @throws ArrayIndexOutOfBoundsException if {@code block} is negative or not below
   *     {@value #MAX_SACK_BLOCKS}; an index at or past the count returns a stale value
   */
  public int sackLeft(int block) {
    return sackLeft[block];
  }

  /**
   * The right edge of a SACK block: the sequence number just past it (RFC 2018 §3).
   *
   * @param block the block's index, 0 to {@link #sackBlockCount()} - 1
   * @return an unsigned 32-bit sequence number held in an {@code int}
   * @throws ArrayIndexOutOfBoundsException if {@code block} is negative or not below
   *     {@value #MAX_SACK_BLOCKS}; an index at or past the count returns a stale value
   */
  public int sackRight(int block) {
    return sackRight[block];
  }

  /**
   * How many options (NOP and End included) appeared.
   *
   * @return the number of options parsed, 0 to 40
   */
  public int layoutCount() {
    return layoutCount;
  }

  /**
   * The kind of the {@code index}-th option in order of appearance.
   *
   * @param index 0 to {@link #layoutCount()} - 1
   * @return the option kind, 0 to 255
   */
  public int layoutKind(int index) {
    return layoutKinds[index] & 0xFF;
  }

  /**
   * Where the {@code index}-th option starts, relative to the first option byte.
   *
   * @param index 0 to {@link #layoutCount()} - 1
   * @return the offset in bytes, 0 to 39
   */
  public int layoutOffset(int index) {
    return layoutOffsets[index] & 0xFF;
  }
}
