package dev.sluice.cli.doctor;

/**
 * One direction's 32-bit sequence numbers (RFC 9293 §3.4) made relative and 64-bit, as Wireshark
 * shows them: the SYN is 0 and the first data byte 1, and a long transfer does not wrap. Without a
 * SYN, the first number seen becomes 0.
 */
final class SequenceSpace {
  private boolean known;
  private int base;
  private long last;

  /** Starts the space at {@code isn}, the sequence number of a SYN. */
  void startAt(int isn) {
    known = true;
    base = isn;
    last = 0;
  }

  boolean known() {
    return known;
  }

  /**
   * {@code value} relative to the start, taking the 64-bit value nearest to the last one returned:
   * sequence numbers are compared modulo 2^32 with a window of 2^31 (RFC 9293 §3.4), and nothing
   * in a capture jumps further than that between two packets.
   */
  long relative(int value) {
    if (!known) {
      startAt(value);
      return 0;
    }
    int delta = value - (int) (base + last);
    last += delta;
    return last;
  }
}
