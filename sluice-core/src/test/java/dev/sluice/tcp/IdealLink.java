package dev.sluice.tcp;

import java.util.ArrayList;
import java.util.List;

/**
 * An idealised bottleneck for driving a {@link CongestionControl} round by round: a fixed RTT, no
 * queueing delay, and a loss in every round whose window exceeds the link's capacity (BDP plus
 * buffer). A loss round is spent in recovery (the engine's job; the controller sees only entry and
 * exit); any other round acknowledges the whole window, one ACK per SMSS spread evenly over the
 * RTT, each carrying an RTT sample. Fully deterministic.
 */
final class IdealLink {
  /** One congestion event: the round, cwnd when the loss was found, and cwnd just after. */
  record Loss(int round, long cwndAtLoss, long cwndAfter) {}

  final long capacityBytes;
  final long rttNanos;
  /** cwnd at the start of each round. */
  final List<Long> cwndPerRound = new ArrayList<>();
  final List<Loss> losses = new ArrayList<>();

  private IdealLink(long capacityBytes, long rttNanos) {
    this.capacityBytes = capacityBytes;
    this.rttNanos = rttNanos;
  }

  static IdealLink run(
      CongestionControl cc, int smss, long capacityBytes, long rttNanos, int rounds) {
    IdealLink link = new IdealLink(capacityBytes, rttNanos);
    long now = 0;
    cc.init(smss);
    for (int round = 0; round < rounds; round++) {
      long window = cc.cwnd();
      link.cwndPerRound.add(window);
      if (window > capacityBytes) {
        cc.onEnterRecovery(window);
        link.losses.add(new Loss(round, window, cc.cwnd()));
        now += rttNanos;
        cc.onExitRecovery();
        continue;
      }
      long acks = (window + smss - 1) / smss;
      long remaining = window;
      for (long i = 1; i <= acks; i++) {
        long acked = Math.min(smss, remaining);
        remaining -= acked;
        cc.onAck(acked, rttNanos, window, now + rttNanos * i / acks);
      }
      now += rttNanos;
    }
    return link;
  }

  /** The first round at or after {@code from} whose cwnd is at least {@code bytes}, or -1. */
  int firstRoundReaching(int from, long bytes) {
    for (int round = from; round < cwndPerRound.size(); round++) {
      if (cwndPerRound.get(round) >= bytes) {
        return round;
      }
    }
    return -1;
  }

  /** Mean cwnd over rounds {@code [from, size)}. */
  double meanCwnd(int from) {
    return cwndPerRound.subList(from, cwndPerRound.size()).stream()
        .mapToLong(Long::longValue).average().orElseThrow();
  }
}
