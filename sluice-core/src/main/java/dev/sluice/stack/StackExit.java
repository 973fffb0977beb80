package dev.sluice.stack;

/**
 * Lets a {@link ReadinessListener} act on a change on the thread that made it, once that thread
 * has left the stack, instead of waking another thread to act: the role of a socket's {@code
 * sk_data_ready} callback in Linux, which may run a splice or a relay's forwarding in the
 * receiving context instead of waking a reader.
 *
 * <p>Why: a relay that copies what a guest sent to an outside socket (sluice-gateway) would
 * otherwise wake its copying thread for every request; on a VM whose halted vCPUs cost a VM exit
 * to wake, that hand-off was about a quarter of a 64-byte round trip (docs/benchmarks/gateway.md, "One
 * hand-off fewer").
 *
 * <p>A listener may not call into the stack where it runs (the thread may own the connection, or
 * a device queue). A task {@link #defer}red here runs after the thread has drained every queue it
 * owned and let go of every connection: at the end of an inline receive burst on the device's
 * reader, of a worker's step once the worker no longer owns the connection, or of an application
 * call's drain. There it may call the stack as an application does, but only without waiting:
 * {@code readNow}, {@code writeNow}, non-blocking sockets. A task that blocks stalls everything
 * this thread receives.
 */
public final class StackExit {
  private static final System.Logger LOG = System.getLogger("dev.sluice");

  private StackExit() {}

  /**
   * If the calling thread is inside the stack (receiving, stepping a connection, draining for an
   * application call), queues {@code task} to run on this thread when it leaves, and returns true;
   * else returns false and the caller acts some other way (wakes its own thread). Tasks run in the
   * order they were queued; one that throws is logged and the rest still run.
   */
  public static boolean defer(Runnable task) {
    return InlineReceiver.deferToExit(java.util.Objects.requireNonNull(task, "task"));
  }

  /** Runs one deferred task; a throw must not end a device's reader or a worker. */
  static void run(Runnable task) {
    try {
      task.run();
    } catch (RuntimeException | LinkageError | AssertionError | StackOverflowError e) {
      LOG.log(System.Logger.Level.ERROR, "a task deferred to the stack's exit threw", e);
    }
  }
}
