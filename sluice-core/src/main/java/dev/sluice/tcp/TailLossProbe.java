package dev.sluice.tcp;

/**
 * TLP, the tail loss probe (RFC 8985 §7): when the last segments of a flight are lost, no ACK
 * comes back to start fast recovery, and the sender would wait for the RTO. Instead, about two
 * smoothed RTTs after the last transmission, it sends one probe (new data if there is some the
 * window allows, else the highest segment again); the ACK it solicits lets RACK find the loss.
 *
 * <p>This class holds TLP's state and rules; the engine owns the timer and sends the probe.
 * Owner only, one thread at a time.
 */
final class TailLossProbe {
  /** RFC 8985 §7.2: the PTO when there is no SRTT yet (as RFC 6298's initial RTO). */
  static final long PTO_WITHOUT_SRTT_NANOS = 1_000_000_000L;
  /**
   * Added to 2·SRTT when more than one segment is in flight, as Linux adds {@code
   * TCP_TIMEOUT_MIN_US} ({@code tcp_schedule_loss_probe}). RFC 8985 §7.2 chose 2·SRTT so that an
   * ACK delayed by "end-host delay variance" does not draw a spurious probe; where SRTT is
   * microseconds (loopback, a TUN device, an in-memory link), a thread's scheduling delay alone
   * is more than one SRTT, and a PTO of 2·SRTT would probe, and arm a timer, at nearly every
   * pause of the receiving application.
   */
  static final long MIN_PTO_SLACK_NANOS = 2_000_000L;

  /** TLP.end_seq: SND.NXT when the unacknowledged probe went out; meaningful while probing. */
  private int endSeq;
  private boolean probing;
  /** TLP.is_retrans: the probe in flight is a retransmission (not new data). */
  private boolean retransmission;
  /** An RTT sample was taken since the last probe or the start of the connection (§7.3 rule 2). */
  private boolean rttSampledSinceProbe;

  /**
   * TLP_calc_PTO (§7.2) as Linux computes it: how long after now to probe. {@code srttNanos} 0
   * means no estimate; {@code oneSegmentInFlight} adds the peer's delayed-ACK budget {@code
   * maxAckDelayNanos}, more segments add {@link #MIN_PTO_SLACK_NANOS}; never later than the RTO
   * would fire ({@code rtoInNanos} from now).
   */
  static long probeTimeout(long srttNanos, boolean oneSegmentInFlight, long maxAckDelayNanos, long rtoInNanos) {
    long pto;
    if (srttNanos > 0) {
      pto = 2 * srttNanos + (oneSegmentInFlight ? maxAckDelayNanos : MIN_PTO_SLACK_NANOS);
    } else {
      pto = PTO_WITHOUT_SRTT_NANOS;
    }
    return Math.min(pto, rtoInNanos);
  }

  /** TLP_init: a new connection, fast recovery or RTO recovery forgets any probe. */
  void reset() {
    probing = false;
    retransmission = false;
  }

  void onRttSample() {
    rttSampledSinceProbe = true;
  }

  /** §7.3: a probe may go out only if none is in flight and an RTT was sampled since the last. */
  boolean mayProbe() {
    return !probing && rttSampledSinceProbe;
  }

  /** A probe went out; {@code sndNxt} is SND.NXT after it. */
  void probeSent(int sndNxt, boolean isRetransmission) {
    endSeq = sndNxt;
    probing = true;
    retransmission = isRetransmission;
    rttSampledSinceProbe = false;
  }

  boolean probing() {
    return probing;
  }

  /** TLP.end_seq: SND.NXT after the probe in flight (meaningful while {@link #probing}). */
  int endSeq() {
    return endSeq;
  }

  /**
   * §7.4.2, for each ACK while a probe is in flight: returns true if the probe repaired a loss
   * that congestion control must still answer, as a fast recovery would have.
   *
   * <ul>
   *   <li>A D-SACK covering the probe's end, or a plain duplicate ACK at TLP.end_seq without SACK,
   *       says both the original and the probe arrived: nothing was lost, the episode ends.
   *   <li>An ACK beyond TLP.end_seq while a retransmitted probe is still unaccounted for means
   *       one of the segments was lost: the episode ends with a congestion response.
   * </ul>
   */
  boolean onAck(int ack, boolean dsackCoversProbe, boolean duplicateWithoutSack) {
    if (!probing) {
      return false;
    }
    if (retransmission && (dsackCoversProbe || duplicateWithoutSack && ack == endSeq)) {
      reset(); // case 1 or 2: the retransmission was spurious
      return false;
    }
    if (SeqNum.gt(ack, endSeq)) {
      boolean lossRepaired = retransmission;
      reset();
      return lossRepaired;
    }
    if (!retransmission && SeqNum.ge(ack, endSeq)) {
      reset(); // the new-data probe was acknowledged; RACK handles anything it revealed
    }
    return false;
  }
}
