package dev.sluice.cli.usage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * Why a file could not be read or written, in words for an error line: the JDK's exceptions name
 * themselves ({@code java.nio.file.NoSuchFileException: x}), which a user should never see.
 * Stateless; any thread.
 */
public final class IoErrors {
  private IoErrors() {}

  /** "no such file", "permission denied", the file system's own reason, or the message. */
  public static String reason(Exception e) {
    Throwable cause = e instanceof UncheckedIOException u && u.getCause() != null ? u.getCause() : e;
    return switch (cause) {
      case NoSuchFileException n -> "no such file";
      case AccessDeniedException a -> "permission denied";
      case NotDirectoryException n -> "not a folder";
      case FileSystemException f when f.getReason() != null -> lowerFirst(f.getReason());
      case IOException io when io.getMessage() != null -> io.getMessage();
      default -> cause.getClass().getSimpleName();
    };
  }

  private static String lowerFirst(String text) {
    return text.isEmpty() ? text : Character.toLowerCase(text.charAt(0)) + text.substring(1);
  }
}
