package dev.sluice.tcp;

/**
 * What an engine holds inside, for tests: read through this package's access to the engine's
 * pieces, so the engine's public surface carries no test hooks and no test uses reflection.
 */
public final class EngineInternals {
  private EngineInternals() {}

  /** The receive buffer (read it, do not change it). */
  public static ReceiveBuffer receiveBuffer(TcpEngine engine) {
    return engine.rcv.buffer;
  }

  /** The ranges the SACK scoreboard holds, or -1 if there is none. */
  public static final int MAX_SENT_SEGMENT_SPLITS = SentSegments.MAX_SPLITS;

  /** RACK-TLP's records of segments in flight (RFC 8985), or -1 without them. */
  public static int sentSegments(TcpEngine engine) {
    RackTlp rt = engine.snd.rack();
    SentSegments segments = rt == null ? null : rt.segmentsOrNull();
    return segments == null ? -1 : segments.size();
  }

  public static int scoreboardRanges(TcpEngine engine) {
    SackScoreboard board = engine.recovery == null ? null : engine.recovery.scoreboardOrNull();
    return board == null ? -1 : board.rangeCount();
  }

  /** The invalid SACK blocks the current scoreboard ignored (0 without a scoreboard). */
  public static long scoreboardInvalidBlocks(TcpEngine engine) {
    SackScoreboard board = engine.recovery == null ? null : engine.recovery.scoreboardOrNull();
    return board == null ? 0 : board.invalidBlocks();
  }
}
