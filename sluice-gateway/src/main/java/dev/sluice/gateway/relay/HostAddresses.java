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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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

  /** This host's interfaces, re-read at most once a second on a virtual thread. */
  static HostAddresses ofThisHost() throws IOException {
    return new HostAddresses(HostAddresses::interfaceAddresses, System::nanoTime, INTERVAL_NANOS,
        task -> Thread.ofVirtual().name("sluice-gateway-host-addresses").start(task));
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
