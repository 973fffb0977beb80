package dev.sluice.cli.drill;

import dev.sluice.wire.IpAddresses;

/**
 * The script's connection as the wire sees it: addresses, ports, and what the runner learns from
 * the stack, as packetdrill does. Scripts write the stack's sequence numbers relative to its
 * initial sequence number (learned from its SYN or SYN-ACK) and its TSval relative to the first
 * one it sends; injected TSecr values are mapped back through the same offset. The script's own
 * side (the remote peer) uses {@link #REMOTE_ISN}, so its numbers are written as they go out.
 *
 * <p>Test traffic stays in the benchmarking ranges: 198.18.0.0/15 and 2001:2::/48.
 */
final class Flow {
  static final long REMOTE_ISN = 0;
  /** Where a listening script socket is bound, and where an active open connects to (packetdrill's default). */
  static final int SCRIPT_PORT = 8080;
  /** The script peer's port when the stack listens. */
  static final int REMOTE_PORT = 40_000;

  static final String LOCAL_V4 = "198.18.0.2";
  static final String REMOTE_V4 = "198.18.0.1";
  static final String LOCAL_V6 = "2001:2::2";
  static final String REMOTE_V6 = "2001:2::1";

  final boolean ipv6;
  final long localHigh;
  final long localLow;
  final long remoteHigh;
  final long remoteLow;
  int localPort = SCRIPT_PORT;
  int remotePort = REMOTE_PORT;

  private long localIsn = -1;
  private long tsOffset;
  private boolean tsLearned;

  Flow(boolean ipv6) {
    this.ipv6 = ipv6;
    if (ipv6) {
      long[] l = IpAddresses.parseIpv6(LOCAL_V6);
      long[] r = IpAddresses.parseIpv6(REMOTE_V6);
      localHigh = l[0];
      localLow = l[1];
      remoteHigh = r[0];
      remoteLow = r[1];
    } else {
      localHigh = 0;
      localLow = Integer.toUnsignedLong(IpAddresses.parseIpv4(LOCAL_V4));
      remoteHigh = 0;
      remoteLow = Integer.toUnsignedLong(IpAddresses.parseIpv4(REMOTE_V4));
    }
  }

  String localAddress() {
    return ipv6 ? LOCAL_V6 : LOCAL_V4;
  }

  String remoteAddress() {
    return ipv6 ? REMOTE_V6 : REMOTE_V4;
  }

  /** The stack opened actively: the script now plays the server at {@link #SCRIPT_PORT}. */
  void activeOpen() {
    remotePort = SCRIPT_PORT;
    localPort = -1; // learned from the SYN
    localIsn = -1;
    tsLearned = false;
  }

  boolean knowsLocalPort() {
    return localPort >= 0;
  }

  /** Learns the stack's ISN from a SYN it sent; a later SYN (a new connection) relearns it. */
  void learnIsn(long seq) {
    localIsn = seq;
  }

  boolean knowsIsn() {
    return localIsn >= 0;
  }

  /** A stack sequence number as the script writes it. */
  long relativeLocal(long seq) {
    return (seq - (localIsn < 0 ? 0 : localIsn)) & 0xFFFF_FFFFL;
  }

  /** A script number for the stack's sequence space as it goes on the wire. */
  int absoluteLocal(long relative) {
    return (int) (relative + (localIsn < 0 ? 0 : localIsn));
  }

  long relativeRemote(long seq) {
    return (seq - REMOTE_ISN) & 0xFFFF_FFFFL;
  }

  int absoluteRemote(long relative) {
    return (int) (relative + REMOTE_ISN);
  }

  /** Learns the offset between the stack's TSval and the script's, from the first one seen. */
  void learnTsVal(long actual, long script) {
    if (!tsLearned) {
      tsOffset = actual - script;
      tsLearned = true;
    }
  }

  boolean knowsTs() {
    return tsLearned;
  }

  long scriptTsVal(long actual) {
    return (actual - tsOffset) & 0xFFFF_FFFFL;
  }

  /** An injected TSecr: it echoes a value the script wrote in the stack's TSval terms. */
  int liveTsEcr(long script) {
    return (int) (tsLearned && script != 0 ? script + tsOffset : script);
  }
}
