package dev.sluice.cli.drill;

import dev.sluice.wire.Checksum;
import dev.sluice.wire.IcmpBuilder;
import dev.sluice.wire.IcmpType;
import dev.sluice.wire.IpProtocol;
import dev.sluice.wire.Ipv4Builder;
import dev.sluice.wire.Ipv6Builder;
import dev.sluice.wire.TcpBuilder;
import dev.sluice.wire.TcpFlags;

/**
 * Builds the packets a script injects, from the script peer's side of the {@link Flow}: numbers
 * in the stack's sequence space (ack, SACK blocks) and its TSval (echoed as TSecr) are mapped
 * from relative to absolute, the peer's own are used as written. Payload bytes are zeros, as in
 * packetdrill; checksums are correct.
 */
final class InboundPackets {
  private final Flow flow;
  private final TcpBuilder tcp = new TcpBuilder();
  private final Ipv4Builder ipv4 = new Ipv4Builder();
  private final Ipv6Builder ipv6 = new Ipv6Builder();

  InboundPackets(Flow flow) {
    this.flow = flow;
  }

  byte[] segment(ScriptEvent.Packet p) throws ScriptException {
    if (p.anyOptions()) {
      throw new ScriptException(p.line(), "an injected packet needs its options written out, not <...>");
    }
    tcp.clearOptions().sourcePort(flow.remotePort).destinationPort(flow.knowsLocalPort() ? flow.localPort : Flow.SCRIPT_PORT)
        .sequenceNumber(flow.absoluteRemote(p.seq()))
        .acknowledgmentNumber(p.ack() >= 0 ? flow.absoluteLocal(p.ack()) : 0)
        .flags(p.flags()).window(p.window()).urgentPointer(Math.max(p.urgent(), 0));
    if (p.options() != null) {
      try {
        for (TcpOptionSpec o : p.options()) {
          switch (o) {
            case TcpOptionSpec.Nop n -> tcp.nop();
            case TcpOptionSpec.Eol e -> tcp.endOfOptions();
            case TcpOptionSpec.Mss m -> tcp.mss(m.value());
            case TcpOptionSpec.WindowScale w -> tcp.windowScale(w.shift());
            case TcpOptionSpec.SackPermitted s -> tcp.sackPermitted();
            case TcpOptionSpec.Timestamp t -> tcp.timestamps((int) t.val(), flow.liveTsEcr(t.ecr()));
            case TcpOptionSpec.Sack s -> {
              int[] edges = new int[s.edges().length];
              for (int i = 0; i < edges.length; i++) {
                edges[i] = flow.absoluteLocal(s.edges()[i]);
              }
              tcp.sack(edges.length / 2, edges);
            }
            case TcpOptionSpec.Unknown u -> throw new ScriptException(p.line(), "cannot inject option " + u);
          }
        }
      } catch (IllegalArgumentException | IllegalStateException e) {
        throw new ScriptException(p.line(), "cannot build the options: " + e.getMessage());
      }
    }
    int tcpLength = tcp.headerLength() + p.length();
    int ipHeader = flow.ipv6 ? dev.sluice.wire.Ipv6Packet.HEADER_LENGTH : 20;
    byte[] packet = new byte[ipHeader + tcpLength];
    int pseudo;
    if (flow.ipv6) {
      ipv6.protocol(IpProtocol.TCP).source(flow.remoteHigh, flow.remoteLow).destination(flow.localHigh, flow.localLow)
          .hopLimit(64).write(packet, 0, tcpLength);
      pseudo = Checksum.pseudoHeaderIpv6(flow.remoteHigh, flow.remoteLow, flow.localHigh, flow.localLow,
          IpProtocol.TCP, tcpLength);
    } else {
      ipv4.protocol(IpProtocol.TCP).source((int) flow.remoteLow).destination((int) flow.localLow).ttl(64)
          .write(packet, 0, tcpLength);
      pseudo = Checksum.pseudoHeaderIpv4((int) flow.remoteLow, (int) flow.localLow, IpProtocol.TCP, tcpLength);
    }
    tcp.write(packet, ipHeader, p.length(), pseudo);
    return packet;
  }

  /**
   * An ICMP destination-unreachable (or ICMPv6 packet-too-big) from the script peer, quoting the
   * IP header and first 8 bytes of a segment the stack sent (RFC 792, RFC 4443 §3): enough for
   * the stack to find the connection and check the sequence number (RFC 5927).
   */
  byte[] icmpError(ScriptEvent.Icmp icmp) throws ScriptException {
    int quotedIp = flow.ipv6 ? 40 : 20;
    byte[] quoted = new byte[quotedIp + 8];
    int quotedTcpLength = 20 + icmp.quotedLength();
    if (flow.ipv6) {
      new Ipv6Builder().protocol(IpProtocol.TCP).source(flow.localHigh, flow.localLow)
          .destination(flow.remoteHigh, flow.remoteLow).hopLimit(64).write(quoted, 0, quotedTcpLength);
    } else {
      new Ipv4Builder().protocol(IpProtocol.TCP).source((int) flow.localLow).destination((int) flow.remoteLow)
          .ttl(64).dontFragment(true).write(quoted, 0, quotedTcpLength);
    }
    dev.sluice.wire.Bytes.put16(quoted, quotedIp, flow.localPort);
    dev.sluice.wire.Bytes.put16(quoted, quotedIp + 2, flow.remotePort);
    dev.sluice.wire.Bytes.put32(quoted, quotedIp + 4, flow.absoluteLocal(icmp.quotedSeq()));

    int[] typeCode = IcmpCodes.resolve(flow.ipv6, icmp.type(), icmp.code());
    if (typeCode == null) {
      throw new ScriptException(icmp.line(), (flow.ipv6 ? "ICMPv6" : "ICMP") + " has no " + icmp.type() + " "
          + icmp.code() + (flow.ipv6 ? " (RFC 4443)" : " (RFC 792)"));
    }
    // RFC 1191 §4: the next-hop MTU sits in the low 16 bits of the rest of the header; RFC 4443
    // §3.2: ICMPv6's packet-too-big carries all 32.
    IcmpBuilder builder = new IcmpBuilder().type(typeCode[0]).code(typeCode[1])
        .restOfHeader(flow.ipv6 ? icmp.mtu() : icmp.mtu() & 0xFFFF);
    int icmpLength = 8 + quoted.length;
    int ipHeader = flow.ipv6 ? 40 : 20;
    byte[] packet = new byte[ipHeader + icmpLength];
    System.arraycopy(quoted, 0, packet, ipHeader + 8, quoted.length);
    if (flow.ipv6) {
      builder.writeV6(packet, ipHeader, quoted.length, Checksum.pseudoHeaderIpv6(flow.remoteHigh, flow.remoteLow,
          flow.localHigh, flow.localLow, IpProtocol.ICMPV6, icmpLength));
      ipv6.protocol(IpProtocol.ICMPV6).source(flow.remoteHigh, flow.remoteLow).destination(flow.localHigh, flow.localLow)
          .hopLimit(64).write(packet, 0, icmpLength);
    } else {
      builder.writeV4(packet, ipHeader, quoted.length);
      ipv4.protocol(IpProtocol.ICMP).source((int) flow.remoteLow).destination((int) flow.localLow).ttl(64)
          .write(packet, 0, icmpLength);
    }
    return packet;
  }
}
