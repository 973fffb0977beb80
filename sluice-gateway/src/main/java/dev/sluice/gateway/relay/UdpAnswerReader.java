package dev.sluice.gateway.relay;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The one thread that reads every UDP flow's answers from the outside (issue 15): a selector over
 * the flows' channels, and on each readable one the flow's own code, which takes what arrived and
 * sends it to the guest before the thread waits again.
 *
 * <p>Why one platform thread: an answer then costs one wake-up, this thread's, as it does in
 * slirp4netns's single loop. A virtual thread per flow blocked in {@code receive} cost two (the
 * JDK's poller thread, then a carrier for the flow's thread): measured with 64-byte UDP round
 * trips through the gateway, about 1.5 times slirp4netns's (docs/benchmarks/gateway.md, "UDP").
 * One thread also holds the one 64 KB buffer every flow reads into, where each flow's thread held
 * its own.
 *
 * <p>Threads: {@link #watch} and {@link #wakeUp} from any thread; everything else, the owners'
 * {@link Owner#readable} included, on this reader's thread. A channel is registered on this thread
 * (a {@link Selector}'s registration from another thread would wait for its selection to end), so
 * {@link #watch} queues it and wakes the selector.
 */
final class UdpAnswerReader implements AutoCloseable {
  static final String THREAD_NAME = "sluice-gateway-udp";
  private static final int LARGEST_DATAGRAM = 65_535;
  private static final System.Logger LOG = System.getLogger("dev.sluice.gateway");

  /** What the owner of a watched channel does when it is readable. */
  interface Owner {
    /**
     * Reads what has arrived, a bounded number of datagrams (a channel that is still readable is
     * selected again at once, after the others), into {@code scratch}, which it may clear and use.
     * Runs on the reader's thread: it must not block. Closing its channel stops the watch.
     */
    void readable(ByteBuffer scratch);
  }

  private record Watch(SelectableChannel channel, Owner owner) {}

  private final Selector selector;
  private final ConcurrentLinkedQueue<Watch> toRegister = new ConcurrentLinkedQueue<>();
  private final Thread thread;
  private volatile boolean closing;

  UdpAnswerReader() throws IOException {
    selector = Selector.open();
    thread = Thread.ofPlatform().daemon().name(THREAD_NAME).start(this::run);
  }

  /** Starts watching {@code channel}, which must be non-blocking, for {@code owner}. */
  void watch(SelectableChannel channel, Owner owner) {
    toRegister.add(new Watch(channel, owner));
    selector.wakeup();
  }

  /**
   * Has the selector let go of the channels closed since its last selection now, rather than at
   * its next wake-up: a closed channel's descriptor is released only once its key is deregistered.
   */
  void wakeUp() {
    selector.wakeup();
  }

  private void run() {
    ByteBuffer scratch = ByteBuffer.allocate(LARGEST_DATAGRAM);
    try {
      while (!closing) {
        for (Watch w; (w = toRegister.poll()) != null; ) {
          try {
            w.channel().register(selector, SelectionKey.OP_READ, w.owner());
          } catch (ClosedChannelException e) {
            // the flow ended before it was watched
          }
        }
        selector.select(key -> readable(key, scratch));
      }
    } catch (IOException | RuntimeException e) { // the selector itself failed: no flow can be read
      if (!closing) {
        LOG.log(System.Logger.Level.ERROR, "sluice gateway: the UDP answer reader stopped", e);
      }
    }
  }

  private static void readable(SelectionKey key, ByteBuffer scratch) {
    try {
      ((Owner) key.attachment()).readable(scratch);
    } catch (RuntimeException e) { // a fault in one flow's code: stop watching it, keep the others
      key.cancel();
      LOG.log(System.Logger.Level.WARNING, "sluice gateway: a UDP flow's answers are no longer read", e);
    }
  }

  /** Stops the thread; the channels stay the flows' to close. */
  @Override
  public void close() throws InterruptedException {
    closing = true;
    selector.wakeup();
    thread.join(Duration.ofSeconds(5));
    try {
      selector.close();
    } catch (IOException e) {
      // nothing more to release
    }
  }
}
