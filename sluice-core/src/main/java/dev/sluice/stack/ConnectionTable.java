package dev.sluice.stack;

import dev.sluice.tcp.SipHash;
import dev.sluice.tcp.TcpEndpoints;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.security.SecureRandom;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * The established-connection table: 4-tuple (and address family) to connection. Every arriving
 * segment is looked up here by a receive worker (docs/architecture.md, the receive path), on several cores
 * at once, so lookups take no lock and allocate nothing: {@link #get(boolean, long, long, int, long,
 * long, int)} takes the tuple as primitives, so there is no key object, no boxing and no iterator.
 *
 * <h2>Layout</h2>
 *
 * Open addressing with linear probing over a power-of-two array of immutable {@code Entry} objects
 * (the key fields, a cached hash and the value, all final). A slot is {@code null} (never used
 * since the array was built), an entry, or the {@code TOMBSTONE} sentinel (an entry was removed
 * there). At most half the slots are non-null, so a probe always reaches a {@code null} soon, and
 * every entry sits in the first free (null or tombstone) slot of its probe sequence at the time it
 * was inserted. Growth, shrinkage and tombstone clean-up all build a fresh array off to the side
 * and publish it by one volatile write; an array is never mutated after it has been replaced.
 *
 * <h2>Concurrency rules</h2>
 *
 * <ul>
 *   <li><b>Writers</b> ({@link #putIfAbsent}, {@link #remove}) serialize on one private monitor.
 *       Inside it they read the current array, and change it only by storing an entry or the
 *       tombstone into a slot with release semantics, or by replacing the whole array. A slot that
 *       is non-null in a published array never becomes null again in that array; an entry never
 *       moves within an array.
 *   <li><b>Readers</b> ({@link #get}, {@link #forEach}, {@link #size}) take no lock: they read the
 *       array reference once (volatile) and each slot with acquire semantics, which makes every
 *       field of an entry they see visible (the fields are final as well). A reader probes at most
 *       capacity slots, so it terminates even in a table it does not expect.
 *   <li><b>What a reader may assume</b>: a key present before a lookup begins and still present
 *       when it ends is found, even across a concurrent resize (the old array is frozen with the key
 *       in it, and the new one has it too), and even while other keys are removed and added around
 *       it (the slots before it in its probe sequence were occupied when it was inserted and can
 *       only turn into tombstones or other entries, never into {@code null}). {@code get},
 *       {@code putIfAbsent} and {@code remove} are linearizable (ConnectionTableLincheckTest).
 *   <li>{@link #size} is a volatile read of a count the writers keep: exact when no writer is
 *       active, possibly one change behind a write in progress. It is for statistics, not for
 *       decisions; connection caps (hostile inputs, row 32) are enforced by the caller under its own
 *       accounting.
 *   <li>{@link #forEach} is weakly consistent, like {@code ConcurrentHashMap}'s iterators: it walks
 *       the array current when it starts, sees every entry present for the whole walk exactly once,
 *       may or may not see entries added or removed meanwhile, and may see a key twice if it was
 *       removed and re-added during the walk. It never throws {@code
 *       ConcurrentModificationException}.
 * </ul>
 *
 * <h2>Hashing</h2>
 *
 * Peers choose their own addresses and ports, and an attacker who could predict our hash could
 * open (or spoof SYNs for) connections whose tuples all land in one probe run, turning every lookup
 * into a linear scan of the table: hash flooding (Crosby and Wallach, USENIX Security 2003; the
 * connection flood of hostile inputs, row 32, with tuples chosen to collide). Seeding a fast
 * non-cryptographic mix (MurmurHash3 and friends) with a random value is not enough: those have
 * seed-independent multicollisions (Aumasson, Bernstein and Boßlet, 29C3, 2012). So the tuple is
 * hashed with {@link SipHash} SipHash-2-4, a keyed PRF, under a 128-bit per-table key drawn from
 * {@link SecureRandom} (a {@code SplittableRandom} seed is guessable from the clock). Without the
 * key, the slots of chosen tuples are as good as uniformly random, so probe runs stay short whatever
 * the peer sends. IPv4 tuples hash as two words and IPv6 tuples as five, so the cost is paid once
 * per segment and is small next to the engine's work. Tests and deterministic simulations pass the
 * key explicitly, because {@link #forEach} order depends on it.
 *
 * <p>The value is compared by identity in {@link #remove}: a connection removes its own mapping
 * and never that of a successor on the same tuple.
 *
 * @param <V> the connection type
 */
final class ConnectionTable<V> {
  private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(Entry[].class);

  /** Marks a slot whose entry was removed: readers and writers probe past it, writers reuse it. */
  private static final Entry<Object> TOMBSTONE = new Entry<>(0, new TcpEndpoints(false, 0, 0, 0, 0, 0, 0), null);

  /** Slot arrays never exceed this, so capacity arithmetic cannot overflow an int. */
  private static final int MAX_CAPACITY = 1 << 30;

  private final long key0;
  private final long key1;
  private final int minCapacity;
  private final Object writeLock = new Object();

  /** The current slot array; replaced, never shrunk or grown in place. */
  private volatile Entry<V>[] table;

  /** Entries in the table; volatile so {@link #size} needs no lock. Written under the lock. */
  private volatile int size;

  // Guarded by writeLock.
  /** Non-null slots (entries and tombstones) of the current array. */
  private int used;
  /** Tombstones in the current array. */
  private int tombstones;

  /**
   * A table sized for {@code initialCapacity} connections without resizing, keyed with 128 bits
   * from {@link SecureRandom}.
   */
  public ConnectionTable(int initialCapacity) {
    this(initialCapacity, new SecureRandom());
  }

  /**
   * A table with the given hash key: deterministic, for tests and simulations. Production code
   * uses {@link #ConnectionTable(int)}, because a key a peer can learn or guess lets it flood the
   * table (see the class comment).
   */
  public ConnectionTable(int initialCapacity, long key0, long key1) {
    if (initialCapacity < 0 || initialCapacity > MAX_CAPACITY / 2) {
      throw new IllegalArgumentException(
          "initial capacity must be 0 to " + MAX_CAPACITY / 2 + ": " + initialCapacity);
    }
    this.key0 = key0;
    this.key1 = key1;
    this.minCapacity = powerOfTwoAtLeast(Math.max(2, 2 * initialCapacity));
    this.table = newArray(minCapacity);
  }

  private ConnectionTable(int initialCapacity, SecureRandom random) {
    this(initialCapacity, random.nextLong(), random.nextLong());
  }

  // ---------------------------------------------------------------- readers: lock-free

  /**
   * The connection of this tuple, or {@code null}. Lock-free and allocation-free; for IPv4 pass
   * the addresses as {@code high = 0}, {@code low = address & 0xFFFFFFFFL}, as {@link TcpEndpoints}
   * holds them.
   */
  public V get(boolean ipv6, long localHigh, long localLow, int localPort, long remoteHigh,
      long remoteLow, int remotePort) {
    int hash = hash(ipv6, localHigh, localLow, localPort, remoteHigh, remoteLow, remotePort);
    Entry<V>[] slots = table;
    int mask = slots.length - 1;
    for (int i = hash & mask, probes = 0; probes <= mask; i = (i + 1) & mask, probes++) {
      @SuppressWarnings("unchecked")
      Entry<V> e = (Entry<V>) SLOTS.getAcquire(slots, i);
      if (e == null) {
        return null;
      }
      if (e != TOMBSTONE && e.hash == hash
          && e.matches(ipv6, localHigh, localLow, localPort, remoteHigh, remoteLow, remotePort)) {
        return e.value;
      }
    }
    return null;
  }

  /** The connection of {@code key}, or {@code null}. Lock-free and allocation-free. */
  public V get(TcpEndpoints key) {
    return get(key.ipv6(), key.localHigh(), key.localLow(), key.localPort(), key.remoteHigh(),
        key.remoteLow(), key.remotePort());
  }

  /** The number of connections; see the class comment for what it promises under concurrency. */
  public int size() {
    return size;
  }

  /**
   * Calls {@code action} for each mapping, without locking: weakly consistent (see the class
   * comment). Allocates one {@link TcpEndpoints} per entry, so it is for listings and statistics,
   * not for the packet path.
   */
  public void forEach(BiConsumer<? super TcpEndpoints, ? super V> action) {
    Objects.requireNonNull(action, "action");
    Entry<V>[] slots = table;
    for (int i = 0; i < slots.length; i++) {
      @SuppressWarnings("unchecked")
      Entry<V> e = (Entry<V>) SLOTS.getAcquire(slots, i);
      if (e != null && e != TOMBSTONE) {
        action.accept(e.key, e.value);
      }
    }
  }

  // ---------------------------------------------------------------- writers: under writeLock

  /**
   * Maps {@code key} to {@code value} unless the key is mapped already.
   *
   * @return the existing connection, or {@code null} if {@code value} was added
   * @throws IllegalArgumentException if the key is malformed (a port outside 0 to 65535, or an
   *     IPv4 address not in the {@code high = 0}, 32-bit {@code low} form)
   */
  public V putIfAbsent(TcpEndpoints key, V value) {
    Objects.requireNonNull(value, "value");
    validate(key);
    int hash = hash(key);
    synchronized (writeLock) {
      Entry<V>[] slots = table;
      int mask = slots.length - 1;
      int free = -1;
      for (int i = hash & mask, probes = 0; probes <= mask; i = (i + 1) & mask, probes++) {
        Entry<V> e = slots[i]; // plain read: only lock holders write, and we hold the lock
        if (e == null) {
          if (free < 0) {
            free = i;
          }
          break;
        }
        if (e == TOMBSTONE) {
          if (free < 0) {
            free = i;
          }
        } else if (e.hash == hash && e.matches(key)) {
          return e.value;
        }
      }
      if (free < 0 || slots[free] == null) {
        // A fresh slot: keep at least half the array null so probes stay short and end.
        if (free < 0 || used + 1 > slots.length / 2) {
          slots = rebuild(size + 1);
          free = firstFreeSlot(slots, hash);
        }
        used++;
      } else {
        tombstones--;
      }
      SLOTS.setRelease(slots, free, new Entry<>(hash, key, value));
      size = size + 1;
      return null;
    }
  }

  /**
   * Removes the mapping of {@code key} if it maps to {@code value} itself (compared by identity).
   *
   * @return whether the mapping was removed
   */
  public boolean remove(TcpEndpoints key, V value) {
    Objects.requireNonNull(key, "key");
    int hash = hash(key);
    synchronized (writeLock) {
      Entry<V>[] slots = table;
      int mask = slots.length - 1;
      for (int i = hash & mask, probes = 0; probes <= mask; i = (i + 1) & mask, probes++) {
        Entry<V> e = slots[i];
        if (e == null) {
          return false;
        }
        if (e != TOMBSTONE && e.hash == hash && e.matches(key)) {
          if (e.value != value) {
            return false;
          }
          @SuppressWarnings("unchecked")
          Entry<V> tombstone = (Entry<V>) (Entry<?>) TOMBSTONE;
          SLOTS.setRelease(slots, i, tombstone);
          tombstones++;
          size = size - 1;
          // Tombstones lengthen every probe that crosses them, and a big array would hold memory
          // long after a connection flood has gone (hostile inputs, row 32). So rebuild once
          // tombstones fill a quarter of the array, or once it is grown and at most an eighth full.
          // Either needs a constant fraction of the array in removals since the last rebuild (which
          // left it at least a sixth full, or at its minimum size), so the cost is amortized O(1).
          if (tombstones >= Math.max(1, slots.length / 4)
              || (slots.length > minCapacity && size <= slots.length / 8)) {
            rebuild(size);
          }
          return true;
        }
      }
      return false;
    }
  }

  // ---------------------------------------------------------------- internals

  /**
   * Builds an array for {@code entries} connections holding the current entries, and publishes it.
   * Sized so that afterwards at most a third of it is used, which leaves room to grow before the
   * next rebuild (amortized O(1) per insertion). Caller holds the lock.
   */
  private Entry<V>[] rebuild(int entries) {
    long wanted = Math.max((long) minCapacity, 3L * entries);
    if (wanted > MAX_CAPACITY) {
      throw new IllegalStateException("connection table full: " + entries + " entries");
    }
    Entry<V>[] old = table;
    Entry<V>[] fresh = newArray(powerOfTwoAtLeast((int) wanted));
    int count = 0;
    for (Entry<V> e : old) {
      if (e != null && e != TOMBSTONE) {
        fresh[firstFreeSlot(fresh, e.hash)] = e; // plain stores: published below
        count++;
      }
    }
    used = count;
    tombstones = 0;
    table = fresh; // volatile write: publishes the plain stores above
    return fresh;
  }

  /** The first null or tombstone slot of the probe sequence of {@code hash}. Caller holds the lock. */
  private static int firstFreeSlot(Entry<?>[] slots, int hash) {
    int mask = slots.length - 1;
    int i = hash & mask;
    while (slots[i] != null && slots[i] != TOMBSTONE) {
      i = (i + 1) & mask;
    }
    return i;
  }

  private int hash(TcpEndpoints key) {
    return hash(key.ipv6(), key.localHigh(), key.localLow(), key.localPort(), key.remoteHigh(),
        key.remoteLow(), key.remotePort());
  }

  /**
   * SipHash-2-4 of the tuple under this table's key (see the class comment). IPv4 packs both
   * addresses into one word, which loses nothing for the validated keys {@link #putIfAbsent}
   * stores; an ill-formed key passed to {@link #get} merely hashes somewhere and is not found,
   * because entries are matched on every field.
   */
  private int hash(boolean ipv6, long localHigh, long localLow, int localPort, long remoteHigh,
      long remoteLow, int remotePort) {
    long ports = ((long) localPort << 32) | (remotePort & 0xFFFF_FFFFL);
    long h = ipv6
        ? SipHash.hash5(key0, key1, localHigh, localLow, remoteHigh, remoteLow, ports)
        : SipHash.hash2(key0, key1, (localLow << 32) | (remoteLow & 0xFFFF_FFFFL), ports);
    return (int) (h ^ (h >>> 32));
  }

  private static void validate(TcpEndpoints key) {
    Objects.requireNonNull(key, "key");
    boolean ok = (key.localPort() & ~0xFFFF) == 0 && (key.remotePort() & ~0xFFFF) == 0
        && (key.ipv6() || (key.localHigh() == 0 && key.remoteHigh() == 0
            && (key.localLow() >>> 32) == 0 && (key.remoteLow() >>> 32) == 0));
    if (!ok) {
      throw new IllegalArgumentException("malformed connection key: " + key);
    }
  }

  private static int powerOfTwoAtLeast(int n) {
    return n <= 1 ? 1 : Integer.highestOneBit(n - 1) << 1;
  }

  @SuppressWarnings("unchecked")
  private static <V> Entry<V>[] newArray(int capacity) {
    return (Entry<V>[]) new Entry<?>[capacity];
  }

  // ---------------------------------------------------------------- for tests

  /** The length of the current slot array. */
  int capacity() {
    return table.length;
  }

  /**
   * The longest run of slots a successful lookup probes in the current array (1 = found at its
   * home slot): the quantity hash flooding tries to blow up.
   */
  int longestProbe() {
    Entry<V>[] slots = table;
    int mask = slots.length - 1;
    int longest = 0;
    for (int i = 0; i < slots.length; i++) {
      Entry<V> e = slots[i];
      if (e != null && e != TOMBSTONE) {
        longest = Math.max(longest, ((i - (e.hash & mask)) & mask) + 1);
      }
    }
    return longest;
  }

  /**
   * One immutable mapping: published with release semantics, and every field is final too. It
   * points at the caller's key rather than copying it, which keeps an entry at 24 bytes.
   */
  private static final class Entry<V> {
    final int hash;
    final TcpEndpoints key;
    final V value;

    Entry(int hash, TcpEndpoints key, V value) {
      this.hash = hash;
      this.key = key;
      this.value = value;
    }

    boolean matches(boolean ipv6, long localHigh, long localLow, int localPort, long remoteHigh,
        long remoteLow, int remotePort) {
      TcpEndpoints k = key;
      return k.localPort() == localPort && k.remotePort() == remotePort
          && k.localLow() == localLow && k.remoteLow() == remoteLow
          && k.localHigh() == localHigh && k.remoteHigh() == remoteHigh && k.ipv6() == ipv6;
    }

    boolean matches(TcpEndpoints other) {
      return key.equals(other);
    }
  }
}
