package dev.sluice.link;

import java.lang.reflect.Method;

/**
 * Bytes allocated so far by a thread ({@code com.sun.management.ThreadMXBean}), for tests that
 * check a path allocates nothing. Reached by reflection because the core module does not read
 * {@code jdk.management}; the tests run on the class path, where the call is allowed. Each reading
 * boxes one {@code Long}.
 */
final class ThreadAllocation {
  private static final Object BEAN;
  private static final Method CURRENT;
  private static final Method OF;

  static {
    try {
      BEAN = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
      Class<?> bean = Class.forName("com.sun.management.ThreadMXBean");
      CURRENT = bean.getMethod("getCurrentThreadAllocatedBytes");
      OF = bean.getMethod("getThreadAllocatedBytes", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private ThreadAllocation() {}

  static long current() {
    try {
      return (long) CURRENT.invoke(BEAN);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  static long of(Thread thread) {
    try {
      return (long) OF.invoke(BEAN, thread.threadId());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }
}
