package dev.sluice.stack;

/**
 * Where the runtime gets the time. The engine never reads a clock; the runtime reads this one and
 * passes the value in: {@link #SYSTEM} in production, a virtual clock in simulation.
 */
@FunctionalInterface
public interface Clock {
  Clock SYSTEM = System::nanoTime;

  long nanos();
}
