package dev.sluice.wire;

/**
 * Writes IPv4 headers (RFC 791 §3.1). Set the fields, then {@link #write}; the builder keeps its
 * fields between writes, so one instance serves a whole flow without allocating.
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

  public Ipv4Builder typeOfService(int tos) {
    this.typeOfService = tos & 0xFF;
    return this;
  }

  public Ipv4Builder identification(int id) {
    this.identification = id & 0xFFFF;
    return this;
  }

  public Ipv4Builder dontFragment(boolean df) {
    this.dontFragment = df;
    return this;
  }

  public Ipv4Builder moreFragments(boolean mf) {
    this.moreFragments = mf;
    return this;
  }

  /** The fragment offset in bytes; must be a multiple of 8. */
  public Ipv4Builder fragmentOffset(int bytes) {
    if ((bytes & 7) != 0 || bytes < 0 || bytes > 0x1FFF * 8) {
      throw new IllegalArgumentException("fragment offset must be a multiple of 8 in [0, 65528]: " + bytes);
    }
    this.fragmentOffset = bytes;
    return this;
  }

  public Ipv4Builder ttl(int ttl) {
    this.ttl = ttl & 0xFF;
    return this;
  }

  public Ipv4Builder protocol(int protocol) {
    this.protocol = protocol & 0xFF;
    return this;
  }

  public Ipv4Builder source(int address) {
    this.source = address;
    return this;
  }

  public Ipv4Builder destination(int address) {
    this.destination = address;
    return this;
  }

  /** Raw option bytes, padded with End-of-Options to a multiple of four. At most 40 bytes. */
  public Ipv4Builder options(byte[] src, int off, int len) {
    if (len < 0 || len > options.length) {
      throw new IllegalArgumentException("IPv4 options must be at most 40 bytes: " + len);
    }
    System.arraycopy(src, off, options, 0, len);
    optionsLength = len;
    return this;
  }

  public Ipv4Builder clearOptions() {
    optionsLength = 0;
    return this;
  }

  public int headerLength() {
    return Ipv4Packet.MIN_HEADER_LENGTH + ((optionsLength + 3) & ~3);
  }

  public int source() {
    return source;
  }

  public int destination() {
    return destination;
  }

  public int protocol() {
    return protocol;
  }

  /**
   * Writes the header at {@code off} for a payload of {@code payloadLength} bytes, with its
   * checksum. Returns the header length.
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

  /** The unfinished pseudo-header sum for a transport payload of {@code length} bytes. */
  public int pseudoHeaderSum(int length) {
    return Checksum.pseudoHeaderIpv4(source, destination, protocol, length);
  }
}
