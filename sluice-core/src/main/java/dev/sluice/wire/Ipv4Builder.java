package dev.sluice.wire;

/**
 * Writes IPv4 headers (RFC 791 §3.1). Set the fields, then {@link #write}; the builder keeps its
 * fields between writes, so one instance serves a whole flow without allocating.
 *
 * <p>Not thread-safe: a builder is a scratch object for one thread. Setters keep only the bits
 * their field has.
 */
public final class Ipv4Builder {
  private int typeOfService;
  private int identification;
  private boolean dontFragment;
  private boolean moreFragments;
  private int fragmentOffset;
  private int ttl = 64;
  private int protocol;
  private int source;
  private int destination;
  private final byte[] options = new byte[40];
  private int optionsLength;

  /** Creates a builder with TTL 64, every other field 0, and no options. */
  public Ipv4Builder() {}

  /**
   * Sets the Type of Service octet: DSCP in the upper six bits, ECN in the lower two (RFC 2474,
   * RFC 3168).
   *
   * @param tos the octet; only its low 8 bits are kept
   * @return this builder
   */
  public Ipv4Builder typeOfService(int tos) {
    this.typeOfService = tos & 0xFF;
    return this;
  }

  /**
   * Sets the Identification field (RFC 791 §3.1, RFC 6864).
   *
   * @param id the identification; only its low 16 bits are kept
   * @return this builder
   */
  public Ipv4Builder identification(int id) {
    this.identification = id & 0xFFFF;
    return this;
  }

  /**
   * Sets or clears the DF flag (RFC 791 §3.1).
   *
   * @param df {@code true} to forbid fragmentation on the way
   * @return this builder
   */
  public Ipv4Builder dontFragment(boolean df) {
    this.dontFragment = df;
    return this;
  }

  /**
   * Sets or clears the MF flag (RFC 791 §3.1): more fragments of this datagram follow.
   *
   * @param mf {@code true} for every fragment but the last
   * @return this builder
   */
  public Ipv4Builder moreFragments(boolean mf) {
    this.moreFragments = mf;
    return this;
  }

  /**
   * The fragment offset in bytes; must be a multiple of 8 (RFC 791 §3.1 counts in 8-byte units).
   *
   * @param bytes the offset of this fragment's data in the datagram, 0 to 65,528
   * @return this builder
   * @throws IllegalArgumentException if {@code bytes} is negative, too large or not a multiple of 8
   */
  public Ipv4Builder fragmentOffset(int bytes) {
    if ((bytes & 7) != 0 || bytes < 0 || bytes > 0x1FFF * 8) {
      throw new IllegalArgumentException("fragment offset must be a multiple of 8 in [0, 65528]: " + bytes);
    }
    this.fragmentOffset = bytes;
    return this;
  }

  /**
   * Sets the Time to Live field (RFC 791 §3.1); 64 until set.
   *
   * @param ttl the TTL; only its low 8 bits are kept
   * @return this builder
   */
  public Ipv4Builder ttl(int ttl) {
    this.ttl = ttl & 0xFF;
    return this;
  }

  /**
   * Sets the Protocol field (RFC 791 §3.1), an {@link IpProtocol} number.
   *
   * @param protocol the protocol; only its low 8 bits are kept
   * @return this builder
   */
  public Ipv4Builder protocol(int protocol) {
    this.protocol = protocol & 0xFF;
    return this;
  }

  /**
   * Sets the Source Address field (RFC 791 §3.1).
   *
   * @param address the address as a big-endian {@code int}: 192.0.2.1 is {@code 0xC0000201}
   * @return this builder
   */
  public Ipv4Builder source(int address) {
    this.source = address;
    return this;
  }

  /**
   * Sets the Destination Address field (RFC 791 §3.1).
   *
   * @param address the address as a big-endian {@code int}: 192.0.2.1 is {@code 0xC0000201}
   * @return this builder
   */
  public Ipv4Builder destination(int address) {
    this.destination = address;
    return this;
  }

  /**
   * Raw option bytes (RFC 791 §3.1), copied as given and padded with End-of-Options to a multiple
   * of
   * four when written. They replace any options set before.
   *
   * @param src the bytes to copy
   * @param off where the options start in {@code src}
   * @param len how many bytes to copy, 0 to 40
   * @return this builder
   * @throws IllegalArgumentException if {@code len} is negative or above 40
   * @throws IndexOutOfBoundsException if the region is not inside {@code src}
   */
  public Ipv4Builder options(byte[] src, int off, int len) {
    if (len < 0 || len > options.length) {
      throw new IllegalArgumentException("IPv4 options must be at most 40 bytes: " + len);
    }
    System.arraycopy(src, off, options, 0, len);
    optionsLength = len;
    return this;
  }

  /**
   * Removes the options, so the next header is 20 bytes long.
   *
   * @return this builder
   */
  public Ipv4Builder clearOptions() {
    optionsLength = 0;
    return this;
  }

  /**
   * The length of the header {@link #write} will write: 20 bytes plus the options padded to a
   * multiple of four.
   *
   * @return the header length in bytes, 20 to 60
   */
  public int headerLength() {
    return Ipv4Packet.MIN_HEADER_LENGTH + ((optionsLength + 3) & ~3);
  }

  /**
   * The source address last set.
   *
   * @return the address as a big-endian {@code int}
   */
  public int source() {
    return source;
  }

  /**
   * The destination address last set.
   *
   * @return the address as a big-endian {@code int}
   */
  public int destination() {
    return destination;
  }

  /**
   * The protocol last set.
   *
   * @return an {@link IpProtocol} number, 0 to 255
   */
  public int protocol() {
    return protocol;
  }

  /**
   * Writes the header at {@code off} for a payload of {@code payloadLength} bytes, with its header
   * checksum (RFC 791 §3.1, RFC 1071), every field in network byte order. The payload itself is
   * neither written nor read.
   *
   * @param buf the buffer to write into
   * @param off where the IPv4 header goes
   * @param payloadLength the length of what follows the header, in bytes
   * @return the header length in bytes, as {@link #headerLength()}
   * @throws IllegalArgumentException if header and payload exceed 65,535 bytes
   * @throws IndexOutOfBoundsException if the header does not fit in {@code buf}
   */
  public int write(byte[] buf, int off, int payloadLength) {
    int hl = headerLength();
    int total = hl + payloadLength;
    if (total > Ipv4Packet.MAX_PACKET_LENGTH) {
      throw new IllegalArgumentException("IPv4 packet too long: " + total);
    }
    Bytes.put8(buf, off, 0x40 | (hl >>> 2));
    Bytes.put8(buf, off + 1, typeOfService);
    Bytes.put16(buf, off + 2, total);
    Bytes.put16(buf, off + 4, identification);
    int flagsAndOffset = (fragmentOffset >>> 3)
        | (dontFragment ? 0x4000 : 0)
        | (moreFragments ? 0x2000 : 0);
    Bytes.put16(buf, off + 6, flagsAndOffset);
    Bytes.put8(buf, off + 8, ttl);
    Bytes.put8(buf, off + 9, protocol);
    Bytes.put16(buf, off + 10, 0);
    Bytes.put32(buf, off + 12, source);
    Bytes.put32(buf, off + 16, destination);
    System.arraycopy(options, 0, buf, off + 20, optionsLength);
    for (int i = off + 20 + optionsLength; i < off + hl; i++) {
      buf[i] = 0;
    }
    Bytes.put16(buf, off + 10, Checksum.finish(Checksum.sum(buf, off, hl)));
    return hl;
  }

  /**
   * The unfinished pseudo-header sum for a transport payload of {@code length} bytes (RFC 9293
   * §3.1, RFC 768), from the addresses and protocol last set.
   *
   * @param length the transport length in bytes, or 0 for UDP to complete with its own Length
   * @return the unfinished one's complement sum (see {@link Checksum}), 0 to 0xFFFF
   */
  public int pseudoHeaderSum(int length) {
    return Checksum.pseudoHeaderIpv4(source, destination, protocol, length);
  }
}
