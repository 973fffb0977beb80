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
  INLINE,
  /**
   * {@link #STEER} while a queue's worker is at work, {@link #INLINE} while it is parked: a packet
   * that arrives for a parked worker is processed at once by the thread that delivered it, and the
   * worker sleeps on. A lone request and its reply then cross two thread hand-offs instead of four;
   * a loaded queue keeps its worker, whose running (or spinning) takes every packet, so receive
   * still spreads over cores. If another thread is already receiving that queue inline, the
   * arrival wakes the worker to help rather than wait behind it ({@link
   * InlineReceiver#receiveIfUnowned}). NAPI's split between interrupt and poll, in the other
   * direction: the quiet case runs where the packet arrives, the busy one on its poller.
   */
  ADAPTIVE
}
