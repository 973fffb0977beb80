package dev.sluice.link;

/** Which way a packet crossed an interface, as a capture records it. */
public enum Direction {
  /** Received by the interface. */
  INBOUND,
  /** Sent by the interface. */
  OUTBOUND
}
