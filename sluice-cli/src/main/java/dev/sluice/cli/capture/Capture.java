package dev.sluice.cli.capture;

import java.util.List;
import java.util.Set;

/**
 * Everything read from one capture file.
 *
 * @param format "pcap" or "pcapng"
 * @param linkTypes the link types of the interfaces that carried packets
 * @param packets the IP packets, in file order
 * @param records every packet record in the file, IP or not
 * @param notIp records that carry no IP packet (ARP, LLDP, an unsupported link type)
 * @param malformed records that could not be read (cut short, impossible lengths, an unknown
 *     interface); the reader skips them, or stops at the first one it cannot step over
 * @param firstTimeNanos the timestamp of the first record, IP or not; 0 for an empty capture
 * @param lastTimeNanos the timestamp of the last record
 */
public record Capture(String format, Set<Integer> linkTypes, List<CapturedPacket> packets, long records, long notIp,
    long malformed, long firstTimeNanos, long lastTimeNanos) {}
