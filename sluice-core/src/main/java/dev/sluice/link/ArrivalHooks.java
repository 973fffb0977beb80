package dev.sluice.link;

/**
 * What a device runs when a packet arrives on a receive queue ({@link Device#onArrival}): the
 * wake-ups of the workers that drain it. Several workers may drain one queue (spray mode), so a
 * queue may have several. Registered before traffic, read on every arrival: the array is
 * replaced, never changed in place, so reading needs no lock.
 */
final class ArrivalHooks {
  private volatile Runnable[] hooks;

  ArrivalHooks(int queues) {
    hooks = new Runnable[queues];
  }

  synchronized void add(int queue, Runnable wakeUp) {
    Runnable[] next = hooks.clone();
    Runnable before = next[queue];
    next[queue] = before == null ? wakeUp : () -> {
      before.run();
      wakeUp.run();
    };
    hooks = next;
  }

  /** Runs the hooks of {@code queue}, on the delivering thread. */
  void arrived(int queue) {
    Runnable hook = hooks[queue];
    if (hook != null) {
      hook.run();
    }
  }
}
