package dev.sluice.tcp;

import dev.sluice.wire.DropReason;
import java.util.EnumMap;
import java.util.Map;

/**
 * Per-connection counters in the spirit of the TCP MIB (RFC 4022) and {@code nstat}. Written only
 * by the connection's owner; read by anyone as a snapshot that may be a moment old.
 */
public final class TcpStats {
  long segmentsIn;
  long segmentsOut;
  long retransmittedSegments;
  long timeoutRetransmits;
  long fastRetransmits;
  long bytesReceived;
  long bytesSent;
  long bytesAcked;
  long resetsSent;
  long resetsReceived;
  long challengeAcks;
  long probes;
  long timeouts;
  long rttSamples;
  long activeOpens;
  long passiveOpens;
  private final long[] drops = new long[DropReason.values().length];

  void drop(DropReason reason) {
    drops[reason.ordinal()]++;
  }

  public long segmentsIn() {
    return segmentsIn;
  }

  public long segmentsOut() {
    return segmentsOut;
  }

  public long retransmittedSegments() {
    return retransmittedSegments;
  }

  public long timeoutRetransmits() {
    return timeoutRetransmits;
  }

  /** Recoveries entered by duplicate ACKs or SACK (RFC 5681 §3.2, RFC 6675). */
  public long fastRetransmits() {
    return fastRetransmits;
  }

  /** Payload bytes that reached RCV.NXT (delivered in order, once each). */
  public long bytesReceived() {
    return bytesReceived;
  }

  /** Payload bytes sent, retransmissions included. */
  public long bytesSent() {
    return bytesSent;
  }

  public long bytesAcked() {
    return bytesAcked;
  }

  public long resetsSent() {
    return resetsSent;
  }

  public long resetsReceived() {
    return resetsReceived;
  }

  public long challengeAcks() {
    return challengeAcks;
  }

  public long probes() {
    return probes;
  }

  public long timeouts() {
    return timeouts;
  }

  public long rttSamples() {
    return rttSamples;
  }

  public long activeOpens() {
    return activeOpens;
  }

  public long passiveOpens() {
    return passiveOpens;
  }

  public long drops(DropReason reason) {
    return drops[reason.ordinal()];
  }

  /** The non-zero drop counts. */
  public Map<DropReason, Long> dropsByReason() {
    Map<DropReason, Long> map = new EnumMap<>(DropReason.class);
    for (DropReason reason : DropReason.values()) {
      if (drops[reason.ordinal()] != 0) {
        map.put(reason, drops[reason.ordinal()]);
      }
    }
    return map;
  }
}
