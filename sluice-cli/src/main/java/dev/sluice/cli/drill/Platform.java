package dev.sluice.cli.drill;

import dev.sluice.tcp.CongestionAlgorithm;
import dev.sluice.tcp.TcpConfig;
import java.util.List;

/**
 * The system a script was written for ({@code --profile}). A script written for FreeBSD or Linux
 * expects that system's defaults: its receive buffer, the window scale it offers, its delayed-ACK
 * timer. The profile sets them on the virtual host before the script's own sysctls run, so that
 * option values such as {@code wscale} compare as written. Without {@code --profile} the runner
 * infers it from the script's sysctls ({@code net.inet.*}: FreeBSD, {@code net.ipv4.*} or
 * packetdrill's {@code defaults.sh}: Linux); a script with neither runs on Sluice's own defaults.
 */
enum Platform {
  /** Sluice's own defaults: what the repository's suite states. */
  SLUICE,
  /**
   * FreeBSD 13/14: {@code net.inet.tcp.recvspace} 65,536 and {@code sendspace} 32,768; the offered
   * shift comes from {@code kern.ipc.maxsockbuf} (2 MB: 6), not the buffer; delayed ACK 100 ms
   * ({@code delacktime}); the RTO floor is {@code rexmit_slop}'s 200 ms.
   */
  FREEBSD,
  /**
   * Linux 6.x: {@code tcp_rmem} 4096 131072 6291456 (offered shift 7, from the maximum), {@code
   * tcp_wmem} default 16,384, 6 SYN retries, socket buffer sizes doubled by {@code setsockopt}.
   * packetdrill's {@code defaults.sh} then raises tcp_rmem to 540,000 with a 15 MB maximum (shift 8).
   */
  LINUX;

  /** Sets this system's defaults on {@code b}, the TCP settings every new socket starts from. */
  void applyDefaults(TcpConfig.Builder b) {
    switch (this) {
      case SLUICE -> { }
      case FREEBSD -> {
        b.receiveBufferBytes = 65_536;
        b.sendBufferBytes = 32_768;
        b.windowScaleShift = SystemSettings.freeBsdShift(2_097_152);
        b.delayedAckNanos = 100_000_000L;
        b.rackTlp = false; // the default "freebsd" stack: RFC 6675 recovery; RACK is the optional rack stack
      }
      case LINUX -> {
        b.receiveBufferBytes = 131_072;
        b.sendBufferBytes = 16_384;
        b.windowScaleShift = SystemSettings.linuxShift(6_291_456);
        b.maxSynRetransmits = 6;
        b.congestion = CongestionAlgorithm.CUBIC;
        b.quickAck = true; // Linux ACKs at once in quick-ACK mode (tcp_incr_quickack)
      }
    }
  }

  /** What {@code setsockopt(SO_RCVBUF/SO_SNDBUF, n)} gives the socket: Linux doubles it. */
  int socketBufferBytes(int requested) {
    return this == LINUX ? 2 * requested : requested;
  }

  /** The profile a script's sysctls point to, or {@link #SLUICE} if they point nowhere. */
  static Platform infer(List<ShellCommand.Sysctl> sysctls, boolean sourcesLinuxDefaults) {
    if (sourcesLinuxDefaults) {
      return LINUX;
    }
    for (ShellCommand.Sysctl s : sysctls) {
      if (s.name().startsWith("net.inet.") || s.name().startsWith("kern.ipc.")) {
        return FREEBSD;
      }
      if (s.name().startsWith("net.ipv4.") || s.name().startsWith("net.core.")) {
        return LINUX;
      }
    }
    return SLUICE;
  }

  /** {@code freebsd}, {@code linux} or {@code sluice}; null for anything else. */
  static Platform named(String name) {
    for (Platform p : values()) {
      if (p.name().equalsIgnoreCase(name)) {
        return p;
      }
    }
    return null;
  }
}
