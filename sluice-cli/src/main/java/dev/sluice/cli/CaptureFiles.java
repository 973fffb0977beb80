package dev.sluice.cli;

import dev.sluice.cli.capture.CaptureFormatException;
import dev.sluice.cli.doctor.Diagnosis;
import dev.sluice.cli.doctor.Thresholds;
import dev.sluice.link.PcapngWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Loading a capture for {@code doctor} and {@code graph}, and creating one for {@code demo} and
 * {@code torture}, with the one-line errors they print; a capture that cannot be read to its end is
 * a one-line warning, and what was read is analysed.
 */
final class CaptureFiles {
  /** Exit status for a file that cannot be read or is not a capture, and for a bad connection number. */
  static final int EXIT_ERROR = 2;

  private CaptureFiles() {}

  /** The diagnosis of {@code file}, or {@code null} after printing why there is none. */
  static Diagnosis diagnose(PrintWriter err, String command, Path file, Thresholds thresholds) {
    try {
      Diagnosis diagnosis = Diagnosis.of(file, thresholds);
      if (diagnosis.capture().end() != null) { // what was read is still worth analysing: a warning, not a failure
        fail(err, command, "warning: " + file + ": " + diagnosis.capture().end().describe());
      }
      return diagnosis;
    } catch (CaptureFormatException e) {
      fail(err, command, file + ": " + e.getMessage());
    } catch (NoSuchFileException e) {
      fail(err, command, file + ": cannot read: no such file");
    } catch (AccessDeniedException e) {
      fail(err, command, file + ": cannot read: permission denied");
    } catch (IOException e) {
      fail(err, command, file + ": cannot read: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
    }
    return null;
  }

  /**
   * A real-time capture writer on {@code file} (see {@link PcapngWriter#realTime}), or {@code null}
   * after printing why it cannot be created.
   */
  static PcapngWriter create(PrintWriter err, String command, Path file, int snaplen) {
    try {
      return PcapngWriter.realTime(file, snaplen);
    } catch (NoSuchFileException e) {
      fail(err, command, file + ": cannot write: no such directory");
    } catch (AccessDeniedException e) {
      fail(err, command, file + ": cannot write: permission denied");
    } catch (IOException e) {
      fail(err, command, file + ": cannot write: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
    }
    return null;
  }

  static void fail(PrintWriter err, String command, String message) {
    err.println("sluice " + command + ": " + message);
    err.flush();
  }
}
