package dev.sluice.link;

/**
 * One packet's bytes, borrowed from a {@link PacketPool} and given back with {@link #release()}.
 * Whoever holds a buffer owns it exclusively: a device hands it to exactly one receiver, and the
 * receiver releases it when done. Exported with {@link Device}, whose {@link Device#poll} returns
 * it: a device of one's own makes these, from a pool or with {@link #copyOf}.
 */
public final class PacketBuffer {
  private final byte[] data;
  private final PacketPool pool;
  private int length;
  /** When the packet arrived, or (inside a link) when it is due to arrive; nanoseconds. */
  long timeNanos;
  /** Transmission order inside a link: breaks ties between packets due at the same instant. */
  long order;
  /** True while the buffer sits in its pool; catches a double release. */
  boolean free = true;
  /** See {@link #tcpChecksumKnownGood()}; cleared when the buffer goes back to its pool. */
  boolean tcpChecksumKnownGood;
  /**
   * The link of the one intrusive list that holds this buffer while its owner queues it (a
   * connection's backlog), so queueing allocates nothing: the same idea as {@code sk_buff}'s next.
   */
  private PacketBuffer next;
  /** {@link #data} as a memory segment, made on first use and kept: see {@link #dataSegment}. */
  private java.lang.foreign.MemorySegment dataSegment;

  PacketBuffer(int capacity, PacketPool pool) {
    this.data = new byte[capacity];
    this.pool = pool;
  }

  /**
   * A buffer that belongs to no pool, holding a copy of {@code src[off, off + len)}; releasing it
   * does nothing and the garbage collector takes it. For packets too rare and too large for a
   * pool, such as reassembled IP datagrams: the hot path never makes one.
   *
   * @param src the bytes to copy
   * @param off where they start in {@code src}
   * @param len how many to copy
   * @return a new buffer of capacity {@code len}, holding the copy
   */
  public static PacketBuffer copyOf(byte[] src, int off, int len) {
    PacketBuffer buffer = new PacketBuffer(len, null);
    buffer.free = false;
    buffer.set(src, off, len);
    return buffer;
  }

  /**
   * The bytes, not a copy; the packet occupies {@code [0, length())}.
   *
   * @return the buffer's array
   */
  public byte[] data() {
    return data;
  }

  /**
   * {@link #data()} as a memory segment, for a device that copies from native memory: made once per
   * buffer, and a pool's buffers are reused, so a copy into it makes no wrapper per packet (which
   * the JIT does not always elide).
   */
  java.lang.foreign.MemorySegment dataSegment() {
    if (dataSegment == null) {
      dataSegment = java.lang.foreign.MemorySegment.ofArray(data);
    }
    return dataSegment;
  }

  /**
   * How many bytes of {@link #data()} the packet occupies.
   *
   * @return the packet's length
   */
  public int length() {
    return length;
  }

  /**
   * The most bytes the buffer holds.
   *
   * @return the length of {@link #data()}
   */
  public int capacity() {
    return data.length;
  }

  /**
   * When the packet arrived.
   *
   * @return nanoseconds, on the clock of whoever drives the device
   */
  public long timeNanos() {
    return timeNanos;
  }

  /**
   * The next buffer in the intrusive list holding this one; only that list's owner uses it. Public
   * because that owner is the runtime ({@code stack}'s backlogs) in another package; a device
   * neither reads nor sets it, and a pool clears it on release.
   *
   * @return the next buffer, or null at the end of the list
   */
  public PacketBuffer next() {
    return next;
  }

  /**
   * Links {@code buffer} after this one; see {@link #next()}.
   *
   * @param buffer the next buffer, or null to end the list here
   */
  public void next(PacketBuffer buffer) {
    next = buffer;
  }

  /**
   * Whether the device vouches for this packet's TCP checksum, so the stack skips verifying it: a
   * TUN device says so for what the local kernel's own TCP built (docs/tun-offloads.md). False for
   * every other packet, which is verified as always.
   *
   * @return true if the TCP checksum is known good
   */
  public boolean tcpChecksumKnownGood() {
    return tcpChecksumKnownGood;
  }

  PacketPool pool() {
    return pool;
  }

  /**
   * Sets how many bytes of {@link #data()} the packet occupies, after a device (or a test) has
   * written them there directly.
   *
   * @param len the packet's length, from 0 to {@link #capacity()}
   * @throws IndexOutOfBoundsException if {@code len} does not fit
   */
  public void setLength(int len) {
    java.util.Objects.checkIndex(len, data.length + 1);
    length = len;
  }

  void set(byte[] src, int off, int len) {
    System.arraycopy(src, off, data, 0, len);
    length = len;
  }

  /** Returns the buffer to its pool (if it has one). The caller must not touch it afterwards. */
  public void release() {
    if (pool != null) {
      pool.release(this);
    }
  }
}
