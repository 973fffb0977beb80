package dev.sluice.gateway.relay;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Runs a step on one thread at a time without making anyone wait: a run asked for while another
 * thread's is under way has that thread run the step once more instead. The relay's pumps use it
 * ({@link TcpRelay}'s, moving what the guest sent; {@link UdpPortForwarder}'s, sending the guest's
 * answers): whichever thread learns of new bytes pumps, and bytes that arrive just as a pump
 * finds nothing left are never left with no pump coming.
 *
 * <p>Why that holds: the asker writes {@link #again}, then reads {@link #held}; the holder lets go
 * of {@code held}, then reads {@code again}. Each writes one field and then reads the other (all
 * volatile, so in one total order), so at least one of them sees the other's write: either the
 * asker finds the flag free and runs the step itself, or the holder finds the request and runs it
 * again. Waking a thread to pump instead was not enough: it may look, fail to take the flag from
 * the same holder, and park again while the holder finishes with nothing to do.
 */
final class ExclusiveRun {
  private final AtomicBoolean held = new AtomicBoolean();
  private volatile boolean again;

  /**
   * Runs {@code step} holding the flag, and again while a run was asked for meanwhile, until a
   * result satisfies {@code done} or none was asked for; returns the last result. If another
   * thread holds the flag, asks it to run once more and returns null at once.
   */
  <T> T run(Supplier<T> step, Predicate<T> done) {
    while (true) {
      if (!held.compareAndSet(false, true)) {
        again = true;
        if (held.get()) {
          return null; // the holder sees the request once it lets go
        }
        continue; // it let go meanwhile: run the step ourselves
      }
      T result;
      try {
        again = false; // before the step: whatever asked before this is seen by this run
        result = step.get();
      } finally {
        held.set(false);
      }
      if (done.test(result) || !again) {
        return result;
      }
    }
  }

  /** Takes the flag without running, for a caller that must act alone; false if it is held. */
  boolean tryHold() {
    return held.compareAndSet(false, true);
  }

  /** Lets go of a flag taken with {@link #tryHold}. */
  void release() {
    held.set(false);
  }
}
