package dev.sluice.cli.doctor;

import java.util.List;

/**
 * What the doctor found on one connection.
 *
 * @param number 1-based, in order of first packet; {@code sluice graph --conn} takes it
 * @param startSeconds the connection's first packet, relative to the capture's first packet
 */
public record ConnectionReport(int number, Endpoint client, Endpoint server, int packets, double startSeconds,
    double durationSeconds, List<StateChange> states, List<Problem> problems) {}
