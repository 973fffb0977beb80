package dev.sluice.stack;

import java.lang.reflect.Method;

/**
 * Bytes allocated so far by the current thread ({@code com.sun.management.ThreadMXBean}), for
 * tests that check a path allocates nothing. Reached by reflection because the tests compile inside
 * module {@code dev.sluice.core}, which (being JDK-base only) does not read {@code jdk.management};
 * they run on the class path, where the call is allowed. Each reading boxes one {@code Long}.
 */
final class AllocatedBytes {
  private static final Object BEAN;
  private static final Method CURRENT;

  static {
    try {
      BEAN = Class.forName("java.lang.management.ManagementFactory")
          .getMethod("getThreadMXBean").invoke(null);
      CURRENT = Class.forName("com.sun.management.ThreadMXBean")
          .getMethod("getCurrentThreadAllocatedBytes");
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private AllocatedBytes() {}

  static long now() {
    try {
      return (long) CURRENT.invoke(BEAN);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }
}
