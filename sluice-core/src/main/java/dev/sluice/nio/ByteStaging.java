package dev.sluice.nio;

import dev.sluice.stack.Connection;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Moves bytes between a connection and a {@link ByteBuffer}: straight through the backing array
 * of a heap buffer; for a direct or read-only one, a write goes straight from the buffer into the
 * send buffer, and a read through a reused staging array (so a channel that Netty feeds with
 * pooled direct buffers allocates nothing per call).
 *
 * <p><b>Threads.</b> Reads and writes may run at once; only reads use the array, and the
 * channel's read lock keeps them to one thread.
 */
final class ByteStaging {
  /** The most bytes one staged call moves: the size of the arrays, made on first use. */
  static final int CHUNK = 64 * 1024;

  private byte[] reading;

  /**
   * Reads into {@code dst}: the count (which {@code dst}'s position has moved by), -1 at
   * end-of-stream, or 0 when not {@code blocking} and nothing is readable.
   */
  int read(Connection c, ByteBuffer dst, boolean blocking) throws IOException {
    int len = dst.remaining();
    if (dst.hasArray()) {
      int off = dst.arrayOffset() + dst.position();
      int n = blocking ? c.read(dst.array(), off, len, 0) : c.readNow(dst.array(), off, len);
      if (n > 0) {
        dst.position(dst.position() + n);
      }
      return n;
    }
    if (reading == null) {
      reading = new byte[CHUNK];
    }
    int chunk = Math.min(len, CHUNK);
    int n = blocking ? c.read(reading, 0, chunk, 0) : c.readNow(reading, 0, chunk);
    if (n > 0) {
      dst.put(reading, 0, n);
    }
    return n;
  }

  /**
   * Writes from {@code src}: all of it when {@code blocking}, else what the send buffer takes now.
   * Returns the count, which {@code src}'s position has moved by.
   */
  int write(Connection c, ByteBuffer src, boolean blocking) throws IOException {
    int len = src.remaining();
    if (len == 0) {
      return 0;
    }
    if (src.hasArray()) {
      int off = src.arrayOffset() + src.position();
      int n;
      if (blocking) {
        c.write(src.array(), off, len, 0);
        n = len;
      } else {
        n = c.writeNow(src.array(), off, len);
      }
      src.position(src.position() + n);
      return n;
    }
    if (blocking) {
      c.write(src, 0); // moves src's position as the send buffer takes the bytes
      return len;
    }
    return c.writeNow(src);
  }
}
