package dev.sluice.nio;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.IllegalSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.spi.AbstractSelectableChannel;
import java.nio.channels.spi.AbstractSelector;
import java.util.AbstractSet;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * A {@link java.nio.channels.Selector} over a Sluice stack: readiness comes from the stack's
 * notifications (a {@link dev.sluice.stack.ReadinessListener} per channel), never from a polling
 * loop, and is level-triggered as {@code epoll} is under the JDK's own selector: a key stays
 * selected while its channel is ready, so a read-ready key is reported again while bytes or the
 * end-of-stream are unread.
 *
 * <p><b>How a selection works.</b> A notification puts the key in a queue ({@link #enqueue}) and
 * unparks the selecting thread. Selection moves queued keys into {@code candidates}, the keys that
 * may be ready, then asks each candidate's channel for its readiness: a ready key updates the
 * selected-key set as the JDK specifies and stays a candidate (level-triggered); one that is not
 * ready leaves the candidates until its next notification. So a selection costs the number of
 * ready or recently changed keys, not the number registered.
 *
 * <p><b>One difference from the JDK's.</b> An interest set changed while a selection waits is
 * looked at by that selection (the change queues the key, as a notification does); the JDK's
 * selectors apply it at the next selection, so a program that changes interest from another
 * thread calls {@link #wakeup} for it to count, and then sees the same results here.
 *
 * <p><b>Threads and locks.</b> As the JDK's selectors: selection synchronizes on this selector
 * and then on the selected-key set. {@code candidates} is touched only under the selector's lock;
 * the queue is lock-free, written by stack threads. No lost wake-up: the selecting thread
 * publishes itself in {@code selecting} before it checks the queue and parks, and a notifier
 * enqueues before it reads {@code selecting}; both are volatile, so one of them sees the other.
 */
final class SluiceSelector extends AbstractSelector {
  private final Set<SelectionKey> keys = ConcurrentHashMap.newKeySet();
  private final Set<SelectionKey> publicKeys = Collections.unmodifiableSet(keys);
  private final Set<SelectionKey> selectedKeys = new HashSet<>();
  private final Set<SelectionKey> publicSelectedKeys = new UngrowableSet(selectedKeys);
  /**
   * The queue of keys to look at: an intrusive lock-free stack through {@link
   * SluiceSelectionKey#nextQueued}, so a notification allocates nothing. Notifiers push with a CAS;
   * selection takes the whole stack at once with {@code getAndSet(null)}. A key is in it at most
   * once (its {@code queued} flag).
   */
  @SuppressWarnings("unused") // accessed through QUEUE
  private volatile SluiceSelectionKey queue;
  /** Keys that may be ready, {@code [0, candidateCount)}, each flagged {@code candidate}; selector lock only. */
  private SluiceSelectionKey[] candidates = new SluiceSelectionKey[16];
  private int candidateCount;
  private volatile Thread selecting;
  private volatile boolean wakeupPending;

  private static final VarHandle QUEUE;

  static {
    try {
      QUEUE = MethodHandles.lookup().findVarHandle(SluiceSelector.class, "queue", SluiceSelectionKey.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  SluiceSelector(SluiceSelectorProvider provider) {
    super(provider);
  }

  @Override
  public Set<SelectionKey> keys() {
    ensureOpen();
    return publicKeys;
  }

  @Override
  public Set<SelectionKey> selectedKeys() {
    ensureOpen();
    return publicSelectedKeys;
  }

  @Override
  public int selectNow() throws IOException {
    return select(0L, true);
  }

  @Override
  public int select(long timeout) throws IOException {
    if (timeout < 0) {
      throw new IllegalArgumentException("Negative timeout: " + timeout);
    }
    return select(timeout, false);
  }

  @Override
  public int select() throws IOException {
    return select(0L, false);
  }

  @Override
  public SluiceSelector wakeup() {
    wakeupPending = true;
    Thread t = selecting;
    if (t != null) {
      LockSupport.unpark(t);
    }
    return this;
  }

  /** A key to look at: its channel's readiness or its interest changed. Any thread. */
  void enqueue(SluiceSelectionKey key) {
    SluiceSelectionKey head;
    do {
      head = queue;
      key.nextQueued = head; // published by the CAS
    } while (!QUEUE.compareAndSet(this, head, key));
    Thread t = selecting;
    if (t != null) {
      LockSupport.unpark(t);
    }
  }

  @Override
  protected SelectionKey register(AbstractSelectableChannel ch, int ops, Object attachment) {
    if (!(ch instanceof SelectableSluiceChannel channel) || ch.provider() != provider()) {
      throw new IllegalSelectorException();
    }
    ensureOpen();
    SluiceSelectionKey key = new SluiceSelectionKey(ch, this);
    key.attach(attachment);
    keys.add(key);
    channel.keys().add(key);
    key.interestOps(ops); // queues the key, so its readiness now is looked at
    return key;
  }

  @Override
  protected void implCloseSelector() throws IOException {
    wakeup();
    synchronized (this) {
      synchronized (publicSelectedKeys) {
        for (SelectionKey k : keys) {
          k.cancel();
        }
        deregisterCancelledKeys();
        QUEUE.getAndSet(this, (SluiceSelectionKey) null);
        java.util.Arrays.fill(candidates, 0, candidateCount, null);
        candidateCount = 0;
      }
    }
  }

  // ------------------------------------------------------------------ selection

  /**
   * One selection: returns the number of keys whose ready sets were updated, once at least one
   * key is ready, {@code timeoutMillis} (0: no limit, unless {@code now}) passed, {@link #wakeup}
   * was called or the thread was interrupted. As the JDK's selectors do, it also returns (with 0)
   * when the only ready keys were selected already with the same ready sets.
   */
  private int select(long timeoutMillis, boolean now) throws IOException {
    ensureOpen();
    synchronized (this) {
      synchronized (publicSelectedKeys) {
        long deadline = timeoutMillis > 0 ? System.nanoTime() + timeoutMillis * 1_000_000L : Long.MAX_VALUE;
        deregisterCancelledKeys();
        int updated = 0;
        try {
          begin(); // an interrupt wakes this selection up, as the JDK's does
          while (true) {
            int ready = collect();
            updated += ready >>> 1;
            if ((ready & 1) != 0 || now || wakeupPending || Thread.currentThread().isInterrupted()) {
              break;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
              break;
            }
            selecting = Thread.currentThread();
            try {
              if (queue == null && !wakeupPending) {
                LockSupport.parkNanos(this, left);
              }
            } finally {
              selecting = null;
            }
          }
        } finally {
          end();
        }
        wakeupPending = false;
        deregisterCancelledKeys();
        return updated;
      }
    }
  }

  /**
   * Looks at the queued keys and the candidates, updating the selected-key set. Returns the count
   * of keys whose ready sets were updated, shifted left once, with bit 0 set if any key is ready.
   */
  private int collect() {
    SluiceSelectionKey k = (SluiceSelectionKey) QUEUE.getAndSet(this, (SluiceSelectionKey) null);
    while (k != null) {
      SluiceSelectionKey next = k.nextQueued;
      k.nextQueued = null; // before dequeued(): once it runs, a notifier may queue k again
      k.dequeued(); // before reading its readiness: a change after the read queues it again
      if (k.isValid() && !k.candidate) {
        k.candidate = true;
        if (candidateCount == candidates.length) {
          candidates = java.util.Arrays.copyOf(candidates, candidateCount * 2);
        }
        candidates[candidateCount++] = k;
      }
      k = next;
    }
    int updated = 0;
    boolean anyReady = false;
    int kept = 0;
    for (int i = 0; i < candidateCount; i++) {
      SluiceSelectionKey key = candidates[i];
      int interest = key.interestOpsUnchecked();
      int ready = key.isValid() && interest != 0 ? key.sluiceChannel().readyOps(interest) : 0;
      if (ready == 0) {
        key.candidate = false; // until its next notification
        continue;
      }
      candidates[kept++] = key;
      anyReady = true;
      if (!selectedKeys.contains(key)) {
        key.readyOps(ready);
        selectedKeys.add(key);
        updated++;
      } else if ((key.readyOpsUnchecked() | ready) != key.readyOpsUnchecked()) {
        key.readyOps(key.readyOpsUnchecked() | ready);
        updated++;
      }
    }
    java.util.Arrays.fill(candidates, kept, candidateCount, null);
    candidateCount = kept;
    return updated << 1 | (anyReady ? 1 : 0);
  }

  /** Removes cancelled keys everywhere; selector and selected-key locks held. */
  private void deregisterCancelledKeys() {
    Set<SelectionKey> cancelled = cancelledKeys();
    synchronized (cancelled) {
      for (SelectionKey k : cancelled) {
        SluiceSelectionKey key = (SluiceSelectionKey) k;
        keys.remove(key);
        selectedKeys.remove(key);
        // a cancelled key left among the candidates is dropped by the next collect (not valid)
        key.sluiceChannel().keys().remove(key);
        deregister(key);
      }
      cancelled.clear();
    }
  }

  private void ensureOpen() {
    if (!isOpen()) {
      throw new ClosedSelectorException();
    }
  }

  /** The selected-key set as the application sees it: keys may be removed, never added. */
  private static final class UngrowableSet extends AbstractSet<SelectionKey> {
    private final Set<SelectionKey> set;

    UngrowableSet(Set<SelectionKey> set) {
      this.set = set;
    }

    @Override
    public Iterator<SelectionKey> iterator() {
      return set.iterator();
    }

    @Override
    public int size() {
      return set.size();
    }

    @Override
    public boolean contains(Object o) {
      return set.contains(o);
    }

    @Override
    public boolean remove(Object o) {
      return set.remove(o);
    }

    @Override
    public void clear() {
      set.clear();
    }

    @Override
    public boolean add(SelectionKey k) {
      throw new UnsupportedOperationException("keys are added by selection only");
    }
  }
}
