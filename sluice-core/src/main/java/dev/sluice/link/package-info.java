/**
 * Devices: simulated multi-queue links with seeded impairments, and packet capture.
 *
 * <p>Imports only {@code dev.sluice.wire}. A simulated network takes time as an argument
 * (nanoseconds on a clock the caller chooses, {@link dev.sluice.link.SimulatedNetwork#advance}), so a
 * simulation driven by a virtual clock is deterministic. This package does have threads and clocks of
 * its own, though: {@link dev.sluice.link.TunDevice} runs one platform reader thread per queue and
 * stamps received packets with {@link System#nanoTime()}; {@link
 * dev.sluice.link.SimulatedNetwork#runInRealTime()} drives the links from a platform thread on the
 * real clock; and {@link dev.sluice.link.PcapngWriter#realTime} stamps packets as it writes them.
 */
package dev.sluice.link;
