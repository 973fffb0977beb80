package dev.sluice.link;

import dev.sluice.wire.Bytes;
import dev.sluice.wire.Checksum;
import dev.sluice.wire.IpProtocol;
import dev.sluice.wire.TcpFlags;

/**
 * Joins a burst of consecutive TCP segments of one connection into one large segment for a
 * device that segments on transmit ({@link Device#segmentationLimit()}, a TUN device with TSO):
 * the transmit half of TCP segmentation offload done at the device's door, so the TCP engine
 * keeps building, timing and retransmitting MSS-sized segments exactly as before (see
 * docs/tun-offloads.md for why this side and not the engine).
 *
 * <p>A segment joins the one being built only if the kernel's segmentation will give it back
 * bit for bit ({@code tcp_gso_segment} copies the first header into every piece, adding the
 * sequence number, and keeps FIN and PSH for the last piece only): same addresses, ports, TTL,
 * acknowledgment, window and options (timestamps included), the next sequence number, a payload
 * no longer than the first one's, and the ACK flag alone, or with PSH or FIN when it ends the
 * batch. Anything else (a pure ACK, a SYN, another connection, a retransmission out of order)
 * first sends what is pending, so order on the wire is kept. IPv4 packets with options and IPv6
 * ones with extension headers are never joined.
 *
 * <p>{@link #flush} sends the batch: as it was when it holds one segment, else with its IP lengths
 * made whole and its TCP checksum left to the kernel (CHECKSUM_PARTIAL: the field holds the
 * pseudo-header's sum over the whole length, as {@code tcp_v4_send_check} leaves it), through
 * {@link Device#transmitSegmented} with the first payload length as the segment size. Segments
 * may come with their checksum complete, or already left to the device (the TCP engine's
 * {@code checksumToDevice}, which saves summing what a batch sums again or the device
 * completes); a segment of the second kind that goes out alone does so through {@link
 * Device#transmitSegmented} whole (segment size 0).
 *
 * <p>Owned by one thread at a time (a connection owner's scratch space); allocates only its
 * 64 KB buffer, once.
 */
public final class TcpCoalescer {
  /** The IPv4 total length field's limit, and a TUN device's GSO limit (GSO_LEGACY_MAX_SIZE). */
  public static final int MAX_BATCH = 65_535;

  private final byte[] batch = new byte[MAX_BATCH];
  private int length;
  private int segments;
  private int ipHeader;
  private int headers;
  private int segmentSize;
  private int nextSeq;
  /** The batch's first segment came with its checksum left to the device. */
  private boolean partial;
  /** The last segment joined was short or carried PSH or FIN: nothing may follow it. */
  private boolean ended;
  private long joined;

  /** An empty coalescer with its batch buffer. */
  public TcpCoalescer() {}

  /**
   * Sends {@code buf[off, off + len)}, a whole IP packet, now or as part of a later batch. Call
   * {@link #flush} when the burst is over.
   *
   * @param device where the packets go
   * @param buf the packet's bytes
   * @param off where it starts in {@code buf}
   * @param len its length
   * @param nowNanos the caller's clock
   */
  public void transmit(Device device, byte[] buf, int off, int len, long nowNanos) {
    transmit(device, buf, off, len, false, nowNanos);
  }

  /**
   * As {@link #transmit(Device, byte[], int, int, long)}, for a segment whose checksum field may
   * hold only the pseudo-header's sum ({@code checksumToDevice}), for the device to complete. A
   * batch of several is summed afresh either way; one that goes out alone keeps its own kind.
   *
   * @param device where the packets go; with {@code checksumToDevice}, one that segments
   * @param buf the packet's bytes
   * @param off where it starts in {@code buf}
   * @param len its length
   * @param checksumToDevice whether its TCP checksum is left to the device
   * @param nowNanos the caller's clock
   */
  public void transmit(Device device, byte[] buf, int off, int len, boolean checksumToDevice, long nowNanos) {
    int limit = Math.min(MAX_BATCH, device.segmentationLimit());
    if (segments > 0 && join(buf, off, len, limit)) {
      return;
    }
    flush(device, nowNanos);
    if (limit <= 0 || !start(buf, off, len, limit)) {
      sendAlone(device, buf, off, len, checksumToDevice, nowNanos);
    } else {
      partial = checksumToDevice;
    }
  }

  private static void sendAlone(Device device, byte[] buf, int off, int len, boolean checksumToDevice, long nowNanos) {
    if (checksumToDevice) {
      device.transmitSegmented(buf, off, len, 0, nowNanos);
    } else {
      device.transmit(buf, off, len, nowNanos);
    }
  }

  /**
   * Sends the pending batch, if any.
   *
   * @param device where the batch goes: the device of the packets in it
   * @param nowNanos the caller's clock
   */
  public void flush(Device device, long nowNanos) {
    if (segments == 0) {
      return;
    }
    if (segments == 1) {
      sendAlone(device, batch, 0, length, partial, nowNanos);
    } else {
      int tcpLength = length - ipHeader;
      int pseudo;
      if (ipHeader == 40) {
        Bytes.put16(batch, 4, tcpLength);
        pseudo = Checksum.add(Checksum.sum(batch, 8, 32), tcpLength + IpProtocol.TCP);
      } else {
        Bytes.put16(batch, 2, length);
        Bytes.put16(batch, 10, 0);
        Bytes.put16(batch, 10, Checksum.finish(Checksum.sum(batch, 0, ipHeader)));
        pseudo = Checksum.add(Checksum.sum(batch, 12, 8), tcpLength + IpProtocol.TCP);
      }
      Bytes.put16(batch, ipHeader + 16, pseudo);
      joined += segments;
      device.transmitSegmented(batch, 0, length, segmentSize, nowNanos);
    }
    segments = 0;
    length = 0;
  }

  /**
   * Segments sent as part of a large one so far: what this coalescer saved the device's callers.
   *
   * @return the count since the coalescer was made
   */
  public long joinedSegments() {
    return joined;
  }

  /**
   * Starts a batch with this segment if it could take followers; false to send it alone. A segment
   * that leaves no room for another as long (at MTU 65520, every full one) is not copied into the
   * batch only to go out alone from there.
   */
  private boolean start(byte[] buf, int off, int len, int limit) {
    int headerLength = GsoSegmenter.tcpHeaders(buf, off, len);
    if (headerLength < 0) {
      return false;
    }
    int ip = (buf[off] & 0xF0) == 0x60 ? 40 : 20;
    int payload = len - headerLength;
    if ((buf[off + ip + 13] & 0xFF) != TcpFlags.ACK || payload <= 0 || len + payload > limit) {
      return false;
    }
    System.arraycopy(buf, off, batch, 0, len);
    length = len;
    segments = 1;
    ipHeader = ip;
    headers = headerLength;
    segmentSize = payload;
    nextSeq = Bytes.i32(buf, off + ip + 4) + payload;
    ended = false;
    return true;
  }

  /** Appends this segment's payload to the batch if the kernel will cut it back out unchanged. */
  private boolean join(byte[] buf, int off, int len, int limit) {
    int payload = len - headers;
    if (ended || payload <= 0 || payload > segmentSize || length + payload > limit) {
      return false;
    }
    int ip = ipHeader;
    int flags = buf[off + ip + 13] & 0xFF;
    if ((flags & ~(TcpFlags.PSH | TcpFlags.FIN)) != TcpFlags.ACK || Bytes.i32(buf, off + ip + 4) != nextSeq) {
      return false;
    }
    // The IP headers agree but for length, identification and checksum.
    if (ip == 20 ? !same(buf, off, 0, 2) || !same(buf, off, 6, 4) || !same(buf, off, 12, 8)
        : !same(buf, off, 0, 4) || !same(buf, off, 6, 34)) {
      return false;
    }
    // The TCP headers agree but for the sequence number, flags and checksum.
    if (!same(buf, off, ip, 4) || !same(buf, off, ip + 8, 5) || !same(buf, off, ip + 14, 2)
        || !same(buf, off, ip + 18, headers - ip - 18)) {
      return false;
    }
    System.arraycopy(buf, off + headers, batch, length, payload);
    length += payload;
    segments++;
    nextSeq += payload;
    if (flags != TcpFlags.ACK) {
      batch[ip + 13] = (byte) flags; // the kernel keeps PSH and FIN for the last piece
      ended = true;
    } else if (payload < segmentSize) {
      ended = true;
    }
    return true;
  }

  private boolean same(byte[] buf, int off, int at, int count) {
    return java.util.Arrays.equals(buf, off + at, off + at + count, batch, at, at + count);
  }
}
