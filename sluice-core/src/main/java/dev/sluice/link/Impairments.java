package dev.sluice.link;

/**
 * What a simulated link does to packets in one direction. Probabilities are per packet. Every
 * random choice comes from the link's seeded generator, so the same seed and the same sequence of
 * transmissions give the same outcome.
 *
 * @param loss probability that a packet vanishes
 * @param duplicate probability that a packet is delivered twice
 * @param corrupt probability that one random bit of a packet is flipped (checksums must catch it)
 * @param delayNanos fixed one-way propagation delay
 * @param jitterNanos extra delay drawn uniformly from {@code [0, jitterNanos]}; packets overtake
 *     each other when it exceeds their spacing, which is how the link reorders
 * @param bitsPerSecond serialisation rate, or 0 for unlimited
 * @param reorder probability that a packet is held back by {@code reorderDelayNanos}, so that the
 *     packets sent after it overtake it: reordering at a rate, independent of the jitter
 * @param reorderDelayNanos how long a reordered packet is held back
 */
public record Impairments(
    double loss, double duplicate, double corrupt, long delayNanos, long jitterNanos, long bitsPerSecond,
    double reorder, long reorderDelayNanos) {

  /** A perfect link: nothing lost, duplicated, corrupted, delayed or reordered; no rate limit. */
  public static final Impairments NONE = new Impairments(0, 0, 0, 0, 0, 0);

  /**
   * Checks the settings.
   *
   * @throws IllegalArgumentException if a probability is outside 0 to 1, or a time or rate is
   *     negative
   */
  public Impairments {
    checkProbability("loss", loss);
    checkProbability("duplicate", duplicate);
    checkProbability("corrupt", corrupt);
    checkProbability("reorder", reorder);
    if (delayNanos < 0 || jitterNanos < 0 || bitsPerSecond < 0 || reorderDelayNanos < 0) {
      throw new IllegalArgumentException("delay, jitter, bandwidth and reorder delay must not be negative: "
          + delayNanos + ", " + jitterNanos + ", " + bitsPerSecond + ", " + reorderDelayNanos);
    }
  }

  /**
   * Without rate-based reordering (jitter may still reorder).
   *
   * @param loss probability that a packet vanishes
   * @param duplicate probability that a packet is delivered twice
   * @param corrupt probability that one random bit of a packet is flipped
   * @param delayNanos fixed one-way propagation delay
   * @param jitterNanos extra delay drawn uniformly from {@code [0, jitterNanos]}
   * @param bitsPerSecond serialisation rate, or 0 for unlimited
   */
  public Impairments(double loss, double duplicate, double corrupt, long delayNanos, long jitterNanos,
      long bitsPerSecond) {
    this(loss, duplicate, corrupt, delayNanos, jitterNanos, bitsPerSecond, 0, 0);
  }

  /**
   * These impairments, holding back a fraction {@code p} of packets by {@code delayNanos}.
   *
   * @param p probability that a packet is held back
   * @param delayNanos how long it is held back
   * @return the new impairments
   */
  public Impairments withReorder(double p, long delayNanos) {
    return new Impairments(loss, duplicate, corrupt, this.delayNanos, jitterNanos, bitsPerSecond, p, delayNanos);
  }

  private static void checkProbability(String name, double p) {
    if (!(p >= 0 && p <= 1)) {
      throw new IllegalArgumentException(name + " must be a probability in [0, 1]: " + p);
    }
  }

  /**
   * These impairments with another loss probability.
   *
   * @param p probability that a packet vanishes
   * @return the new impairments
   */
  public Impairments withLoss(double p) {
    return new Impairments(p, duplicate, corrupt, delayNanos, jitterNanos, bitsPerSecond, reorder, reorderDelayNanos);
  }

  /**
   * These impairments with another duplication probability.
   *
   * @param p probability that a packet is delivered twice
   * @return the new impairments
   */
  public Impairments withDuplicate(double p) {
    return new Impairments(loss, p, corrupt, delayNanos, jitterNanos, bitsPerSecond, reorder, reorderDelayNanos);
  }

  /**
   * These impairments with another corruption probability.
   *
   * @param p probability that one random bit of a packet is flipped
   * @return the new impairments
   */
  public Impairments withCorrupt(double p) {
    return new Impairments(loss, duplicate, p, delayNanos, jitterNanos, bitsPerSecond, reorder, reorderDelayNanos);
  }

  /**
   * These impairments with another one-way delay.
   *
   * @param nanos fixed one-way propagation delay
   * @return the new impairments
   */
  public Impairments withDelay(long nanos) {
    return new Impairments(loss, duplicate, corrupt, nanos, jitterNanos, bitsPerSecond, reorder, reorderDelayNanos);
  }

  /**
   * These impairments with another jitter.
   *
   * @param nanos extra delay drawn uniformly from {@code [0, nanos]}
   * @return the new impairments
   */
  public Impairments withJitter(long nanos) {
    return new Impairments(loss, duplicate, corrupt, delayNanos, nanos, bitsPerSecond, reorder, reorderDelayNanos);
  }

  /**
   * These impairments with another serialisation rate.
   *
   * @param bitsPerSecond the rate, or 0 for unlimited
   * @return the new impairments
   */
  public Impairments withBandwidth(long bitsPerSecond) {
    return new Impairments(loss, duplicate, corrupt, delayNanos, jitterNanos, bitsPerSecond, reorder, reorderDelayNanos);
  }
}
