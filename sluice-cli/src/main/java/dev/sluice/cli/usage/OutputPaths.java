package dev.sluice.cli.usage;

import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Checks, before a command starts its work, that each file it will write can be created: a demo
 * that runs for a minute and then cannot write its report into a missing folder has wasted the
 * minute. The check is the folder's existence and permission as the process sees them; a failure
 * it cannot foresee (a full disk) is still reported where the file is written.
 *
 * <p>Stateless; any thread.
 */
public final class OutputPaths {
  private OutputPaths() {}

  /**
   * Returns normally if {@code file} can be written (created or replaced); else throws a {@link
   * FileProblem} whose message is one line: {@code cannot write <file>: <why>}.
   */
  public static void requireWritable(CommandSpec spec, Path file) {
    String why = whyNotWritable(file);
    if (why != null) {
      throw new FileProblem(spec.commandLine(), "cannot write " + file + ": " + why);
    }
  }

  /** Why {@code file} cannot be written, or {@code null} if it can. */
  static String whyNotWritable(Path file) {
    if (Files.isDirectory(file)) {
      return "it is a folder";
    }
    Path folder = file.getParent();
    Path shown = folder == null ? Path.of(".") : folder;
    Path real = folder == null ? Path.of("").toAbsolutePath() : folder;
    if (!Files.exists(real)) {
      return "folder " + shown + " does not exist";
    }
    if (!Files.isDirectory(real)) {
      return shown + " is not a folder";
    }
    if (Files.exists(file) ? !Files.isWritable(file) : !Files.isWritable(real)) {
      return Files.exists(file) ? "permission denied" : "folder " + shown + " is not writable";
    }
    return null;
  }
}
