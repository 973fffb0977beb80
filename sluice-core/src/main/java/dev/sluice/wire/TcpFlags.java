package dev.sluice.wire;

/** TCP control bits (RFC 9293 §3.1, RFC 3168 §6.1), as they sit in the low byte of offset 13. */
public final class TcpFlags {
  public static final int FIN = 0x01;
  public static final int SYN = 0x02;
  public static final int RST = 0x04;
  public static final int PSH = 0x08;
  public static final int ACK = 0x10;
  public static final int URG = 0x20;
  public static final int ECE = 0x40;
  public static final int CWR = 0x80;

  private TcpFlags() {}

  /** tcpdump's notation: {@code S}, {@code F}, {@code R}, {@code P}, {@code U}, {@code E}, {@code W}, and {@code .} for ACK. */
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
