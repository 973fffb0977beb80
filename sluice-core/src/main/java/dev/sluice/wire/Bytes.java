package dev.sluice.wire;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Network-byte-order (big-endian) field access on {@code byte[]} buffers.
 *
 * <p>Every multi-byte field on the wire is big-endian (RFC 791 Appendix B). The accessors use
 * byte-array view {@link VarHandle}s, which the JIT compiles to single loads and stores. Callers
 * bounds-check before they read: a view validates lengths once in its {@code wrap} method, and the
 * getters after that never read outside the validated region.
 *
 * <p>The methods are stateless and thread-safe as far as the array allows: the caller owns the
 * buffer and its visibility between threads. An offset outside the array throws
 * {@link IndexOutOfBoundsException} (an {@link ArrayIndexOutOfBoundsException} for single bytes).
 */
public final class Bytes {
  private static final VarHandle U16 =
      MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle U32 =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle U64 =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  private Bytes() {}

  /**
   * Reads an unsigned 8-bit field.
   *
   * @param buf the buffer
   * @param off the field's offset
   * @return the value, 0 to 255
   */
  public static int u8(byte[] buf, int off) {
    return buf[off] & 0xFF;
  }

  /**
   * Reads an unsigned 16-bit field in network byte order.
   *
   * @param buf the buffer
   * @param off the offset of the field's first (high-order) byte
   * @return the value, 0 to 65,535
   */
  public static int u16(byte[] buf, int off) {
    return ((short) U16.get(buf, off)) & 0xFFFF;
  }

  /**
   * A 32-bit field in network byte order as a Java {@code int}; sequence numbers are compared modulo
   * 2^32 elsewhere.
   *
   * @param buf the buffer
   * @param off the offset of the field's first (high-order) byte
   * @return the 32 bits, negative when the high bit is set
   */
  public static int i32(byte[] buf, int off) {
    return (int) U32.get(buf, off);
  }

  /**
   * Reads an unsigned 32-bit field in network byte order.
   *
   * @param buf the buffer
   * @param off the offset of the field's first (high-order) byte
   * @return the value, 0 to 2^32 - 1
   */
  public static long u32(byte[] buf, int off) {
    return i32(buf, off) & 0xFFFF_FFFFL;
  }

  /**
   * Reads a 64-bit field in network byte order (half an IPv6 address, say).
   *
   * @param buf the buffer
   * @param off the offset of the field's first (high-order) byte
   * @return the 64 bits as a signed {@code long}
   */
  public static long i64(byte[] buf, int off) {
    return (long) U64.get(buf, off);
  }

  /**
   * Writes an 8-bit field.
   *
   * @param buf the buffer
   * @param off the field's offset
   * @param value the value; only its low 8 bits are written
   */
  public static void put8(byte[] buf, int off, int value) {
    buf[off] = (byte) value;
  }

  /**
   * Writes a 16-bit field in network byte order.
   *
   * @param buf the buffer
   * @param off the offset of the field's first (high-order) byte
   * @param value the value; only its low 16 bits are written
   */
  public static void put16(byte[] buf, int off, int value) {
    U16.set(buf, off, (short) value);
  }

  /**
   * Writes a 32-bit field in network byte order.
   *
   * @param buf the buffer
   * @param off the offset of the field's first (high-order) byte
   * @param value the value
   */
  public static void put32(byte[] buf, int off, int value) {
    U32.set(buf, off, value);
  }

  /**
   * Writes a 64-bit field in network byte order.
   *
   * @param buf the buffer
   * @param off the offset of the field's first (high-order) byte
   * @param value the value
   */
  public static void put64(byte[] buf, int off, long value) {
    U64.set(buf, off, value);
  }

  /**
   * True if {@code [off, off + len)} lies inside {@code buf}; overflow-safe.
   *
   * @param buf the buffer
   * @param off the region's first byte
   * @param len the region's length in bytes
   * @return {@code true} if {@code off} and {@code len} are not negative and the region ends inside
   *     the array; never throws for any {@code int} values
   */
  public static boolean inBounds(byte[] buf, int off, int len) {
    return off >= 0 && len >= 0 && off <= buf.length - len;
  }
}
