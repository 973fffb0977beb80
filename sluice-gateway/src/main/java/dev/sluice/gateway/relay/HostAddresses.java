package dev.sluice.gateway.relay;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * The addresses of this host's own interfaces (in the network namespace the gateway's sockets live
 * in), each interface's IPv4 broadcast address included: the destinations a guest must not reach
 * unless told it may. Read at construction; then re-read off the packet path: a lookup that finds
 * the snapshot older than the interval (a second) has it re-read on another thread and answers
 * from the old one meanwhile, so an address added to the host later is covered within about a
 * second after the next lookup, and a lookup never waits for the kernel.
 *
 * <p>Thread-safe: lookups read an immutable snapshot through a volatile field; at most one re-read
 * runs at a time; a re-read that fails keeps the last snapshot.
 */
final class HostAddresses {
  /** Where the addresses come from: this host's interfaces, or a test's list. */
  interface Source {
    Collection<InetAddress> read() throws IOException;
  }

  private static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
  static final String THREAD_NAME = "sluice-gateway-host-addresses";

  private final Source source;
  private final LongSupplier nanoClock;
  private final long intervalNanos;
  private final Executor rereader;
  private final AtomicBoolean rereading = new AtomicBoolean();
  private volatile Snapshot snapshot;
  private volatile long readAt;

  HostAddresses(Source source, LongSupplier nanoClock, long intervalNanos, Executor rereader) throws IOException {
    this.source = source;
    this.nanoClock = nanoClock;
    this.intervalNanos = intervalNanos;
    this.rereader = rereader;
    this.readAt = nanoClock.getAsLong();
    this.snapshot = Snapshot.of(source.read());
  }

  /** Addresses from {@code source}, re-read at most once per {@code intervalNanos} on {@link Rereader}'s thread. */
  HostAddresses(Source source, long intervalNanos) throws IOException {
    this(source, System::nanoTime, intervalNanos, Rereader::later);
  }

  /** This host's interfaces, re-read at most once a second on {@link Rereader}'s thread. */
  static HostAddresses ofThisHost() throws IOException {
    return new HostAddresses(HostAddresses::interfaceAddresses, INTERVAL_NANOS);
  }

  /**
   * The one thread, for the whole JVM, that re-reads this host's addresses. It is parked when there
   * is nothing to re-read, so it costs nothing idle, and the lookup that asks for a re-read only
   * offers to a queue and wakes it.
   *
   * <p>Each re-read starts {@link #DEFER_NANOS} after it was asked for. Measured with lone pings
   * through the gateway on a 2-vCPU VM (one every 200 ms, receiving inline), a re-read that started
   * at once, on a virtual thread as this did before, held up the very packet whose lookup asked for
   * it by 500 to 700 µs, once a second: enumerating the interfaces takes about that long, and the
   * woken thread ran on the packet's own core first. Deferred, that packet pays about 100 µs more
   * than the others (the queue offer and the wake-up, cold), and the re-read runs after it has
   * gone (docs/benchmarks/gateway.md, "The lone ping").
   */
  private static final class Rereader {
    static final long DEFER_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    private static final Executor THREAD = Executors.newSingleThreadExecutor(
        task -> Thread.ofPlatform().daemon().name(THREAD_NAME).unstarted(task));

    static void later(Runnable reread) {
      THREAD.execute(() -> {
        LockSupport.parkNanos(DEFER_NANOS);
        reread.run();
      });
    }
  }

  /** Whether the address ({@code ipv6}, {@code high}, {@code low}; see {@link CidrRange}) is the host's own. */
  boolean contains(boolean ipv6, long high, long low) {
    if (nanoClock.getAsLong() - readAt >= intervalNanos && rereading.compareAndSet(false, true)) {
      try {
        rereader.execute(this::reread);
      } catch (RuntimeException e) { // no thread now: the next lookup asks again
        rereading.set(false);
      }
    }
    return snapshot.contains(ipv6, high, low);
  }

  private void reread() {
    try {
      snapshot = Snapshot.of(source.read());
    } catch (IOException | RuntimeException e) {
      // keep the last snapshot; the next lookup after the interval tries again
    } finally {
      readAt = nanoClock.getAsLong();
      rereading.set(false);
    }
  }

  private static Collection<InetAddress> interfaceAddresses() throws IOException {
    List<InetAddress> all = new ArrayList<>();
    for (NetworkInterface nic : NetworkInterface.networkInterfaces().toList()) {
      for (InterfaceAddress a : nic.getInterfaceAddresses()) {
        all.add(a.getAddress());
        if (a.getBroadcast() != null) {
          all.add(a.getBroadcast());
        }
      }
    }
    return all;
  }

  /** One reading: IPv4 addresses sorted for a binary search; IPv6 ones as (high, low) pairs, few. */
  private record Snapshot(long[] v4, long[] v6) {
    static Snapshot of(Collection<InetAddress> addresses) {
      long[] v4 = new long[addresses.size()];
      long[] v6 = new long[2 * addresses.size()];
      int n4 = 0;
      int n6 = 0;
      for (InetAddress a : addresses) {
        byte[] bytes = a.getAddress();
        if (bytes.length == 4) {
          v4[n4++] = CidrRange.low(bytes);
        } else {
          v6[n6++] = CidrRange.high(bytes);
          v6[n6++] = CidrRange.low(bytes);
        }
      }
      long[] sorted = Arrays.copyOf(v4, n4);
      Arrays.sort(sorted);
      return new Snapshot(sorted, Arrays.copyOf(v6, n6));
    }

    boolean contains(boolean ipv6, long high, long low) {
      if (!ipv6) {
        return Arrays.binarySearch(v4, low) >= 0;
      }
      for (int i = 0; i < v6.length; i += 2) {
        if (v6[i] == high && v6[i + 1] == low) {
          return true;
        }
      }
      return false;
    }
  }
}
