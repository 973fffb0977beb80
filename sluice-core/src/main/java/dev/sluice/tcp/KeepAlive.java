package dev.sluice.tcp;

/**
 * Keepalive for one connection (RFC 1122 §4.2.3.6): once nothing has arrived for the idle time,
 * a probe every interval (an ACK with an old sequence number, which the peer must answer), until
 * the peer is heard from or the probes run out. Made when keepalive is turned on and dropped when
 * it is turned off, so the many connections without it carry nothing. The engine starts the idle
 * time when the connection is ESTABLISHED. Driven by the engine's owner, one thread at a time.
 */
final class KeepAlive {
  private int probesSent;

  /** The idle time before the first probe: the configured one, or the default if none is set. */
  static long idleNanos(TcpConfig config) {
    return config.keepAliveIdleNanos() > 0 ? config.keepAliveIdleNanos() : TcpConfig.DEFAULT_KEEPALIVE_IDLE_NANOS;
  }

  /** A segment arrived: the peer is alive, so probing starts over after a full idle time. */
  void onSegment(TcpEngine engine, long now) {
    probesSent = 0;
    if (engine.state == TcpState.ESTABLISHED) {
      engine.timers.set(TcpTimer.KEEPALIVE, now + idleNanos(engine.config));
    }
  }

  /**
   * The keepalive timer fired: owes a probe and sets the next, or returns false once the
   * configured number of probes went unanswered (the engine then gives up on the peer).
   */
  boolean onTimeout(TcpEngine engine, long now) {
    if (probesSent >= engine.config.keepAliveProbes()) {
      return false;
    }
    probesSent++;
    engine.snd.probeNow = true;
    engine.timers.set(TcpTimer.KEEPALIVE, now + engine.config.keepAliveIntervalNanos());
    return true;
  }
}
