package dev.sluice.nio;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.Selector;
import java.nio.channels.spi.AbstractSelectionKey;

/**
 * A channel's registration with a {@link SluiceSelector}: its interest set, its ready set, and
 * whether it waits in the selector's queue of keys to look at.
 *
 * <p><b>Threads.</b> The interest set may be changed by any thread; the ready set is written only
 * by the selecting thread. {@code queued} is 1 while the key is in its selector's queue, so a
 * burst of notifications queues it once; the selector clears it before reading the readiness, so
 * a change after that read queues the key again and is never missed.
 */
final class SluiceSelectionKey extends AbstractSelectionKey {
  private static final VarHandle QUEUED;

  static {
    try {
      QUEUED = MethodHandles.lookup().findVarHandle(SluiceSelectionKey.class, "queued", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final SelectableChannel channel;
  private final SluiceSelector selector;
  private volatile int interestOps;
  private volatile int readyOps;
  @SuppressWarnings("unused") // accessed through QUEUED
  private volatile int queued;
  /** The next key in its selector's queue (see {@code SluiceSelector.queue}); written before the push's CAS. */
  SluiceSelectionKey nextQueued;
  /** Among its selector's candidates; the selector's lock only. */
  boolean candidate;

  SluiceSelectionKey(SelectableChannel channel, SluiceSelector selector) {
    this.channel = channel;
    this.selector = selector;
  }

  @Override
  public SelectableChannel channel() {
    return channel;
  }

  @Override
  public Selector selector() {
    return selector;
  }

  SelectableSluiceChannel sluiceChannel() {
    return (SelectableSluiceChannel) channel;
  }

  @Override
  public int interestOps() {
    ensureValid();
    return interestOps;
  }

  @Override
  public java.nio.channels.SelectionKey interestOps(int ops) {
    ensureValid();
    if ((ops & ~channel.validOps()) != 0) {
      throw new IllegalArgumentException("invalid interest set for " + channel + ": " + ops);
    }
    interestOps = ops;
    readinessMayHaveChanged(); // the selector looks at it again with the new interest
    return this;
  }

  @Override
  public int readyOps() {
    ensureValid();
    return readyOps;
  }

  int interestOpsUnchecked() {
    return interestOps;
  }

  int readyOpsUnchecked() {
    return readyOps;
  }

  void readyOps(int ops) {
    readyOps = ops;
  }

  /** The channel's readiness or this key's interest changed: queue it on its selector, once. */
  void readinessMayHaveChanged() {
    if (QUEUED.compareAndSet(this, 0, 1)) {
      selector.enqueue(this);
    }
  }

  /** The selector took this key from its queue; called before it reads the readiness. */
  void dequeued() {
    QUEUED.setVolatile(this, 0);
  }

  private void ensureValid() {
    if (!isValid()) {
      throw new CancelledKeyException();
    }
  }
}
