package dev.sluice.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** SYN cookies (RFC 4987 §3.6): what a cookie carries comes back, and nothing else passes. */
class SynCookiesTest {
  private static final long S = 1_000_000_000L;
  private final SynCookies cookies = new SynCookies(11, 22);
  private final TcpEndpoints e = new TcpEndpoints(false, 0, 0xC612_0002L, 80, 0, 0xC612_0001L, 40_000);

  @Test
  void aCookie_returnsItsMss_roundedDownToTheTable() {
    int irs = 0x7000_0000;
    assertThat(cookies.mss(e, irs + 1, cookies.iss(e, irs, 1460, 5 * S) + 1, 5 * S)).isEqualTo(1460);
    assertThat(cookies.mss(e, irs + 1, cookies.iss(e, irs, 1440, 5 * S) + 1, 5 * S)).isEqualTo(1440);
    assertThat(cookies.mss(e, irs + 1, cookies.iss(e, irs, 1300, 5 * S) + 1, 5 * S)).isEqualTo(1220);
    assertThat(cookies.mss(e, irs + 1, cookies.iss(e, irs, 100, 5 * S) + 1, 5 * S)).isEqualTo(536);
    assertThat(cookies.mss(e, irs + 1, cookies.iss(e, irs, 9000, 5 * S) + 1, 5 * S)).isEqualTo(1460);
  }

  @Test
  void aCookie_livesOneToTwoPeriods() {
    int irs = 12345;
    int iss = cookies.iss(e, irs, 1460, 10 * S);
    assertThat(cookies.mss(e, irs + 1, iss + 1, 60 * S)).isEqualTo(1460);
    assertThat(cookies.mss(e, irs + 1, iss + 1, 127 * S)).as("next period").isEqualTo(1460);
    assertThat(cookies.mss(e, irs + 1, iss + 1, 129 * S)).as("two periods on").isEqualTo(-1);
  }

  @Test
  void anotherTuple_anotherClientIsn_orAnotherKey_doesNotPass() {
    int irs = 999;
    int iss = cookies.iss(e, irs, 1460, 0);
    TcpEndpoints otherPort = new TcpEndpoints(false, 0, 0xC612_0002L, 80, 0, 0xC612_0001L, 40_001);
    assertThat(cookies.mss(otherPort, irs + 1, iss + 1, 0)).isEqualTo(-1);
    assertThat(cookies.mss(e, irs + 2, iss + 1, 0)).isEqualTo(-1);
    assertThat(new SynCookies(11, 23).mss(e, irs + 1, iss + 1, 0)).isEqualTo(-1);
    assertThat(cookies.mss(e, irs + 1, iss + 2, 0)).as("one off").isEqualTo(-1);
  }

  @Test
  void blindGuesses_almostNeverPass() {
    java.util.SplittableRandom r = new java.util.SplittableRandom(1);
    int passed = 0;
    for (int i = 0; i < 100_000; i++) {
      if (cookies.mss(e, r.nextInt(), r.nextInt(), 0) >= 0) {
        passed++;
      }
    }
    assertThat(passed).as("about 100,000 x 2 / 32 x 2^-24 expected").isLessThanOrEqualTo(2);
  }

  /** The pseudo-header sum of a segment from the peer (remote to local). */
  private static int incoming(int length) {
    return dev.sluice.wire.Checksum.pseudoHeaderIpv4(0xC612_0001, 0xC612_0002, dev.sluice.wire.IpProtocol.TCP, length);
  }

  @Test
  void acceptCookie_makesAnEstablishedConnectionWithoutOptions() {
    TcpConfig config = TcpConfig.defaults();
    int irs = 5000;
    int iss = cookies.iss(e, irs, 1460, 0);
    byte[] ack = new byte[20];
    new dev.sluice.wire.TcpBuilder().sourcePort(40_000).destinationPort(80).sequenceNumber(irs + 1)
        .acknowledgmentNumber(iss + 1).flags(dev.sluice.wire.TcpFlags.ACK).window(1000)
        .write(ack, 0, 0, incoming(20));
    dev.sluice.wire.TcpSegment seg = new dev.sluice.wire.TcpSegment();
    assertThat(seg.wrap(ack, 0, 20, incoming(20))).isNull();
    TcpEngine engine = TcpEngine.acceptCookie(config, e, seg, 1460, 0);
    assertThat(engine.state()).isEqualTo(TcpState.ESTABLISHED);
    assertThat(engine.sendMss()).isEqualTo(1460);
    assertThat(engine.write(new byte[3000], 0, 3000, 0)).isEqualTo(3000);
    byte[] out = new byte[2000];
    int n = engine.pollTransmit(out, 0, 0);
    assertThat(n).as("a segment without options: 20-byte header plus at most the 1000-byte window").isEqualTo(20 + 1000);
  }

  /** The pseudo-header sum of a segment from us to the peer. */
  private static int outgoing(int length) {
    return dev.sluice.wire.Checksum.pseudoHeaderIpv4(0xC612_0002, 0xC612_0001, dev.sluice.wire.IpProtocol.TCP, length);
  }

  /** The client's segment: a SYN (with MSS, SACK-permitted, timestamps, window scale 7) or an ACK. */
  private static dev.sluice.wire.TcpSegment fromClient(int flags, int seq, int ack, int tsVal, int tsEcr,
      boolean timestamps) {
    dev.sluice.wire.TcpBuilder b = new dev.sluice.wire.TcpBuilder().sourcePort(40_000).destinationPort(80)
        .sequenceNumber(seq).acknowledgmentNumber(ack).flags(flags).window(1000);
    if ((flags & dev.sluice.wire.TcpFlags.SYN) != 0) {
      b.mss(1460).sackPermitted().nop().windowScale(7);
    }
    if (timestamps) {
      b.nop().nop().timestamps(tsVal, tsEcr);
    }
    byte[] bytes = new byte[b.headerLength()];
    b.write(bytes, 0, 0, incoming(bytes.length));
    dev.sluice.wire.TcpSegment seg = new dev.sluice.wire.TcpSegment();
    assertThat(seg.wrap(bytes, 0, bytes.length, incoming(bytes.length))).isNull();
    return seg;
  }

  /** Sends {@code n} bytes on {@code engine} and returns how many the first flight carried. */
  private static int firstFlight(TcpEngine engine, int n, long now) {
    assertThat(engine.write(new byte[n], 0, n, now)).isEqualTo(n);
    byte[] out = new byte[70_000];
    int payload = 0;
    for (int len; (len = engine.pollTransmit(out, 0, now)) > 0; ) {
      dev.sluice.wire.TcpSegment seg = new dev.sluice.wire.TcpSegment();
      assertThat(seg.wrap(out, 0, len, outgoing(len))).isNull();
      assertThat(seg.options().hasTimestamps()).as("every segment carries a timestamp once agreed")
          .isEqualTo(engine.timestampsOk);
      payload += seg.payloadLength();
    }
    return payload;
  }

  @Test
  void withTimestamps_theCookieSynAckKeepsTheSynsOptionsInItsTsval_andTheConnectionUsesThem() {
    TcpConfig config = TcpConfig.defaults();
    long now = 7 * S;
    int irs = 5000;
    byte[] synAck = new byte[60];
    int length = new CookieSynAck().write(cookies, config, e,
        fromClient(dev.sluice.wire.TcpFlags.SYN, irs, 0, 777, 0, true), now, synAck, 0);
    dev.sluice.wire.TcpSegment answer = new dev.sluice.wire.TcpSegment();
    assertThat(answer.wrap(synAck, 0, length, outgoing(length))).isNull();
    dev.sluice.wire.TcpOptions offered = answer.options();
    int iss = answer.sequenceNumber();
    assertThat(cookies.mss(e, irs + 1, iss + 1, now)).as("still a cookie").isEqualTo(1460);
    assertThat(offered.sackPermitted()).isTrue();
    assertThat(offered.hasWindowScale()).isTrue();
    assertThat(offered.hasTimestamps()).isTrue();
    assertThat(offered.tsEcr()).isEqualTo(777);
    assertThat(offered.tsVal() & 0x3F).as("window scale 7, SACK").isEqualTo(7 | 0x10);
    int clock = Sender.timestamp(iss, now);
    assertThat(clock - offered.tsVal()).as("never ahead of the connection's clock").isBetween(0, 63);

    TcpEngine engine = TcpEngine.acceptCookie(config, e,
        fromClient(dev.sluice.wire.TcpFlags.ACK, irs + 1, iss + 1, 778, offered.tsVal(), true), 1460, now);
    assertThat(engine.state()).isEqualTo(TcpState.ESTABLISHED);
    assertThat(engine.timestampsOk).isTrue();
    assertThat(engine.sackOk).isTrue();
    assertThat(engine.sendMss()).as("1460 less the timestamp option").isEqualTo(1448);
    assertThat(firstFlight(engine, 4 * 1448, now)).as("the window, 1000 << 7, takes four full segments")
        .isEqualTo(4 * 1448);
  }

  @Test
  void withoutTimestamps_orWithAnEchoThatIsNotOurs_theConnectionGoesWithoutOptions() {
    TcpConfig config = TcpConfig.defaults();
    long now = 7 * S;
    int irs = 5000;
    byte[] synAck = new byte[60];
    int length = new CookieSynAck().write(cookies, config, e,
        fromClient(dev.sluice.wire.TcpFlags.SYN, irs, 0, 0, 0, false), now, synAck, 0);
    assertThat(length).as("a SYN-ACK with the MSS alone: nowhere to keep the rest").isEqualTo(24);
    int iss = cookies.iss(e, irs, 1460, now);

    int future = Sender.timestamp(iss, now) + 1000;
    TcpEngine engine = TcpEngine.acceptCookie(config, e,
        fromClient(dev.sluice.wire.TcpFlags.ACK, irs + 1, iss + 1, 778, future | 0x17, true), 1460, now);
    assertThat(engine.timestampsOk).isFalse();
    assertThat(engine.sackOk).isFalse();
    assertThat(firstFlight(engine, 4 * 1448, now)).as("an unscaled window of 1000").isEqualTo(1000);
  }
}
