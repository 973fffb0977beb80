package dev.sluice.stack;

/** How receive queues are shared among the receive workers, or bypass them. */
public enum Steering {
  /**
   * Each receive queue has one worker. Devices pick the queue by a 4-tuple hash (as RSS does), so
   * a connection stays on one core and its ownership is almost never contended.
   */
  STEER,
  /**
   * Every worker drains every queue, so consecutive packets of one connection, its data and its
   * FIN included, are processed on different cores at the same time. Correctness must not notice:
   * this is the Q114541 scenario on purpose.
   */
  SPRAY,
  /**
   * No worker takes packets: the thread that delivers a packet into a receive queue processes it
   * at once ({@link InlineReceiver}), the sender's thread on an in-process link, the reader on a
   * TUN device. Fewer thread hand-offs per round trip; the workers keep only the timers. A
   * sender's thread then also does its peer's receive work, so one flow no longer spreads over
   * cores.
   */
  INLINE
}
