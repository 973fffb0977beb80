package dev.sluice.cli.doctor;

/**
 * One end entering a state, as the packet that shows it was captured.
 *
 * @param atSeconds relative to the capture's first packet
 * @param detail a note ("already open when the capture began", "sent 12 RSTs ..."), or null
 */
public record StateChange(Side side, TcpState state, double atSeconds, String detail) {}
