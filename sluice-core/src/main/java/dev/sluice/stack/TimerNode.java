package dev.sluice.stack;

/**
 * One timer of a {@link TimerWheel}, embedded in whatever owns it (a connection's RTO, delayed
 * ACK, persist, keepalive or TIME-WAIT timer). The links live in the node itself so that
 * scheduling, rescheduling and cancelling allocate nothing: a connection creates its nodes once and
 * reuses them for its whole life.
 *
 * <p>Like its wheel, a node is confined to the wheel's owning thread.
 */
class TimerNode {
  private final Object owner;

  // Maintained by TimerWheel only. A node is scheduled exactly when wheel != null; it then sits in
  // list `slot` of that wheel (a wheel slot, or the wheel's list of expired nodes awaiting their
  // callback), doubly linked so that removal from the middle is O(1).
  TimerWheel wheel;
  TimerNode prev;
  TimerNode next;
  int slot = -1;
  long deadline = Long.MAX_VALUE;

  public TimerNode(Object owner) {
    this.owner = owner;
  }

  /**
   * For an object that is its own timer (a connection extends this class rather than holding a
   * node, which saves an object per connection): the owner is the object itself.
   */
  protected TimerNode() {
    this.owner = this;
  }

  /** What this timer belongs to, as given to the constructor; lets one callback serve all timers. */
  public Object owner() {
    return owner;
  }

  /** The absolute deadline in nanoseconds, or {@link Long#MAX_VALUE} when not scheduled. */
  public long deadline() {
    return deadline;
  }

  /** Whether the node is in a wheel and has not yet fired or been cancelled. */
  public boolean isScheduled() {
    return wheel != null;
  }

  @Override
  public String toString() {
    return isScheduled() ? "TimerNode[" + owner + " @" + deadline + "]" : "TimerNode[" + owner + "]";
  }
}
