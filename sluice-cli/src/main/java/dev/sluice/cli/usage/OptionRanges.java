package dev.sluice.cli.usage;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * Range checks for numeric options, run at the top of a command before any work starts, so a value
 * the run cannot hold (a hundred thousand worker threads, a 2 GB message per connection) is one
 * usage line naming the option as typed, not an {@code OutOfMemoryError} minutes later.
 *
 * <p>Each method returns the value it checked, so a check reads as an assignment. Stateless; any
 * thread.
 */
public final class OptionRanges {
  private OptionRanges() {}

  /** {@code value} if it is in [{@code min}, {@code max}], else a usage error naming {@code option}. */
  public static int check(CommandSpec spec, String option, int value, int min, int max) {
    return (int) check(spec, option, (long) value, min, max);
  }

  /** {@code value} if it is in [{@code min}, {@code max}], else a usage error naming {@code option}. */
  public static long check(CommandSpec spec, String option, long value, long min, long max) {
    if (value < min || value > max) {
      throw new ParameterException(spec.commandLine(), option + " must be in [" + min + ", " + max + "]: " + value);
    }
    return value;
  }

  /** {@code value} if it is in [{@code min}, {@code max}] (NaN never is), else a usage error. */
  public static double check(CommandSpec spec, String option, double value, double min, double max) {
    if (!(value >= min && value <= max)) {
      throw new ParameterException(spec.commandLine(), option + " must be in [" + plain(min) + ", " + plain(max)
          + "]: " + value);
    }
    return value;
  }

  /** A probability: in [0, 1], and said to be one. */
  public static double probability(CommandSpec spec, String option, double value) {
    if (!(value >= 0 && value <= 1)) {
      throw new ParameterException(spec.commandLine(), option + " must be a probability in [0, 1]: " + value);
    }
    return value;
  }

  /** 1.0 as "1", 0.5 as "0.5": a bound as a person writes it. */
  private static String plain(double bound) {
    return bound == Math.rint(bound) && Math.abs(bound) < 1e15 ? Long.toString((long) bound) : Double.toString(bound);
  }
}
