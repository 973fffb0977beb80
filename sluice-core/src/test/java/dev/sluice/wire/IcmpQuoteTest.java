package dev.sluice.wire;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The view of the segment an ICMP error quotes (RFC 792, RFC 4443 §3): what it reads and refuses. */
class IcmpQuoteTest {
  private static final int US = 0xC612_0001;
  private static final int PEER = 0xC612_0002;

  /** An ICMPv4 error whose body quotes {@code quotedLength} bytes of a packet we sent. */
  private static IcmpMessage v4Error(int protocol, int quotedLength) {
    byte[] sent = new byte[20 + 20];
    new TcpBuilder().sourcePort(40_000).destinationPort(80).sequenceNumber(0x1234_5678)
        .flags(TcpFlags.SYN).write(sent, 20, 0, 0);
    new Ipv4Builder().protocol(protocol).ttl(64).source(US).destination(PEER).write(sent, 0, 20);
    byte[] error = new byte[8 + quotedLength];
    System.arraycopy(sent, 0, error, 8, quotedLength);
    new IcmpBuilder().type(IcmpType.V4_DESTINATION_UNREACHABLE).code(IcmpType.V4_CODE_PORT_UNREACHABLE)
        .writeV4(error, 0, quotedLength);
    IcmpMessage m = new IcmpMessage();
    assertThat(m.wrapV4(error, 0, error.length)).isNull();
    return m;
  }

  @Test
  void v4Quote_ofATcpSegment_readsAddressesPortsAndSequence() {
    IcmpQuote quote = new IcmpQuote();
    assertThat(quote.wrap(v4Error(IpProtocol.TCP, 28))).isNull();
    assertThat(quote.isIpv6()).isFalse();
    assertThat(quote.sourceHigh()).isZero();
    assertThat(quote.sourceLow()).isEqualTo(Integer.toUnsignedLong(US));
    assertThat(quote.destinationLow()).isEqualTo(Integer.toUnsignedLong(PEER));
    assertThat(quote.sourcePort()).isEqualTo(40_000);
    assertThat(quote.destinationPort()).isEqualTo(80);
    assertThat(quote.sequenceNumber()).isEqualTo(0x1234_5678);
  }

  @Test
  void v4Quote_shorterThan8BytesOfTcp_isRefused() {
    assertThat(new IcmpQuote().wrap(v4Error(IpProtocol.TCP, 27))).isEqualTo(DropReason.ICMP_NO_SOCKET);
  }

  @Test
  void v4Quote_ofAnotherProtocol_isRefused() {
    assertThat(new IcmpQuote().wrap(v4Error(IpProtocol.UDP, 28))).isEqualTo(DropReason.ICMP_NO_SOCKET);
  }

  @Test
  void v6Quote_ofATcpSegment_readsBothHalves() {
    byte[] error = new byte[8 + 40 + 20]; // the whole segment quoted, as RFC 4443 §3 allows
    new Ipv6Builder().protocol(IpProtocol.TCP).hopLimit(64).source(0x2001_0db8L << 32, 1)
        .destination(0x2001_0db8L << 32, 2).write(error, 8, 20);
    new TcpBuilder().sourcePort(40_001).destinationPort(443).sequenceNumber(-7).flags(TcpFlags.ACK)
        .write(error, 48, 0, 0);
    new IcmpBuilder().type(IcmpType.V6_PACKET_TOO_BIG).restOfHeader(1280).writeV6(error, 0, 60, 0);
    IcmpMessage m = new IcmpMessage();
    m.wrapV6(error, 0, error.length, 0); // the checksum needs the pseudo-header; the view does not
    IcmpQuote quote = new IcmpQuote();
    assertThat(quote.wrap(m)).isNull();
    assertThat(quote.isIpv6()).isTrue();
    assertThat(quote.sourceHigh()).isEqualTo(0x2001_0db8L << 32);
    assertThat(quote.sourceLow()).isEqualTo(1);
    assertThat(quote.destinationLow()).isEqualTo(2);
    assertThat(quote.sourcePort()).isEqualTo(40_001);
    assertThat(quote.destinationPort()).isEqualTo(443);
    assertThat(quote.sequenceNumber()).isEqualTo(-7);
  }
}
