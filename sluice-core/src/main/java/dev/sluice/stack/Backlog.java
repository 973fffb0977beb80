package dev.sluice.stack;

import dev.sluice.link.PacketBuffer;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The segments that arrived for a connection while someone else owned it: a lock-free
 * multi-producer list that only the owner empties, as Linux's {@code llist} (used for the socket
 * backlog's cousin, the defer list) works.
 *
 * <p>Producers push onto a Treiber stack with one CAS; the owner takes the whole stack with one
 * atomic swap and reverses it, so segments come out in arrival order. Buffers are linked through
 * their own {@link PacketBuffer#next()} field: queueing allocates nothing. The count bounds the
 * memory a flood can pin (hostile input: backlog flooding); a push beyond the limit is refused
 * and the caller drops and counts the segment, as Linux drops when {@code sk_add_backlog} fails.
 *
 * <p>A segment without payload (an ACK, a FIN, a RST) is still admitted when data has filled the
 * limit, up to twice the limit, as gVisor's {@code segment_queue} admits them: it costs no buffer
 * space in the engine, and refusing it would make a FIN, or the ACK that frees the peer's window,
 * wait for a retransmission because data got there first. The second half of the bound keeps a
 * flood of empty segments from pinning memory all the same.
 */
final class Backlog {
  private static final VarHandle HEAD;
  private static final VarHandle COUNT;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      HEAD = lookup.findVarHandle(Backlog.class, "head", PacketBuffer.class);
      COUNT = lookup.findVarHandle(Backlog.class, "count", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  @SuppressWarnings("unused") // accessed through HEAD
  private volatile PacketBuffer head;
  @SuppressWarnings("unused") // accessed through COUNT
  private volatile int count;
  private final int limit;

  Backlog(int limit) {
    this.limit = limit;
  }

  /**
   * Adds {@code buffer}; false (buffer untouched) if the backlog already holds its limit, or twice
   * its limit for a segment {@code withoutPayload}.
   */
  boolean push(PacketBuffer buffer, boolean withoutPayload) {
    if ((int) COUNT.getAndAdd(this, 1) >= (withoutPayload ? 2 * limit : limit)) {
      COUNT.getAndAdd(this, -1);
      return false;
    }
    PacketBuffer current;
    do {
      current = (PacketBuffer) HEAD.getAcquire(this);
      buffer.next(current);
    } while (!HEAD.compareAndSet(this, current, buffer));
    return true;
  }

  /** Owner only: removes every queued buffer and returns the oldest, linked oldest first. */
  PacketBuffer takeAll() {
    if (HEAD.getAcquire(this) == null) {
      return null;
    }
    PacketBuffer newestFirst = (PacketBuffer) HEAD.getAndSet(this, null);
    PacketBuffer oldestFirst = null;
    int taken = 0;
    while (newestFirst != null) {
      PacketBuffer next = newestFirst.next();
      newestFirst.next(oldestFirst);
      oldestFirst = newestFirst;
      newestFirst = next;
      taken++;
    }
    COUNT.getAndAdd(this, -taken);
    return oldestFirst;
  }

  boolean isEmpty() {
    return HEAD.getAcquire(this) == null;
  }

  int size() {
    return (int) COUNT.getVolatile(this);
  }
}
