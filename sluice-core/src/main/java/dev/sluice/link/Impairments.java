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
 */
public record Impairments(
    double loss, double duplicate, double corrupt, long delayNanos, long jitterNanos, long bitsPerSecond) {

  public static final Impairments NONE = new Impairments(0, 0, 0, 0, 0, 0);

  public Impairments {
    checkProbability("loss", loss);
    checkProbability("duplicate", duplicate);
    checkProbability("corrupt", corrupt);
    if (delayNanos < 0 || jitterNanos < 0 || bitsPerSecond < 0) {
      throw new IllegalArgumentException(
          "delay, jitter and bandwidth must not be negative: " + delayNanos + ", " + jitterNanos + ", " + bitsPerSecond);
    }
  }

  private static void checkProbability(String name, double p) {
    if (!(p >= 0 && p <= 1)) {
      throw new IllegalArgumentException(name + " must be a probability in [0, 1]: " + p);
    }
  }

  public Impairments withLoss(double p) {
    return new Impairments(p, duplicate, corrupt, delayNanos, jitterNanos, bitsPerSecond);
  }

  public Impairments withDuplicate(double p) {
    return new Impairments(loss, p, corrupt, delayNanos, jitterNanos, bitsPerSecond);
  }

  public Impairments withCorrupt(double p) {
    return new Impairments(loss, duplicate, p, delayNanos, jitterNanos, bitsPerSecond);
  }

  public Impairments withDelay(long nanos) {
    return new Impairments(loss, duplicate, corrupt, nanos, jitterNanos, bitsPerSecond);
  }

  public Impairments withJitter(long nanos) {
    return new Impairments(loss, duplicate, corrupt, delayNanos, nanos, bitsPerSecond);
  }

  public Impairments withBandwidth(long bitsPerSecond) {
    return new Impairments(loss, duplicate, corrupt, delayNanos, jitterNanos, bitsPerSecond);
  }
}
