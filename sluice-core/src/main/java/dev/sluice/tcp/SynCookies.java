package dev.sluice.tcp;

/**
 * SYN cookies (RFC 4987 §3.6; hostile input 10). A listener at its cap answers a SYN with a
 * SYN-ACK whose initial sequence number encodes what it would otherwise have kept, and keeps
 * nothing; the ACK completing the handshake brings the number back, and the connection is made
 * from it. A spoofed flood then costs no memory, and a real client still connects.
 *
 * <p>The ISS is {@code [counter: 5 bits][MSS index: 3 bits][MAC: 24 bits]}. The counter is the
 * time in 64-second periods; a cookie is accepted in its own period and the next, so it lives 64
 * to 128 seconds. The MAC is keyed SipHash over the connection's addresses and ports, the
 * client's ISN, the counter and the MSS index, so a cookie cannot be forged without the key (a
 * blind guess succeeds with probability 2^-24 per ACK, as with Linux's cookies).
 *
 * <p>Nothing else is kept, so options that need state are not offered on a cookie SYN-ACK:
 * window scaling, SACK and timestamps (Linux encodes them in the TSval; Sluice does not). A
 * connection made from a cookie goes without them, which only costs speed, and only under a
 * flood. The MSS the client offered is rounded down to one of eight common values.
 *
 * <p>Immutable and thread-safe; the clock comes in as an argument.
 */
public final class SynCookies {
  private static final long PERIOD_NANOS = 64_000_000_000L;
  /** MSS values a cookie can carry: common ones for IPv4 and IPv6 paths, the smallest first. */
  private static final int[] MSS_TABLE = {536, 1200, 1220, 1360, 1400, 1440, 1452, 1460};

  private final long key0;
  private final long key1;

  public SynCookies(long key0, long key1) {
    this.key0 = key0;
    this.key1 = key1;
  }

  /** The ISS to send in a cookie SYN-ACK to a SYN with sequence number {@code irs} and MSS option {@code peerMss}. */
  public int iss(TcpEndpoints e, int irs, int peerMss, long nowNanos) {
    int mssIndex = 0;
    for (int i = MSS_TABLE.length - 1; i >= 0; i--) {
      if (MSS_TABLE[i] <= peerMss) {
        mssIndex = i;
        break;
      }
    }
    int counter = counter(nowNanos);
    return (counter & 0x1F) << 27 | mssIndex << 24 | mac(e, irs, counter & 0x1F, mssIndex);
  }

  /**
   * The MSS a cookie in an ACK carries, or -1 if the ACK does not return a valid cookie: {@code
   * seq} and {@code ack} are the ACK's sequence and acknowledgment numbers, so the client's ISN is
   * {@code seq - 1} and ours {@code ack - 1}.
   */
  public int mss(TcpEndpoints e, int seq, int ack, long nowNanos) {
    int iss = ack - 1;
    int cookieCounter = iss >>> 27;
    int mssIndex = iss >>> 24 & 0x7;
    int now = counter(nowNanos) & 0x1F;
    int age = (now - cookieCounter) & 0x1F;
    if (age > 1) {
      return -1; // older than two periods (or from the future)
    }
    if ((iss & 0xFF_FFFF) != mac(e, seq - 1, cookieCounter, mssIndex)) {
      return -1;
    }
    return MSS_TABLE[mssIndex];
  }

  private static int counter(long nowNanos) {
    return (int) Math.floorDiv(nowNanos, PERIOD_NANOS);
  }

  private int mac(TcpEndpoints e, int irs, int counter, int mssIndex) {
    long ports = (long) e.localPort() << 16 | e.remotePort();
    long h = SipHash.hash5(key0, key1, e.localHigh() ^ Long.rotateLeft(e.remoteHigh(), 1), e.localLow(),
        e.remoteLow(), ports << 32 | Integer.toUnsignedLong(irs), (long) counter << 8 | mssIndex);
    return (int) (h & 0xFF_FFFF);
  }
}
