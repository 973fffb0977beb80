package dev.sluice.link;

import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import java.lang.foreign.MemorySegment;

/**
 * The 10-byte {@code struct virtio_net_hdr} (include/uapi/linux/virtio_net.h) that a TUN device
 * opened with {@code IFF_VNET_HDR} puts in front of every packet, in both directions: whether the
 * packet's checksum is still to be completed ({@link #F_NEEDS_CSUM}: {@code csum_start} and
 * {@code csum_offset} say where) and whether it is a large segment the receiver must cut into
 * {@code gso_size} pieces ({@code gso_type}). TUN uses the legacy layout without {@code
 * num_buffers} (TUNSETVNETHDRSZ left at its default of 10) and, with neither TUNSETVNETLE nor
 * TUNSETVNETBE, the host's byte order: little-endian on the x86_64 and aarch64 that {@link
 * TunDevice} supports.
 *
 * <p>A plain holder of the decoded fields; {@link #read} takes whatever bytes it is given (judging
 * them is {@link GsoSegmenter}'s job), {@link #put} encodes one for a write. An instance is not
 * thread-safe: each reader thread owns one.
 */
final class VirtioNetHeader {
  /** sizeof(struct virtio_net_hdr). */
  static final int LENGTH = 10;
  /** The checksum at csum_start + csum_offset covers only the pseudo-header: finish it. */
  static final int F_NEEDS_CSUM = 1;
  /** The sender checked the checksum (virtio 1.x, §5.1.6.4); we verify anyway. */
  static final int F_DATA_VALID = 2;
  static final int GSO_NONE = 0;
  static final int GSO_TCPV4 = 1;
  /** UDP fragmentation offload: removed from Linux 4.14 on, never enabled here. */
  static final int GSO_UDP = 3;
  static final int GSO_TCPV6 = 4;
  /** UDP segmentation (USO, TUN_F_USO4/6, Linux 6.2): each piece a whole UDP datagram. */
  static final int GSO_UDP_L4 = 5;
  /** Set with a TCP type when the segments carry CWR (ECN, RFC 3168); needs TUN_F_TSO_ECN. */
  static final int GSO_ECN = 0x80;

  /** {@code csum_offset} of a TCP checksum: where it sits in the TCP header (RFC 9293 §3.1). */
  static final int TCP_CHECKSUM_OFFSET = 16;

  int flags;
  int gsoType;
  int hdrLen;
  int gsoSize;
  int csumStart;
  int csumOffset;

  /** Decodes the header at {@code buf[off, off + LENGTH)}. */
  void read(byte[] buf, int off) {
    flags = buf[off] & 0xFF;
    gsoType = buf[off + 1] & 0xFF;
    hdrLen = le16(buf, off + 2);
    gsoSize = le16(buf, off + 4);
    csumStart = le16(buf, off + 6);
    csumOffset = le16(buf, off + 8);
  }

  /**
   * Encodes a header at the start of {@code segment}, in the host's byte order (little-endian on
   * every architecture {@link TunDevice} runs on).
   */
  static void put(MemorySegment segment, int flags, int gsoType, int hdrLen, int gsoSize, int csumStart,
      int csumOffset) {
    // Two stores rather than six: this runs for every packet sent, and a smaller write path
    // leaves the JIT room to inline the copy that follows it (and so to allocate nothing).
    long first = (flags & 0xFFL) | (gsoType & 0xFFL) << 8 | (hdrLen & 0xFFFFL) << 16
        | (gsoSize & 0xFFFFL) << 32 | (csumStart & 0xFFFFL) << 48;
    segment.set(JAVA_LONG_UNALIGNED, 0, first);
    segment.set(JAVA_SHORT_UNALIGNED, 8, (short) csumOffset);
  }

  /**
   * Puts in front of a transmission the header it needs and returns its length: for a complete
   * packet, all zero; for a TCP segment whose checksum field holds the pseudo-header's sum ({@code
   * checksumPartial}), NEEDS_CSUM at the TCP checksum, as a virtio-net driver sends a packet with
   * checksum offload (virtio 1.2 §5.1.6.2), and for a large one ({@code segmentSize > 0}) also what
   * it sends with a TSO frame: TCPV4 or TCPV6, hdr_len the IP and TCP headers, gso_size the
   * segment size.
   */
  static int putFor(MemorySegment segment, byte[] packet, int off, int len, int segmentSize, boolean checksumPartial) {
    if (!checksumPartial) {
      put(segment, 0, GSO_NONE, 0, 0, 0, 0);
      return LENGTH;
    }
    boolean v6 = (packet[off] & 0xF0) == 0x60;
    int gsoType = segmentSize == 0 ? GSO_NONE : v6 ? GSO_TCPV6 : GSO_TCPV4;
    put(segment, F_NEEDS_CSUM, gsoType, GsoSegmenter.tcpHeaders(packet, off, len), segmentSize, v6 ? 40 : 20,
        TCP_CHECKSUM_OFFSET);
    return LENGTH;
  }

  private static int le16(byte[] buf, int off) {
    return (buf[off] & 0xFF) | (buf[off + 1] & 0xFF) << 8;
  }

  @Override
  public String toString() {
    return "virtio_net_hdr[flags=" + flags + ", gso_type=" + gsoType + ", hdr_len=" + hdrLen
        + ", gso_size=" + gsoSize + ", csum_start=" + csumStart + ", csum_offset=" + csumOffset + "]";
  }
}
