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

  /**
   * The least bytes this thread allocated in one of {@code rounds} runs of {@code body}: a path
   * that allocates shows in every round, while the JIT's own work at some moment of a run (a KB or
   * two once in a while, when other test classes ran first in the same JVM) shows in one.
   */
  static long leastOf(int rounds, Runnable body) {
    long least = Long.MAX_VALUE;
    for (int round = 0; round < rounds; round++) {
      long before = now();
      body.run();
      least = Math.min(least, now() - before);
    }
    return least;
  }

  static long now() {
    try {
      return (long) CURRENT.invoke(BEAN);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }
}
