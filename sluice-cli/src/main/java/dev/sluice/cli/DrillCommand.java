package dev.sluice.cli;

import dev.sluice.cli.drill.DrillOptions;
import dev.sluice.cli.drill.DrillResult;
import dev.sluice.cli.drill.DrillRunner;
import dev.sluice.cli.usage.ExitCodes;
import dev.sluice.cli.usage.IoErrors;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code sluice drill}: runs packetdrill-style scripts against a virtual Sluice host. Exit status
 * 0 if every script passed, 1 if any failed, 2 if a script could not be read or parsed.
 */
@Command(
    name = "drill",
    mixinStandardHelpOptions = true,
    description = {
      "Runs packetdrill-style TCP scripts against a virtual Sluice host.",
      "Virtual clock: no root, no sleeping, the same verdict every time.",
      "Each script passes or fails with its first mismatch: line, time,",
      "expected and actual packet. A directory runs every *.pkt under it.",
      "A script needing a feature Sluice lacks is skipped (unsupported: X).",
      "Exit status: 0 if none failed, 1 if any failed, 2 if a script could",
      "not be read or parsed, or a directory holds none."
    })
final class DrillCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--lenient",
      description = "For scripts written for other stacks: options compare as a set, TS values, windows and PSH are ignored.")
  boolean lenient;

  @Option(names = "--verbose",
      description = "Print every line as it runs, with the packets the stack sent, and what --lenient let pass.")
  boolean verbose;

  @Option(names = "--profile", paramLabel = "SYSTEM",
      description = "freebsd, linux or sluice: the defaults the scripts expect (buffers, window scale). "
          + "Default: inferred from each script's sysctls, else sluice.")
  String profile;

  @Option(names = "--define", paramLabel = "NAME",
      description = "A name #ifdef tests (repeatable). Default: STANDARD, the RFC behaviour in FreeBSD's suite.")
  List<String> defines = new ArrayList<>();

  @Parameters(arity = "1..*", paramLabel = "SCRIPT", description = "Script files (*.pkt) or directories of them.")
  List<Path> scripts;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (profile != null && !List.of("freebsd", "linux", "sluice").contains(profile)) {
      throw new ParameterException(spec.commandLine(), "--profile must be freebsd, linux or sluice: " + profile);
    }
    List<Path> files = new ArrayList<>();
    for (Path p : scripts) {
      if (Files.isDirectory(p)) {
        int before = files.size();
        try (Stream<Path> walk = Files.walk(p)) {
          walk.filter(f -> f.toString().endsWith(".pkt") && Files.isRegularFile(f)).sorted().forEach(files::add);
        } catch (IOException | UncheckedIOException e) {
          err.println("sluice drill: cannot read " + p + ": " + IoErrors.reason(e));
          return ExitCodes.USAGE;
        }
        if (files.size() == before) {
          err.println("sluice drill: " + p + " holds no scripts (*.pkt)");
          return ExitCodes.USAGE;
        }
      } else {
        files.add(p);
      }
    }
    // Every script is read and parsed before any runs: a typo in the tenth is one line at once.
    List<String> texts = new ArrayList<>();
    for (Path file : files) {
      String text;
      try {
        text = Files.readString(file, StandardCharsets.UTF_8);
      } catch (IOException e) {
        err.println("sluice drill: cannot read " + file + ": " + IoErrors.reason(e));
        return ExitCodes.USAGE;
      }
      String syntax = DrillRunner.syntaxError(file.toString(), text, Set.copyOf(defines));
      if (syntax != null) {
        err.println("sluice drill: " + file + ": " + syntax.replace('\n', ' '));
        return ExitCodes.USAGE;
      }
      texts.add(text);
    }
    int passed = 0;
    int failed = 0;
    int skipped = 0;
    for (int i = 0; i < files.size(); i++) {
      Path file = files.get(i);
      String text = texts.get(i);
      PrintStream trace = verbose ? new PrintStream(new WriterStream(out), true, StandardCharsets.UTF_8) : null;
      DrillResult result = DrillRunner.run(file.toString(), text,
          new DrillOptions(lenient, profile, Set.copyOf(defines), trace));
      if (verbose) {
        result.notes().forEach(n -> out.println("  note: " + n));
      }
      if (result.passed()) {
        passed++;
        out.println("pass " + file);
      } else if (result.skipped()) {
        skipped++;
        out.println("skip " + file + "\n  unsupported: " + result.unsupported());
      } else {
        failed++;
        out.println("FAIL " + file + "\n  " + result.failure().replace("\n", "\n  "));
      }
      out.flush();
    }
    out.println(passed + " passed, " + failed + " failed, " + skipped + " skipped");
    return failed == 0 ? ExitCodes.OK : ExitCodes.PROBLEM_FOUND;
  }

  /** Lets the runner's verbose trace go to picocli's writer. */
  private static final class WriterStream extends java.io.OutputStream {
    private final PrintWriter out;
    private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();

    WriterStream(PrintWriter out) {
      this.out = out;
    }

    @Override
    public void write(int b) {
      line.write(b);
      if (b == '\n') {
        flush();
      }
    }

    @Override
    public void flush() {
      out.print(line.toString(StandardCharsets.UTF_8));
      out.flush();
      line.reset();
    }
  }
}
