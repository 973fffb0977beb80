package dev.sluice.api;

import dev.sluice.stack.Connection;
import dev.sluice.stack.Listener;
import dev.sluice.stack.ReadinessListener;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.SocketException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * An asynchronous call built on the non-blocking core, as a selector loop would run it: try the
 * non-blocking operation ({@link #tryNow}); if it would wait, listen for the stack's readiness
 * notifications and try again on the next one. No thread blocks underneath.
 *
 * <p><b>Cancelling never loses data.</b> The operation runs only while the call holds the state
 * RUNNING, and a cancellation or a timeout ({@link #cancel}, {@link #completeExceptionally}, as
 * {@code orTimeout} uses) takes effect only from WAITING, when no attempt is under way. So either
 * an attempt took bytes and the future completes with them, or the call ends with nothing taken,
 * and bytes that arrive later go to the next read. An outside completion that finds an attempt
 * running waits for it (a non-blocking call: it waits only for the connection's owner, briefly)
 * and then loses to it, as {@code cancel} losing to a completion does.
 *
 * <p><b>No lost wake-up.</b> A notification sets {@code again} and, if the call waits, schedules
 * an attempt. An attempt clears {@code again} before it tries; if a notification came while it
 * ran, it tries once more after going back to WAITING.
 *
 * <p>Attempts after the first run on {@code executor} (the stack's virtual threads), never on the
 * stack thread that sent the notification, which must not call into the stack.
 */
abstract class ReadinessCall<T> extends CompletableFuture<T> implements ReadinessListener {
  private static final int WAITING = 0;
  private static final int RUNNING = 1;
  private static final int DONE = 2;
  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(ReadinessCall.class, "state", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Executor executor;
  /** Where readiness notifications come from: a connection's or a listener's listener list. */
  private final ReadinessSource source;
  @SuppressWarnings("unused") // accessed through STATE
  private volatile int state = WAITING;
  private volatile boolean again;
  private T result; // written by the attempt that returns true, before it completes the future

  /** A connection or a listener, as far as telling a {@link ReadinessListener} goes. */
  interface ReadinessSource {
    void add(ReadinessListener listener);

    void remove(ReadinessListener listener);

    static ReadinessSource of(Connection c) {
      return new ReadinessSource() {
        @Override
        public void add(ReadinessListener listener) {
          c.addReadinessListener(listener);
        }

        @Override
        public void remove(ReadinessListener listener) {
          c.removeReadinessListener(listener);
        }
      };
    }

    static ReadinessSource of(Listener l) {
      return new ReadinessSource() {
        @Override
        public void add(ReadinessListener listener) {
          l.addReadinessListener(listener);
        }

        @Override
        public void remove(ReadinessListener listener) {
          l.removeReadinessListener(listener);
        }
      };
    }
  }

  ReadinessCall(Executor executor, ReadinessSource source) {
    this.executor = executor;
    this.source = source;
  }

  /**
   * The non-blocking attempt: true once done, with the result given to {@link #result}; false
   * where a blocking call would wait.
   */
  abstract boolean tryNow() throws IOException;

  /** Listens, then makes the first attempt on the caller's thread. */
  final ReadinessCall<T> start() {
    source.add(this);
    attempt();
    return this;
  }

  @Override
  public final void readinessChanged() {
    again = true;
    if ((int) STATE.getVolatile(this) == WAITING) {
      try {
        executor.execute(this::attempt);
      } catch (RejectedExecutionException e) { // the stack's executor stopped: the stack closed
        if (claim()) {
          super.completeExceptionally(new SocketException("Socket closed: the stack was closed (NetStack.close)"));
        }
      }
    }
  }

  private void attempt() {
    while (STATE.compareAndSet(this, WAITING, RUNNING)) {
      again = false;
      boolean done;
      try {
        done = tryNow();
      } catch (IOException | RuntimeException e) {
        STATE.setVolatile(this, DONE);
        source.remove(this);
        super.completeExceptionally(e);
        return;
      }
      if (done) {
        STATE.setVolatile(this, DONE);
        source.remove(this);
        super.complete(result);
        return;
      }
      STATE.setVolatile(this, WAITING);
      if (!again) {
        return;
      }
    }
  }

  /** The attempt's result, given before {@link #tryNow} returns true. */
  final void result(T value) {
    result = value;
  }

  /** Ends the call from outside, if no attempt took anything: see the class comment. */
  private boolean claim() {
    while (true) {
      int s = (int) STATE.getVolatile(this);
      if (s == DONE) {
        return false;
      }
      if (s == WAITING && STATE.compareAndSet(this, WAITING, DONE)) {
        source.remove(this);
        return true;
      }
      Thread.onSpinWait(); // an attempt is running; it is non-blocking
    }
  }

  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    return claim() ? super.cancel(mayInterruptIfRunning) : isCancelled();
  }

  @Override
  public boolean completeExceptionally(Throwable ex) {
    return claim() && super.completeExceptionally(ex);
  }

  @Override
  public boolean complete(T value) {
    return claim() && super.complete(value);
  }
}
