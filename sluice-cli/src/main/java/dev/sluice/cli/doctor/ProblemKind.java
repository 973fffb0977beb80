package dev.sluice.cli.doctor;

/** The six kinds of problem the doctor reports; {@code docs/doctor.md} defines each. */
public enum ProblemKind {
  /** KB Q114541: a FIN was ACKed, and no FIN came back while the peer waited. */
  FIN_NOT_RETURNED("fin-not-returned"),
  /** A zero window held the peer's data back for longer than the stall timeout. */
  ZERO_WINDOW_STALL("zero-window-stall"),
  /** The same data sent again and again (RTO backoff), or a large share of segments resent. */
  RETRANSMISSION_STORM("retransmission-storm"),
  /** A SYN or SYN-ACK never answered, or answered with RST. */
  HANDSHAKE_INCOMPLETE("handshake-incomplete"),
  /** A RST after a FIN had been sent (one per RST-sending side; a storm of them is counted in it). */
  RST_AFTER_FIN("rst-after-fin"),
  /** New data sent beyond the sender's own FIN. */
  DATA_AFTER_FIN("data-after-fin");

  private final String label;

  ProblemKind(String label) {
    this.label = label;
  }

  /** The name reports and JSON use. */
  public String label() {
    return label;
  }
}
