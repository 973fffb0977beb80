package dev.sluice.cli.drill;

/**
 * packetdrill's timing model ({@code adjust_relative_event_times} and {@code verify_time} in its
 * run.c): where each line's time counts from, and how far the actual time may stray from it.
 *
 * <p>A relative time ({@code +0.01}) counts from when the previous line actually happened (the
 * live clock once that line was done), not from its nominal script time: after an outbound
 * packet with a range matches at t, the next {@code +.01} means t + 0.01. The one exception keeps
 * errors from accumulating over a burst the script injects: consecutive inbound packets anchor on
 * the previous packet's script time. {@code *} happens now. A blocking call's return time {@code
 * B} in {@code +A...B} counts from the same base as its start.
 *
 * <p>The tolerance is {@code --tolerance_usecs}, widened to {@code --tolerance_percent} of the
 * time since the previous line's script time when that is larger (packetdrill's default 12.5 %
 * lets a retransmission after a 3 s RTO be 375 ms off).
 */
final class Timeline {
  /** When one line may happen, in script microseconds, and the tolerance around it. */
  record Window(long earliest, long latest, long tolerance) {
    boolean contains(long micros) {
      return micros >= earliest - tolerance && micros <= latest + tolerance;
    }

    @Override
    public String toString() {
      return earliest == latest ? TimeSpec.seconds(earliest)
          : TimeSpec.seconds(earliest) + "~" + TimeSpec.seconds(latest);
    }
  }

  private final long toleranceMicros;
  private final double tolerancePercent;
  /** The previous line's script time (the start of its range), -1 before the first line. */
  private long lastStart = -1;
  private boolean lastInbound;

  Timeline(long toleranceMicros, double tolerancePercent) {
    this.toleranceMicros = toleranceMicros;
    this.tolerancePercent = tolerancePercent;
  }

  /** The base a relative time of {@code event} counts from, given the live time now. */
  private long base(ScriptEvent event, long nowMicros) {
    return lastStart >= 0 && lastInbound && inbound(event) ? lastStart : nowMicros;
  }

  /**
   * The window of {@code event}, which is about to run at live time {@code nowMicros}; the line
   * becomes the previous one for the next call.
   */
  Window start(ScriptEvent event, long nowMicros) {
    TimeSpec time = event.time();
    long earliest;
    long latest;
    if (time.kind() == TimeSpec.Kind.ANY) {
      earliest = nowMicros;
      latest = Long.MAX_VALUE / 2;
    } else {
      long base = time.kind() == TimeSpec.Kind.RELATIVE ? base(event, nowMicros) : 0;
      earliest = base + time.micros();
      latest = base + (time.isRange() ? time.rangeEndMicros() : time.micros());
    }
    long tolerance = tolerance(lastStart < 0 ? 0 : earliest - lastStart);
    lastStart = earliest;
    lastInbound = inbound(event);
    return new Window(earliest, latest, tolerance);
  }

  /**
   * When the blocking call {@code call}, started in {@code started}, must return: its end time
   * counts from the same base as its start; the tolerance grows with the call's duration.
   */
  Window returnWindow(ScriptEvent.Call call, Window started) {
    TimeSpec end = call.returns();
    long base = started.earliest() - call.time().micros();
    long at = switch (end.kind()) {
      case ABSOLUTE -> base + end.micros(); // the base is 0 for an absolute start
      // "+B" (a Sluice extension, not packetdrill's): B after the call's start.
      case RELATIVE -> started.earliest() + end.micros();
      case ANY -> throw new IllegalStateException("the parser refuses '*' as a return time");
    };
    return new Window(at, at, tolerance(at - started.earliest()));
  }

  private long tolerance(long sinceLastMicros) {
    long dynamic = (long) (tolerancePercent / 100.0 * Math.max(0, sinceLastMicros));
    return Math.max(toleranceMicros, dynamic);
  }

  private static boolean inbound(ScriptEvent event) {
    return (event instanceof ScriptEvent.Packet p && p.inbound()) || event instanceof ScriptEvent.Icmp;
  }
}
