package dev.sluice.cli.capture;

import java.io.IOException;

/** The file is neither a pcap nor a pcapng capture. */
public final class CaptureFormatException extends IOException {
  public CaptureFormatException(String message) {
    super(message);
  }
}
