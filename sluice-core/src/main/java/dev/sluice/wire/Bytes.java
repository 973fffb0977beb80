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
 */
public final class Bytes {
  private static final VarHandle U16 =
      MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle U32 =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle U64 =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  private Bytes() {}

  public static int u8(byte[] buf, int off) {
    return buf[off] & 0xFF;
  }

  public static int u16(byte[] buf, int off) {
    return ((short) U16.get(buf, off)) & 0xFFFF;
  }

  /** A 32-bit field as a Java {@code int}; sequence numbers are compared modulo 2^32 elsewhere. */
  public static int i32(byte[] buf, int off) {
    return (int) U32.get(buf, off);
  }

  public static long u32(byte[] buf, int off) {
    return i32(buf, off) & 0xFFFF_FFFFL;
  }

  public static long i64(byte[] buf, int off) {
    return (long) U64.get(buf, off);
  }

  public static void put8(byte[] buf, int off, int value) {
    buf[off] = (byte) value;
  }

  public static void put16(byte[] buf, int off, int value) {
    U16.set(buf, off, (short) value);
  }

  public static void put32(byte[] buf, int off, int value) {
    U32.set(buf, off, value);
  }

  public static void put64(byte[] buf, int off, long value) {
    U64.set(buf, off, value);
  }

  /** True if {@code [off, off + len)} lies inside {@code buf}; overflow-safe. */
  public static boolean inBounds(byte[] buf, int off, int len) {
    return off >= 0 && len >= 0 && off <= buf.length - len;
  }
}
