/**
 * Devices: simulated multi-queue links with seeded impairments, and packet capture.
 *
 * <p>Imports only {@code dev.sluice.wire}. Time always comes in as an argument (nanoseconds on a
 * clock the caller chooses), so a simulation driven by a virtual clock is deterministic.
 */
package dev.sluice.link;
