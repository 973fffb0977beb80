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
}
