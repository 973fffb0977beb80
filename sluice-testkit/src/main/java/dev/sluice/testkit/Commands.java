package dev.sluice.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs an external command from a test (ip(8), curl, keytool, a shell script) and waits for it no
 * longer than a bound the caller gives: test tooling only, never shipped with Sluice. A command
 * that fails is a failed test, so {@link #run} and {@link #runAllowingFailure} throw {@link
 * AssertionError} (naming the command, and what it printed) when the command cannot start, outlives
 * its bound (it is then killed, with its children) or, for {@link #run}, exits non-zero; {@link
 * #runQuietly} is for clean-up and never throws.
 *
 * <p>Standard error is merged into standard output, and every command runs with {@code LC_ALL=C}, so
 * the messages and number formats tests look for do not depend on the machine's locale.
 *
 * <p>Threading: stateless, callable from any thread. Each call blocks its caller until the command
 * ends or its bound passes; {@link #run} and {@link #runAllowingFailure} drain the command's output
 * on a virtual thread of their own, so a command that prints more than a pipe holds never stalls.
 */
public final class Commands {
  /**
   * How long, after the command has exited, its output may still take to reach its end: a child
   * the command left running in the background can hold the pipe open, and is not waited for.
   */
  private static final Duration OUTPUT_GRACE = Duration.ofSeconds(5);

  /** A command that finished: its exit status and its output (standard error merged in). */
  public record Result(int exitCode, String output) {}

  private Commands() {}

  /**
   * Runs {@code command} for at most {@code bound} and answers its output, failing the test if it
   * does not finish in time or exits non-zero.
   */
  public static String run(Duration bound, String... command) {
    return run(bound, List.of(command));
  }

  /** As {@link #run(Duration, String...)}, for a command built as a list. */
  public static String run(Duration bound, List<String> command) {
    Result result = runAllowingFailure(bound, command);
    if (result.exitCode() != 0) {
      throw new AssertionError(String.join(" ", command) + " exited " + result.exitCode() + ": "
          + result.output());
    }
    return result.output();
  }

  /**
   * Runs {@code command} for at most {@code bound} and answers how it exited, whatever the status:
   * for tests that look at a failure. Not finishing in time still fails the test.
   */
  public static Result runAllowingFailure(Duration bound, String... command) {
    return runAllowingFailure(bound, List.of(command));
  }

  /** As {@link #runAllowingFailure(Duration, String...)}, for a command built as a list. */
  public static Result runAllowingFailure(Duration bound, List<String> command) {
    String named = String.join(" ", command);
    Process process = start(new ProcessBuilder(command).redirectErrorStream(true), named);
    var output = new ByteArrayOutputStream(); // synchronized: read while the reader may still write
    Thread reader = Thread.ofVirtual().name("commands-output").start(() -> {
      try (var in = process.getInputStream()) {
        in.transferTo(output);
      } catch (IOException e) {
        // the process was killed, or its pipe closed under the reader: what was read is kept
      }
    });
    try {
      if (!process.waitFor(bound.toNanos(), TimeUnit.NANOSECONDS)) {
        kill(process);
        reader.join(OUTPUT_GRACE);
        throw new AssertionError(named + " did not finish in " + describe(bound) + "; it printed: "
            + output.toString(StandardCharsets.UTF_8));
      }
      reader.join(OUTPUT_GRACE);
    } catch (InterruptedException e) {
      kill(process);
      Thread.currentThread().interrupt();
      throw new AssertionError(named + " was interrupted", e);
    }
    return new Result(process.exitValue(), output.toString(StandardCharsets.UTF_8));
  }

  /**
   * Runs {@code command} for its effect only (clean-up: deleting a namespace or a device that may
   * already be gone), at most {@code bound}; never throws, and discards what it prints. If the
   * calling thread is interrupted the command is left to finish on its own, since it is a clean-up,
   * and the thread's interrupt status is kept.
   */
  public static void runQuietly(Duration bound, String... command) {
    Process process;
    try {
      process = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    } catch (IOException | RuntimeException e) {
      return; // best effort: a missing tool leaves nothing to clean up with
    }
    try {
      if (!process.waitFor(bound.toNanos(), TimeUnit.NANOSECONDS)) {
        kill(process);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Process start(ProcessBuilder builder, String named) {
    builder.environment().put("LC_ALL", "C");
    try {
      return builder.start();
    } catch (IOException e) {
      throw new AssertionError(named + " could not start: " + e.getMessage(), e);
    }
  }

  /** Kills the process and whatever it started (a shell's pipeline, {@code ip netns exec}'s child). */
  private static void kill(Process process) {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }

  /** "30 s" for whole seconds, else "200 ms": as the tests' own bounds are written. */
  private static String describe(Duration bound) {
    return bound.toMillis() % 1000 == 0 ? bound.toSeconds() + " s" : bound.toMillis() + " ms";
  }
}
