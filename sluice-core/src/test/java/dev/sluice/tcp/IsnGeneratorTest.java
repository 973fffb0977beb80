package dev.sluice.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IsnGeneratorTest {
  private static final long KEY0 = 0x243F6A8885A308D3L;
  private static final long KEY1 = 0x13198A2E03707344L;
  private static final long MS = 1_000_000L;

  // 198.18.0.1:40000 -> 198.18.0.2:80, and 2001:2::1 -> 2001:2::2 (see docs/decisions.md).
  private static final long V4_LOCAL = 0xC6120001L;
  private static final long V4_REMOTE = 0xC6120002L;
  private static final long V6_HIGH = 0x2001_0002_0000_0000L;

  private final IsnGenerator generator = new IsnGenerator(KEY0, KEY1);

  /** The tuple as an array {localHigh, localLow, localPort, remoteHigh, remoteLow, remotePort}. */
  private static int isn(IsnGenerator generator, long[] t, long nowNanos) {
    return generator.isn(t[0], t[1], (int) t[2], t[3], t[4], (int) t[5], nowNanos);
  }

  private static long[] v4Tuple() {
    return new long[] {0, V4_LOCAL, 40000, 0, V4_REMOTE, 80};
  }

  @Test
  void theIsn_isTheFourMicrosecondClockPlusTheLow32BitsOfSipHashOfTheTuple() {
    long now = 123_456_789_012L;
    long f = SipHash.hash5(KEY0, KEY1, V6_HIGH, 1, V6_HIGH, 2, 40000L << 16 | 443);
    int expected = (int) (now / 4000) + (int) f;
    assertThat(generator.isn(V6_HIGH, 1, 40000, V6_HIGH, 2, 443, now)).isEqualTo(expected);
  }

  @Test
  void theSameKeyTupleAndTime_giveTheSameIsn() {
    IsnGenerator twin = new IsnGenerator(KEY0, KEY1);
    assertThat(isn(twin, v4Tuple(), 5 * MS)).isEqualTo(isn(generator, v4Tuple(), 5 * MS));
    assertThat(isn(generator, v4Tuple(), 5 * MS)).isEqualTo(isn(generator, v4Tuple(), 5 * MS));
  }

  @ParameterizedTest(name = "field {0}")
  @ValueSource(ints = {0, 1, 2, 3, 4, 5})
  void changingAnyFieldOfTheTuple_changesTheIsn(int field) {
    long[] tuple = {V6_HIGH, 1, 40000, V6_HIGH, 2, 443};
    int before = isn(generator, tuple, 0);
    long[] changed = tuple.clone();
    changed[field] ^= 1; // the lowest bit: the smallest possible change
    assertThat(isn(generator, changed, 0)).isNotEqualTo(before);
  }

  @Test
  void swappingLocalAndRemote_changesTheIsn() {
    // Both ends of one connection must not pick related ISNs.
    int forward = generator.isn(0, V4_LOCAL, 40000, 0, V4_REMOTE, 80, 0);
    int backward = generator.isn(0, V4_REMOTE, 80, 0, V4_LOCAL, 40000, 0);
    assertThat(forward).isNotEqualTo(backward);
  }

  @Test
  void forOneTuple_theIsnAdvances250PerMillisecond() {
    long start = 987_654_321L * 4000; // on a tick boundary
    int base = isn(generator, v4Tuple(), start);
    assertThat(isn(generator, v4Tuple(), start + 1 * MS) - base).isEqualTo(250);
    assertThat(isn(generator, v4Tuple(), start + 1000 * MS) - base).isEqualTo(250_000);
    assertThat(isn(generator, v4Tuple(), start + 3999) - base).as("within a tick").isZero();
    assertThat(isn(generator, v4Tuple(), start + 4000) - base).as("the next tick").isEqualTo(1);
  }

  @Test
  void theClock_ticksEvenlyThroughZeroAndWrapsModulo2To32() {
    int atZero = isn(generator, v4Tuple(), 0);
    assertThat(isn(generator, v4Tuple(), 3999)).isEqualTo(atZero);
    assertThat(isn(generator, v4Tuple(), -1)).isEqualTo(atZero - 1);
    assertThat(isn(generator, v4Tuple(), -4000)).isEqualTo(atZero - 1);
    assertThat(isn(generator, v4Tuple(), -4001)).isEqualTo(atZero - 2);
    long wrap = 4000L << 32; // 2^32 ticks, about 4.8 hours
    assertThat(isn(generator, v4Tuple(), wrap)).isEqualTo(atZero);
    assertThat(isn(generator, v4Tuple(), wrap - 4000)).isEqualTo(atZero - 1);
  }

  @Test
  void differentKeys_giveUnrelatedIsns() {
    IsnGenerator other = new IsnGenerator(KEY0 ^ 1, KEY1);
    Set<Integer> differences = new HashSet<>();
    int agreeingBits = 0;
    for (int port = 1024; port < 2024; port++) {
      int a = generator.isn(0, V4_LOCAL, port, 0, V4_REMOTE, 80, 0);
      int b = other.isn(0, V4_LOCAL, port, 0, V4_REMOTE, 80, 0);
      differences.add(a - b);
      agreeingBits += 32 - Integer.bitCount(a ^ b);
    }
    // If the key only shifted F by a constant, one offset learned would give all the others.
    assertThat(differences).hasSizeGreaterThan(990);
    // 32000 bit positions, each agreeing with probability 1/2: mean 16000, sd about 89.
    assertThat(agreeingBits).isBetween(16000 - 600, 16000 + 600);
  }

  @Test
  void tenThousandTuplesAtOneInstant_spreadLikeRandomNumbers() {
    long seed = 0x15_0001L;
    SplittableRandom random = new SplittableRandom(seed);
    Set<Integer> seen = new HashSet<>();
    int[] ones = new int[32];
    int n = 10_000;
    for (int i = 0; i < n; i++) {
      // Peers in 198.18.0.0/15 with random ports, connecting to one local service.
      long remote = 0xC6120000L | random.nextInt(1 << 17);
      int isn = generator.isn(0, V4_LOCAL, 443, 0, remote, 1024 + random.nextInt(64512), 0);
      seen.add(isn);
      for (int bit = 0; bit < 32; bit++) {
        ones[bit] += (isn >>> bit) & 1;
      }
    }
    // About n^2 / 2^33 = 0.01 collisions are expected among random 32-bit values (a repeated
    // tuple adds about 0.006); more than 3 would mean F is far from uniform.
    assertThat(n - seen.size()).as("seed %d: collisions", seed).isLessThanOrEqualTo(3);
    for (int bit = 0; bit < 32; bit++) {
      // Binomial(10000, 1/2): sd 50; 6 sd of slack.
      assertThat(ones[bit]).as("seed %d: bit %d", seed, bit).isBetween(4700, 5300);
    }
  }

  @Test
  void consecutiveSourcePorts_doNotRevealAConstantStep() {
    // An attacker opening connections from successive ports sees successive ISNs; with a PRF the
    // step between them is unpredictable rather than constant.
    Set<Integer> steps = new HashSet<>();
    int previous = generator.isn(0, V4_LOCAL, 80, 0, V4_REMOTE, 30000, 0);
    for (int port = 30001; port < 31001; port++) {
      int next = generator.isn(0, V4_LOCAL, 80, 0, V4_REMOTE, port, 0);
      steps.add(next - previous);
      previous = next;
    }
    assertThat(steps).hasSizeGreaterThan(990);
  }

  @Test
  void randomKeys_differBetweenGenerators() {
    IsnGenerator a = IsnGenerator.withRandomKey();
    IsnGenerator b = IsnGenerator.withRandomKey();
    // Equal by chance once in 2^32 per tuple, so all three agree by chance once in 2^96.
    boolean allEqual = true;
    for (int port = 1; port <= 3; port++) {
      allEqual &= a.isn(0, V4_LOCAL, port, 0, V4_REMOTE, 80, 0)
          == b.isn(0, V4_LOCAL, port, 0, V4_REMOTE, 80, 0);
    }
    assertThat(allEqual).isFalse();
  }

  @Test
  void toString_doesNotRevealTheKey() {
    String text = generator.toString().toLowerCase(Locale.ROOT);
    assertThat(text).doesNotContain(Long.toHexString(KEY0)).doesNotContain(Long.toString(KEY0))
        .doesNotContain(Long.toHexString(KEY1)).doesNotContain(Long.toString(KEY1));
  }

  @Test
  void aPortOutsideSixteenBits_isRejected() {
    assertThatThrownBy(() -> generator.isn(0, V4_LOCAL, 65536, 0, V4_REMOTE, 80, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> generator.isn(0, V4_LOCAL, 80, 0, V4_REMOTE, -1, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatCode(() -> generator.isn(0, V4_LOCAL, 65535, 0, V4_REMOTE, 0, 0))
        .doesNotThrowAnyException();
  }
}
