package dev.sluice.tcp;

/**
 * The congestion controllers a connection can be configured with; each constant makes a fresh,
 * uninitialised controller (one per connection, since controllers hold per-connection state).
 */
public enum CongestionAlgorithm {
  /** RFC 5681 windows with RFC 6582 recovery: {@link NewReno}. */
  NEW_RENO,
  /** RFC 9438: {@link Cubic}, with fast convergence. */
  CUBIC;

  /** The initial window of RFC 6928: 10 segments. */
  public static final int DEFAULT_INITIAL_WINDOW_SEGMENTS = 10;

  /** A new controller with the given initial window in segments (at least 1). */
  public CongestionControl create(int initialWindowSegments) {
    return switch (this) {
      case NEW_RENO -> new NewReno(initialWindowSegments);
      case CUBIC -> new Cubic(initialWindowSegments);
    };
  }

  /** A new controller with the RFC 6928 initial window. */
  public CongestionControl create() {
    return create(DEFAULT_INITIAL_WINDOW_SEGMENTS);
  }
}
