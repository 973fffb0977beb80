/**
 * Devices: TUN through FFM, simulated multi-queue links with seeded impairments, and packet
 * capture. Exported: what an application builds or attaches ({@link dev.sluice.link.TunDevice},
 * {@link dev.sluice.link.SimulatedNetwork}, {@link dev.sluice.link.SimulatedLink}, {@link
 * dev.sluice.link.Impairments}, {@link dev.sluice.link.PcapngWriter}, {@link
 * dev.sluice.link.PacketTap}) and what implementing a {@link dev.sluice.link.Device} of its own
 * takes: {@link dev.sluice.link.PacketBuffer}, which {@code Device.poll} returns, and the {@link
 * dev.sluice.link.PacketPool} that lends buffers without allocating (the drill's scripted interface
 * is such a device). {@link dev.sluice.link.IcmpEchoSocket} is here too, though not a device: a
 * kernel ping (or raw ICMP) socket through FFM, for the gateway's relay of a guest's pings, which
 * reuses this package's libc bindings. The ring behind queues and pools is in the non-exported {@code
 * dev.sluice.link.internal}; the helpers only devices use (the simulated link's timed queue and
 * channel counters, arrival hooks, {@code Libc}, the TUN queue opener) are package-private here.
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
