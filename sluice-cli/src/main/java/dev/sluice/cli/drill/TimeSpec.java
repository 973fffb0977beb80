package dev.sluice.cli.drill;

/**
 * One end of a script line's time column, in packetdrill's notation: absolute ({@code 0.100}),
 * relative to the previous line ({@code +.01}), any time ({@code *}), or a range ({@code
 * 0.1~0.2}, {@code +.1~+.2}) within which the event must happen.
 *
 * @param kind how {@code micros} is to be read
 * @param micros the time, or the start of the range, in microseconds
 * @param rangeEndMicros the end of a range (same kind as the start), or -1 if not a range
 */
record TimeSpec(Kind kind, long micros, long rangeEndMicros) {
  enum Kind { ABSOLUTE, RELATIVE, ANY }

  static final TimeSpec ANY = new TimeSpec(Kind.ANY, 0, -1);

  boolean isRange() {
    return rangeEndMicros >= 0;
  }

  /** The earliest allowed script time, given the time of the line before. */
  long earliest(long previousMicros) {
    return kind == Kind.RELATIVE ? previousMicros + micros : micros;
  }

  /** The latest allowed script time (the same as {@link #earliest} unless a range). */
  long latest(long previousMicros) {
    long end = isRange() ? rangeEndMicros : micros;
    return kind == Kind.RELATIVE ? previousMicros + end : end;
  }

  @Override
  public String toString() {
    if (kind == Kind.ANY) {
      return "*";
    }
    String prefix = kind == Kind.RELATIVE ? "+" : "";
    String start = prefix + seconds(micros);
    return isRange() ? start + "~" + prefix + seconds(rangeEndMicros) : start;
  }

  static String seconds(long micros) {
    return String.format(java.util.Locale.ROOT, "%d.%06d", micros / 1_000_000, Math.abs(micros % 1_000_000));
  }
}
