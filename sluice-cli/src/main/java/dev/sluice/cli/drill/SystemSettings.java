package dev.sluice.cli.drill;

import dev.sluice.tcp.CongestionAlgorithm;
import dev.sluice.tcp.TcpConfig;

/**
 * The virtual host's system-wide TCP settings: the {@link TcpConfig} every new socket starts
 * from, set by the {@link Platform} profile and then by the script's sysctls. Each sysctl that
 * changes TCP behaviour is mapped onto the Sluice setting that does the same, where there is
 * one; the others are reported, and a strict run fails on those whose value asks for a behaviour
 * Sluice does not have. docs/conformance.md has the table.
 */
final class SystemSettings {
  /** How a sysctl assignment was taken. */
  enum Kind {
    /** Set on the host. */
    APPLIED,
    /** The value asks for what Sluice does anyway. */
    SAME,
    /** Nothing to do on a virtual host (a cache to flush, a knob for a mechanism Sluice lacks and the script does not reach). */
    NO_EFFECT,
    /** A behaviour Sluice has no setting for: reported, and fatal in strict mode. */
    DIFFERS,
    /** A feature Sluice lacks that the script turns on for itself: the script is skipped. */
    UNSUPPORTED_FEATURE
  }

  /** What one assignment did, with a one-line note for {@code --verbose} and failures. */
  record Verdict(Kind kind, String note) {}

  private static final long MS = 1_000_000L;

  private final Platform platform;
  private final TcpConfig.Builder tcp = TcpConfig.builder();

  SystemSettings(Platform platform, int mtu) {
    this.platform = platform;
    tcp.mtu = mtu;
    platform.applyDefaults(tcp);
  }

  Platform platform() {
    return platform;
  }

  /** The settings a socket created now starts from. */
  TcpConfig socketDefaults() {
    return tcp.build();
  }

  /** FreeBSD's offered shift: the smallest with 65,535 << shift ≥ kern.ipc.maxsockbuf (tcp_syncache.c). */
  static int freeBsdShift(long maxSocketBuffer) {
    int shift = 0;
    while (shift < 14 && (65_535L << shift) < maxSocketBuffer) {
      shift++;
    }
    return shift;
  }

  /** Linux's offered shift: halve the largest receive buffer until it fits 16 bits (tcp_select_initial_window). */
  static int linuxShift(long maxReceiveBuffer) {
    int shift = 0;
    long space = maxReceiveBuffer;
    while (space > 65_535 && shift < 14) {
      space >>= 1;
      shift++;
    }
    return shift;
  }

  /** Applies {@code name=value}. */
  Verdict apply(String name, String value) {
    String v = value.strip();
    try {
      return switch (name) {
        // ---------------------------------------------------------------- FreeBSD net.inet.tcp.*
        case "net.inet.tcp.rfc1323" -> {
          int on = intOf(v); // 0 none, 1 both, 2 window scaling only, 3 timestamps only
          tcp.windowScaling = on == 1 || on == 2;
          tcp.timestamps = on == 1 || on == 3;
          yield applied(name, v, "window scaling " + onOff(tcp.windowScaling) + ", timestamps " + onOff(tcp.timestamps));
        }
        case "net.inet.tcp.sack.enable", "net.ipv4.tcp_sack" -> {
          tcp.sack = intOf(v) != 0;
          yield applied(name, v, "SACK " + onOff(tcp.sack));
        }
        case "net.inet.tcp.recvspace" -> {
          tcp.receiveBufferBytes = intOf(v);
          yield applied(name, v, "receive buffer " + v);
        }
        case "net.inet.tcp.sendspace" -> {
          tcp.sendBufferBytes = intOf(v);
          yield applied(name, v, "send buffer " + v);
        }
        case "kern.ipc.maxsockbuf" -> {
          tcp.windowScaleShift = freeBsdShift(Long.parseLong(v));
          yield applied(name, v, "offered window scale " + tcp.windowScaleShift);
        }
        case "net.inet.tcp.delacktime" -> {
          tcp.delayedAckNanos = intOf(v) * MS;
          yield applied(name, v, "delayed ACK " + v + " ms");
        }
        case "net.inet.tcp.rexmit_initial" -> {
          tcp.initialRtoNanos = Math.max(intOf(v) * MS, tcp.minRtoNanos);
          yield applied(name, v, "initial RTO " + v + " ms");
        }
        case "net.inet.tcp.rexmit_slop", "net.inet.tcp.rexmit_min" -> {
          // FreeBSD adds rexmit_slop to every RTO, so with a short RTT it is the floor.
          tcp.minRtoNanos = Math.max(MS, Math.min(intOf(v) * MS, tcp.initialRtoNanos));
          yield applied(name, v, "minimum RTO " + tcp.minRtoNanos / MS + " ms");
        }
        case "net.inet.tcp.keepidle" -> keepAlive(name, v, () -> tcp.keepAliveIdleNanos = intOf(v) * MS);
        case "net.inet.tcp.keepintvl" -> keepAlive(name, v, () -> tcp.keepAliveIntervalNanos = intOf(v) * MS);
        case "net.inet.tcp.keepcnt" -> keepAlive(name, v, () -> tcp.keepAliveProbes = intOf(v));
        case "net.inet.tcp.hostcache.purgenow", "net.inet.tcp.hostcache.purge" ->
            noEffect(name, v, "Sluice keeps no host cache");
        case "net.inet.tcp.blackhole" -> same(name, v, 0, "closed ports answer with a RST");
        case "net.inet.tcp.insecure_rst" -> same(name, v, 0, "RSTs are checked as RFC 5961 §3 says");
        case "net.inet.tcp.insecure_syn" -> same(name, v, 0, "a SYN in a synchronized state draws a challenge ACK (RFC 5961 §4)");
        case "net.inet.tcp.drop_synfin" -> same(name, v, 0, "a SYN with FIN to a listener is taken as a SYN");
        case "net.inet.tcp.syncookies", "net.ipv4.tcp_syncookies" ->
            same(name, v, 1, "listeners at their cap answer with SYN cookies");
        case "net.inet.tcp.syncookies_only" -> same(name, v, 0, "cookies only when a listener is full");
        case "net.inet.tcp.rexmit_drop_options" -> same(name, v, 0, "a retransmitted SYN keeps its options");
        case "net.inet.tcp.path_mtu_discovery" -> same(name, v, 1, "path MTU discovery from ICMP (RFC 1191)");
        case "net.inet.tcp.pmtud_blackhole_detection" -> same(name, v, 0, "no PMTU black-hole detection");
        case "net.inet.tcp.pmtud_blackhole_mss", "net.inet.tcp.v6pmtud_blackhole_mss" ->
            noEffect(name, v, "only used by black-hole detection, which Sluice lacks");
        case "net.inet.tcp.mssdflt" -> same(name, v, 536, "the default MSS is 536 (RFC 9293 §3.7.1)");
        case "net.inet.tcp.v6mssdflt" -> same(name, v, 1220, "the IPv6 default MSS is 1220");
        case "net.inet.tcp.ecn.enable", "net.ipv4.tcp_ecn" -> same(name, v, 0, "Sluice has no ECN");
        case "net.inet.tcp.ecn.maxretries", "net.ipv4.tcp_ecn_option", "net.ipv4.tcp_ecn_fallback" ->
            noEffect(name, v, "Sluice has no ECN");
        case "net.inet.tcp.fastopen.client_enable", "net.inet.tcp.fastopen.server_enable", "net.ipv4.tcp_fastopen",
            "net.ipv4.tcp_fastopen_key" ->
            noEffect(name, v, "TCP Fast Open only matters to a socket that asks for it (unsupported there)");
        case "net.inet.tcp.udp_tunneling_port", "net.inet.tcp.udp_tunneling_overhead" -> intOf(v) == 0
            ? new Verdict(Kind.SAME, name + "=" + v + ": no UDP encapsulation")
            : new Verdict(Kind.UNSUPPORTED_FEATURE, "UDP_ENCAPSULATION");
        case "net.inet.tcp.icmp_may_rst" -> same(name, v, 1, "an ICMP unreachable may end a connection in SYN-SENT");
        // ---------------------------------------------------------------- Linux net.ipv4.tcp_*
        case "net.ipv4.tcp_timestamps" -> {
          tcp.timestamps = intOf(v) != 0;
          yield applied(name, v, "timestamps " + onOff(tcp.timestamps));
        }
        case "net.ipv4.tcp_window_scaling" -> {
          tcp.windowScaling = intOf(v) != 0;
          yield applied(name, v, "window scaling " + onOff(tcp.windowScaling));
        }
        case "net.ipv4.tcp_rmem" -> {
          long[] r = triple(v);
          tcp.receiveBufferBytes = (int) r[1];
          tcp.windowScaleShift = linuxShift(r[2]);
          yield applied(name, v, "receive buffer " + r[1] + ", offered window scale " + tcp.windowScaleShift);
        }
        case "net.ipv4.tcp_wmem" -> {
          tcp.sendBufferBytes = (int) triple(v)[1];
          yield applied(name, v, "send buffer " + tcp.sendBufferBytes);
        }
        case "net.ipv4.tcp_syn_retries", "net.ipv4.tcp_synack_retries" -> {
          tcp.maxSynRetransmits = intOf(v); // Sluice has one count for SYN and SYN-ACK
          yield applied(name, v, "SYN and SYN-ACK retransmissions " + v);
        }
        case "net.ipv4.tcp_congestion_control" -> switch (v) {
          case "cubic" -> {
            tcp.congestion = CongestionAlgorithm.CUBIC;
            yield applied(name, v, "CUBIC");
          }
          case "reno" -> {
            tcp.congestion = CongestionAlgorithm.NEW_RENO;
            yield applied(name, v, "NewReno");
          }
          default -> differs(name, v, "Sluice has CUBIC and NewReno");
        };
        case "net.ipv4.tcp_keepalive_time" -> keepAlive(name, v, () -> tcp.keepAliveIdleNanos = intOf(v) * 1_000 * MS);
        case "net.ipv4.tcp_keepalive_intvl" -> keepAlive(name, v, () -> tcp.keepAliveIntervalNanos = intOf(v) * 1_000 * MS);
        case "net.ipv4.tcp_keepalive_probes" -> keepAlive(name, v, () -> tcp.keepAliveProbes = intOf(v));
        case "net.ipv4.tcp_dsack" -> same(name, v, 1, "D-SACK (RFC 2883)");
        case "net.ipv4.tcp_fack" -> same(name, v, 0, "no FACK");
        case "net.ipv4.tcp_reordering" -> same(name, v, 3,
            "three duplicate ACKs start fast retransmit without RACK; with it, RACK's reordering window");
        case "net.ipv4.tcp_notsent_lowat" -> same(name, v, 4_294_967_295L, "no unsent-data low-water mark");
        case "net.ipv4.tcp_min_tso_segs", "net.ipv4.tcp_tso_win_divisor", "net.ipv4.tcp_pacing_ss_ratio",
            "net.ipv4.tcp_pacing_ca_ratio", "net.ipv4.tcp_autocorking", "net.ipv4.tcp_tso_rtt_log" ->
            noEffect(name, v, "Sluice has no TSO or pacing");
        case "net.ipv4.tcp_slow_start_after_idle" -> same(name, v, 0, "cwnd is kept across idle periods");
        case "net.ipv4.tcp_recovery" -> {
          // Linux's bit 0 is RACK loss detection (on by default); Sluice's TLP goes with it.
          tcp.rackTlp = (intOf(v) & 1) != 0;
          yield applied(name, v, "RACK-TLP (RFC 8985) " + onOff(tcp.rackTlp)
              + (tcp.rackTlp ? "" : ": loss is found by duplicate ACKs, SACK and the RTO"));
        }
        case "net.ipv4.tcp_early_retrans" -> same(name, v, 3, "tail loss probes (RFC 8985 §7), with RACK");
        case "net.ipv4.tcp_frto" -> same(name, v, 0, "no F-RTO (RFC 5682) recovery after a timeout");
        case "net.ipv4.tcp_rfc1337" -> same(name, v, 1, "TIME-WAIT ignores RSTs (RFC 1337)");
        default -> unknown(name, v);
      };
    } catch (NumberFormatException e) {
      return new Verdict(Kind.DIFFERS, name + "=" + v + ": cannot read the value");
    }
  }

  private interface Setter {
    void set();
  }

  private Verdict keepAlive(String name, String v, Setter setter) {
    setter.set();
    return applied(name, v, "keepalive timing");
  }

  private static Verdict applied(String name, String value, String what) {
    return new Verdict(Kind.APPLIED, name + "=" + value + ": " + what);
  }

  private static Verdict same(String name, String value, long sluice, String what) {
    return Long.parseLong(value) == sluice ? new Verdict(Kind.SAME, name + "=" + value + ": Sluice does so (" + what + ")")
        : differs(name, value, "Sluice has no setting for it (" + what + ")");
  }

  private static Verdict noEffect(String name, String value, String why) {
    return new Verdict(Kind.NO_EFFECT, name + "=" + value + ": no effect (" + why + ")");
  }

  private static Verdict differs(String name, String value, String why) {
    return new Verdict(Kind.DIFFERS, name + "=" + value + ": " + why);
  }

  /** A TCP sysctl this table does not know changes behaviour as far as the runner can tell; others do not. */
  private static Verdict unknown(String name, String value) {
    boolean tcpBehaviour = name.startsWith("net.inet.tcp.") || name.startsWith("net.ipv4.tcp_");
    return tcpBehaviour ? differs(name, value, "a TCP setting the runner does not know")
        : noEffect(name, value, "not a TCP setting");
  }

  private static int intOf(String v) {
    return Integer.decode(v);
  }

  private static long[] triple(String v) {
    String[] w = v.split("\\s+");
    if (w.length != 3) {
      throw new NumberFormatException("expected min default max");
    }
    return new long[] {Long.parseLong(w[0]), Long.parseLong(w[1]), Long.parseLong(w[2])};
  }

  private static String onOff(boolean on) {
    return on ? "on" : "off";
  }
}
