package dev.sluice.cli.doctor;

/**
 * One problem found on one connection.
 *
 * @param side the end that misbehaved (or, for a stalled handshake, failed to answer)
 * @param atSeconds when it began, relative to the capture's first packet
 * @param detail one sentence with the evidence: what was sent, when, how long, how often
 */
public record Problem(ProblemKind kind, Side side, double atSeconds, String detail) {}
