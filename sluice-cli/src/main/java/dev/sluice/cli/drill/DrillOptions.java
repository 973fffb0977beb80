package dev.sluice.cli.drill;

import java.io.PrintStream;
import java.util.Set;

/**
 * How to run scripts.
 *
 * @param lenient for scripts written for other stacks (see docs/conformance.md)
 * @param profile the system the scripts were written for ({@code freebsd}, {@code linux},
 *     {@code sluice}), or null to infer it from each script's sysctls
 * @param defines the names {@code #ifdef} tests; empty means {@code STANDARD}, the suite's name
 *     for what the RFCs say
 * @param verbose where to trace every line, or null
 */
public record DrillOptions(boolean lenient, String profile, Set<String> defines, PrintStream verbose) {
  /** The name defined when none is given. */
  static final String DEFAULT_DEFINE = "STANDARD";

  public DrillOptions {
    if (profile != null && Platform.named(profile) == null) {
      throw new IllegalArgumentException("unknown profile '" + profile + "' (freebsd, linux or sluice)");
    }
    defines = defines == null || defines.isEmpty() ? Set.of(DEFAULT_DEFINE) : Set.copyOf(defines);
  }

  public static DrillOptions of(boolean lenient, PrintStream verbose) {
    return new DrillOptions(lenient, null, Set.of(), verbose);
  }
}
