package dev.sluice.tcp;

/**
 * The send side's bytes: everything the application wrote that the peer has not acknowledged,
 * starting at SND.UNA. Sent-but-unacknowledged bytes come first, then bytes not yet sent; the
 * engine tracks where SND.NXT falls. Retransmissions copy out of the same ring, so a byte is held
 * once however often it is sent.
 *
 * <p>The ring is allocated on the first write, starts small and doubles as data needs it, up to
 * the capacity; it can be released when empty, so an idle connection holds no buffer and ten
 * thousand connections that each wrote a few bytes hold a few kilobytes each, not the capacity.
 * Not thread-safe: the connection's owner drives it.
 */
final class SendBuffer {
  /**
   * The first ring (the receive side's too): small, so a connection that carries a short request
   * and reply allocates and zeroes 256 bytes per ring instead of a page (at 20,000 connections a
   * second that was a quarter of a GB a second of garbage, and a tenth of the CPU in zeroing and
   * collecting it); a bulk flow doubles past it in four more steps than from a page, once.
   */
  static final int INITIAL_RING = 256;

  /**
   * The most it holds; changes only through {@link #capacity(int)}, when the buffer grows. The
   * size it returns to is the configuration's, not kept here: every idle connection holds one of
   * these, and one more field made each 8 bytes larger.
   */
  private int capacity;
  private byte[] ring;
  private int head;
  private int length;

  public SendBuffer(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("send buffer capacity must be positive: " + capacity);
    }
    this.capacity = capacity;
  }

  /** Forgets every byte held: for a connection that closed, whose bytes will never be sent. */
  public void discard() {
    head = 0;
    length = 0;
  }

  public int capacity() {
    return capacity;
  }

  /**
   * Sets the most the buffer holds: larger as a connection's window grows, back to its first size
   * when it is empty again. The ring itself grows only as data needs it.
   *
   * @param newCapacity at least the bytes held now, and positive
   */
  public void capacity(int newCapacity) {
    if (newCapacity < 1 || newCapacity < length) {
      throw new IllegalArgumentException("send buffer capacity " + newCapacity + " below the " + length + " bytes held");
    }
    capacity = newCapacity;
  }

  /** Bytes held: unacknowledged plus unsent. */
  public int length() {
    return length;
  }

  public int free() {
    return capacity - length;
  }

  public boolean isAllocated() {
    return ring != null;
  }

  /** Appends up to {@code len} bytes; returns how many fitted. */
  public int write(byte[] src, int off, int len) {
    int n = Math.min(len, free());
    if (n <= 0) {
      return 0;
    }
    int at = claim(n);
    int first = Math.min(n, ring.length - at);
    System.arraycopy(src, off, ring, at, first);
    if (first < n) {
      System.arraycopy(src, off + first, ring, 0, n - first);
    }
    length += n;
    return n;
  }

  /**
   * Appends up to {@code len} bytes of {@code src} from its index {@code index} (absolute: the
   * buffer's position does not move), so a direct buffer's bytes are copied once, straight into
   * the ring; returns how many fitted.
   */
  public int write(java.nio.ByteBuffer src, int index, int len) {
    int n = Math.min(len, free());
    if (n <= 0) {
      return 0;
    }
    int at = claim(n);
    int first = Math.min(n, ring.length - at);
    src.get(index, ring, at, first);
    if (first < n) {
      src.get(index + first, ring, 0, n - first);
    }
    length += n;
    return n;
  }

  /** Makes room for {@code n} more bytes; returns where in the ring they start. */
  private int claim(int n) {
    ensureRing(length + n);
    int at = head + length;
    return at >= ring.length ? at - ring.length : at;
  }

  /** Drops the first {@code n} bytes, which the peer has acknowledged (SND.UNA advanced by n). */
  public void acknowledge(int n) {
    if (n < 0 || n > length) {
      throw new IllegalArgumentException("cannot acknowledge " + n + " of " + length + " bytes");
    }
    head += n;
    if (ring != null && head >= ring.length) {
      head -= ring.length;
    }
    length -= n;
  }

  /** Copies {@code len} bytes starting {@code offset} bytes after SND.UNA into {@code dst}. */
  public void copy(int offset, byte[] dst, int dstOff, int len) {
    if (offset < 0 || len < 0 || offset + len > length) {
      throw new IndexOutOfBoundsException(
          "range [" + offset + ", " + (offset + len) + ") outside the " + length + " bytes held");
    }
    if (len == 0) {
      return;
    }
    int size = ring.length;
    int at = head + offset;
    if (at >= size) {
      at -= size;
    }
    int first = Math.min(len, size - at);
    System.arraycopy(ring, at, dst, dstOff, first);
    if (first < len) {
      System.arraycopy(ring, 0, dst, dstOff + first, len - first);
    }
  }

  /** Makes the ring hold at least {@code needed} bytes, keeping what it holds in order. */
  private void ensureRing(int needed) {
    if (ring != null && ring.length >= needed) {
      return;
    }
    int size = ring == null ? INITIAL_RING : ring.length;
    while (size < needed) {
      size *= 2;
    }
    size = Math.min(size, capacity);
    byte[] grown = new byte[size];
    if (ring != null && length > 0) {
      int first = Math.min(length, ring.length - head);
      System.arraycopy(ring, head, grown, 0, first);
      System.arraycopy(ring, 0, grown, first, length - first);
    }
    ring = grown;
    head = 0;
  }

  /** Frees the ring if it holds nothing. */
  public boolean releaseIfEmpty() {
    if (ring != null && length == 0) {
      ring = null;
      head = 0;
      return true;
    }
    return false;
  }
}
