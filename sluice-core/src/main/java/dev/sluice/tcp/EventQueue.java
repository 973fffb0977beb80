package dev.sluice.tcp;

import java.util.ArrayDeque;

/**
 * The events a connection owes its application ({@link TcpEvent}), oldest first. Sixteen fit in
 * one long, four bits each, without allocating: a slot holds the event's ordinal + 1, so an empty
 * slot reads 0 and the count needs no field of its own. An application that never polls spills
 * into a deque made for it.
 *
 * <p>{@link TcpEngine} extends this class rather than holding one, so the queue costs no object
 * of its own on every connection (as {@code Connection} extends {@code OwnershipProtocol}).
 * Driven like the engine: by one thread at a time, the connection's owner.
 */
abstract class EventQueue {
  private static final int SLOTS = Long.SIZE / 4;

  /** The queued events' codes, the oldest in the lowest four bits. */
  private long pending;
  /** Events queued while all slots were full, and every later one until it drains; else null. */
  private ArrayDeque<TcpEvent> overflow;

  /** The next event for the application, or {@code null} if none is pending. */
  public final TcpEvent pollEvent() {
    long codes = pending;
    if (codes != 0) {
      pending = codes >>> 4;
      return TcpEvent.all()[(int) (codes & 0xF) - 1];
    }
    ArrayDeque<TcpEvent> spilled = overflow;
    if (spilled == null) {
      return null;
    }
    TcpEvent event = spilled.poll();
    if (spilled.isEmpty()) {
      overflow = null;
    }
    return event;
  }

  /**
   * True if an event other than {@link TcpEvent#READABLE} or {@link TcpEvent#WRITABLE} is pending:
   * a change of the connection's state, which the stack acts on at once.
   */
  final boolean stateEventPending() {
    if (overflow != null) {
      return true;
    }
    for (long codes = pending; codes != 0; codes >>>= 4) {
      int ordinal = (int) (codes & 0xF) - 1;
      if (ordinal != TcpEvent.READABLE.ordinal() && ordinal != TcpEvent.WRITABLE.ordinal()) {
        return true;
      }
    }
    return false;
  }

  final void queueEvent(TcpEvent event) {
    long codes = pending;
    int used = (Long.SIZE + 3 - Long.numberOfLeadingZeros(codes)) >>> 2; // the highest slot in use, + 1
    if (overflow == null && used < SLOTS) {
      pending = codes | (long) (event.ordinal() + 1) << (4 * used);
    } else {
      if (overflow == null) {
        overflow = new ArrayDeque<>();
      }
      overflow.add(event);
    }
  }
}
