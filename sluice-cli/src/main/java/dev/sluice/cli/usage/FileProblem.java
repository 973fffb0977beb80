package dev.sluice.cli.usage;

import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * A file named on the command line that cannot be used: an output whose folder is missing, say.
 * Exit status 2 like any usage error, but printed as its one line alone, without the pointer to
 * {@code --help}: the command was used rightly, the file system disagrees.
 */
public final class FileProblem extends ParameterException {
  private static final long serialVersionUID = 1L;

  public FileProblem(CommandLine command, String message) {
    super(command, message);
  }
}
