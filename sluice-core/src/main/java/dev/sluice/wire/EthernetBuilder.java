package dev.sluice.wire;

/** Writes Ethernet II headers, optionally with one 802.1Q tag. */
public final class EthernetBuilder {
  private long destination;
  private long source;
  private int etherType;
  private int vlanTag = -1;

  public EthernetBuilder destination(long mac) {
    this.destination = mac;
    return this;
  }

  public EthernetBuilder source(long mac) {
    this.source = mac;
    return this;
  }

  public EthernetBuilder etherType(int type) {
    this.etherType = type & 0xFFFF;
    return this;
  }

  /** The whole 16-bit tag control field (priority, DEI, VLAN ID), or -1 for an untagged frame. */
  public EthernetBuilder vlanTag(int tci) {
    this.vlanTag = tci < 0 ? -1 : tci & 0xFFFF;
    return this;
  }

  public int headerLength() {
    return vlanTag < 0 ? EthernetFrame.HEADER_LENGTH : EthernetFrame.HEADER_LENGTH + 4;
  }

  public int write(byte[] buf, int off) {
    EthernetFrame.putMac(buf, off, destination);
    EthernetFrame.putMac(buf, off + 6, source);
    int pos = off + 12;
    if (vlanTag >= 0) {
      Bytes.put16(buf, pos, EthernetFrame.ETHERTYPE_VLAN);
      Bytes.put16(buf, pos + 2, vlanTag);
      pos += 4;
    }
    Bytes.put16(buf, pos, etherType);
    return headerLength();
  }
}
