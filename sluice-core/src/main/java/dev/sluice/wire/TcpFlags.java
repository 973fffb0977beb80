package dev.sluice.wire;

/**
 * TCP control bits (RFC 9293 §3.1, RFC 3168 §6.1), as they sit in the byte at offset 13 of the
 * header. Constants and a stateless method; thread-safe.
 */
public final class TcpFlags {
  /** FIN: the sender has no more data (RFC 9293 §3.1). */
  public static final int FIN = 0x01;
  /** SYN: synchronize sequence numbers (RFC 9293 §3.1). */
  public static final int SYN = 0x02;
  /** RST: reset the connection (RFC 9293 §3.1). */
  public static final int RST = 0x04;
  /** PSH: push function (RFC 9293 §3.1). */
  public static final int PSH = 0x08;
  /** ACK: the Acknowledgment Number field is significant (RFC 9293 §3.1). */
  public static final int ACK = 0x10;
  /** URG: the Urgent Pointer field is significant (RFC 9293 §3.1). */
  public static final int URG = 0x20;
  /** ECE: ECN-Echo (RFC 3168 §6.1). */
  public static final int ECE = 0x40;
  /** CWR: Congestion Window Reduced (RFC 3168 §6.1). */
  public static final int CWR = 0x80;

  private TcpFlags() {}

  /**
   * tcpdump's notation: {@code S}, {@code F}, {@code R}, {@code P}, {@code U}, {@code E},
   * {@code W}, and {@code .} for ACK.
   *
   * @param flags an OR of the constants; bits above the low 8 are ignored
   * @return the letters in that order, such as {@code S.} for a SYN-ACK, or {@code none}
   */
  public static String toString(int flags) {
    StringBuilder s = new StringBuilder(8);
    if ((flags & SYN) != 0) s.append('S');
    if ((flags & FIN) != 0) s.append('F');
    if ((flags & RST) != 0) s.append('R');
    if ((flags & PSH) != 0) s.append('P');
    if ((flags & URG) != 0) s.append('U');
    if ((flags & ECE) != 0) s.append('E');
    if ((flags & CWR) != 0) s.append('W');
    if ((flags & ACK) != 0) s.append('.');
    return s.isEmpty() ? "none" : s.toString();
  }
}
