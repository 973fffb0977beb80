package dev.sluice.stack;

import dev.sluice.link.Device;
import dev.sluice.link.PacketBuffer;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Receives one device queue's packets on the thread that delivered them ({@link Steering#INLINE}),
 * instead of handing them to a receive worker: for an in-process link the sender's own thread, as
 * Linux's loopback runs the receive path on the sending CPU; for a TUN device the queue's reader.
 * A request and its reply then cross two thread hand-offs (each application's wake-up) instead of
 * four.
 *
 * <p>The queue is owned as a connection is ({@link OwnershipProtocol}): each arrival adds 1 to
 * {@link #pending} after its packet is in the queue; the thread that moves it from 0 drains the
 * queue and lets go with {@code getAndAdd(-owed)}, draining again if more arrived meanwhile. So one
 * thread at a time takes a queue's packets, in their order, and none is left behind. A thread
 * that owns a connection while it transmits may come back here for the peer's reply (the peer
 * answers on this thread too): the reply goes to the connection's backlog, which the thread
 * drains once it unwinds, so nesting is bounded by the number of queues.
 *
 * <p><b>Threads.</b> {@link #run} is called by any thread that delivers into the queue.
 */
final class InlineReceiver implements Runnable {
  private static final VarHandle PENDING;

  static {
    try {
      PENDING = MethodHandles.lookup().findVarHandle(InlineReceiver.class, "pending", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Host host;
  private final Device device;
  private final int queue;
  private final boolean loopback;
  /** Arrivals not yet accounted for by a drain; 0 means no thread owns the queue. */
  @SuppressWarnings("unused") // accessed through PENDING
  private volatile int pending;

  InlineReceiver(Host host, Device device, int queue, boolean loopback) {
    this.host = host;
    this.device = device;
    this.queue = queue;
    this.loopback = loopback;
  }

  /** A packet has just been put in the queue. */
  @Override
  public void run() {
    if ((int) PENDING.getAndAdd(this, 1) != 0) {
      return; // the owner drains the queue before it lets go, and sees this packet
    }
    int owed = 1;
    OwnerContext ctx = host.borrowContext();
    try {
      while (true) {
        drain(ctx);
        int before = (int) PENDING.getAndAdd(this, -owed);
        owed = before - owed;
        if (owed == 0) {
          return;
        }
      }
    } finally {
      host.returnContext(ctx);
    }
  }

  /** Takes every packet in the queue and runs each to completion, owning its connection meanwhile. */
  private void drain(OwnerContext ctx) {
    PacketBuffer packet;
    while ((packet = device.poll(queue)) != null) {
      long now = host.clock().nanos();
      try {
        Connection owned = host.receive(packet, loopback, ctx, now);
        while (owned != null && owned.runStep(ctx, now)) {
          // the drain of the connection this packet made us own
        }
      } catch (RuntimeException | LinkageError | AssertionError | StackOverflowError e) {
        // As in Worker.step: a throw outside any connection's processing loses this packet only.
        host.receiveFaulted("inline receive on " + device + " queue " + queue, e);
      }
    }
  }
}
