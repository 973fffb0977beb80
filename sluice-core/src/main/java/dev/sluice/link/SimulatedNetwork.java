package dev.sluice.link;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * A set of simulated links whose impairments all derive from one seed. Links created in the same
 * order from the same seed make the same random choices, so a scenario driven by a virtual clock
 * from one thread produces the same packet trace every time.
 *
 * <p>Time is an argument: {@link #advance} delivers whatever is due, and {@link #nextDueNanos}
 * tells a virtual clock where to jump next. Link creation is not thread-safe; set up the network
 * before traffic starts.
 */
public final class SimulatedNetwork {
  private final SplittableRandom seeds;
  private final long seed;
  private final List<SimulatedLink> links = new ArrayList<>();
  /** The thread of {@link #runInRealTime}, or null: woken when a link holds a packet back. */
  private volatile Thread pump;

  /**
   * An empty network.
   *
   * @param seed where every random choice of its links comes from
   */
  public SimulatedNetwork(long seed) {
    this.seed = seed;
    this.seeds = new SplittableRandom(seed);
  }

  /**
   * The seed it was made with, to repeat a run.
   *
   * @return the seed
   */
  public long seed() {
    return seed;
  }

  /**
   * Creates a link between two new interfaces named {@code nameA} and {@code nameB}.
   *
   * @param nameA the first interface's name
   * @param nameB the second interface's name
   * @param config the link's MTU, queues, buffers and impairments
   * @return the link; {@link SimulatedLink#a()} and {@link SimulatedLink#b()} are its ends
   */
  public SimulatedLink connect(String nameA, String nameB, SimulatedLink.Config config) {
    SimulatedLink link = new SimulatedLink(nameA, nameB, config, seeds.nextLong(), seeds.nextLong(), this::packetHeld);
    links.add(link);
    return link;
  }

  /**
   * The links made so far, in the order they were made.
   *
   * @return a copy of the list of links
   */
  public List<SimulatedLink> links() {
    return List.copyOf(links);
  }

  /**
   * Delivers every packet due at or before {@code nowNanos} on every link.
   *
   * @param nowNanos the driving clock's time
   */
  public void advance(long nowNanos) {
    for (int i = 0; i < links.size(); i++) { // indexed: no iterator per call
      links.get(i).deliverDue(nowNanos);
    }
  }

  /**
   * The earliest time a packet in flight is due.
   *
   * @return nanoseconds on the driving clock, or {@link Long#MAX_VALUE} if none is in flight
   */
  public long nextDueNanos() {
    long next = Long.MAX_VALUE;
    for (int i = 0; i < links.size(); i++) {
      next = Math.min(next, links.get(i).nextDueNanos());
    }
    return next;
  }

  /**
   * Drives the network on the real clock ({@link System#nanoTime()}) from a daemon platform
   * thread, for hosts that run on real threads too. The thread sleeps until the next packet held
   * in flight is due, or until a link holds one back (an unimpaired link passes packets straight
   * through and never needs it), so an idle network costs no CPU. Closing the handle stops the
   * thread; links must all be created before this is called.
   *
   * @return the handle that stops the thread (waiting up to 5 s for it)
   */
  public AutoCloseable runInRealTime() {
    Thread thread = Thread.ofPlatform().name("sluice-simulated-network").daemon(true).unstarted(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        long now = System.nanoTime();
        advance(now);
        long next = nextDueNanos();
        // A packet held back after nextDueNanos looked unparks us (packetHeld): the permit makes
        // this park return at once, so it is not missed. The bound only limits the damage of a bug.
        long wait = next == Long.MAX_VALUE ? 1_000_000_000L : Math.min(1_000_000_000L, next - now);
        if (wait > 0) {
          LockSupport.parkNanos(this, wait);
        }
      }
    });
    pump = thread;
    thread.start();
    return () -> {
      pump = null;
      thread.interrupt();
      thread.join(5_000);
    };
  }

  /** A link has just held a packet back for later delivery: the pump must recompute its sleep. */
  private void packetHeld() {
    Thread t = pump;
    if (t != null) {
      LockSupport.unpark(t);
    }
  }
}
