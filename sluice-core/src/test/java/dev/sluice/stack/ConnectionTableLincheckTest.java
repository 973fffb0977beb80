package dev.sluice.stack;

import dev.sluice.tcp.TcpEndpoints;
import java.util.HashMap;
import java.util.concurrent.TimeUnit;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Checks that {@link ConnectionTable}'s {@code get}, {@code putIfAbsent} and {@code remove} are
 * linearizable against a {@link HashMap} ({@link SequentialTable}).
 *
 * <p>Four keys (two IPv4, two IPv6) and a table created with initial capacity 0, so its array
 * starts at two slots: keys share probe runs, removals leave tombstones, and the array is grown,
 * cleaned and shrunk within a scenario (at this size almost every removal rebuilds it) while
 * lock-free readers are mid-probe. The values are small {@code Integer}s from the box cache, so the table's identity
 * comparison in {@code remove} and the model's {@code equals} agree. {@code size()} is left out:
 * it is documented as a statistic that may lag a write in progress, not as linearizable.
 *
 * <p>The hash key is fixed: model checking replays interleavings and needs every run of a scenario
 * to behave alike. Model checking assumes sequential consistency, so it checks the algorithm, not
 * the choice of acquire and release accesses; the torture test in {@link ConnectionTableTest}
 * runs real threads. Sized to finish in well under 30 seconds; raise
 * {@code -Dlincheck.mc.iterations}, {@code -Dlincheck.mc.invocations},
 * {@code -Dlincheck.stress.iterations} and {@code -Dlincheck.stress.invocations} for a soak.
 */
@Param(name = "key", gen = IntGen.class, conf = "0:3")
@Param(name = "value", gen = IntGen.class, conf = "1:3")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
public class ConnectionTableLincheckTest {
  /**
   * Key {@code i} of four: two IPv4 keys that differ in the remote port only, and two IPv6 keys.
   * Made afresh per call rather than kept in a static array: Lincheck snapshots reachable state and
   * cannot take field offsets of record classes, so it would warn about every field.
   */
  private static TcpEndpoints key(int i) {
    return i < 2
        ? TcpEndpoints.ipv4(0x0A00_0001, 80, 0x0A00_0002, 40000 + i)
        : TcpEndpoints.ipv6(0x2001_0db8_0000_0000L, 1, 443, 0x2001_0db8_0000_0000L, i, 50000);
  }

  private final ConnectionTable<Integer> table =
      new ConnectionTable<>(0, 0x0706050403020100L, 0x0f0e0d0c0b0a0908L);

  @Operation
  public Integer get(@Param(name = "key") int key) {
    TcpEndpoints k = key(key);
    return table.get(k.ipv6(), k.localHigh(), k.localLow(), k.localPort(), k.remoteHigh(),
        k.remoteLow(), k.remotePort());
  }

  @Operation
  public Integer putIfAbsent(@Param(name = "key") int key, @Param(name = "value") int value) {
    return table.putIfAbsent(key(key), value);
  }

  @Operation
  public boolean remove(@Param(name = "key") int key, @Param(name = "value") int value) {
    return table.remove(key(key), value);
  }

  /** The sequential specification: a map that keeps the first value and removes on a match. */
  public static final class SequentialTable {
    private final HashMap<Integer, Integer> map = new HashMap<>();

    public Integer get(int key) {
      return map.get(key);
    }

    public Integer putIfAbsent(int key, int value) {
      return map.putIfAbsent(key, value);
    }

    public boolean remove(int key, int value) {
      return map.remove(key, value);
    }
  }

  @Test
  @Order(1)
  @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void getPutRemove_areLinearizable_underModelChecking() {
    new ModelCheckingOptions()
        .sequentialSpecification(SequentialTable.class)
        .threads(3)
        .actorsPerThread(2)
        .actorsBefore(2)
        .actorsAfter(2)
        .iterations(Integer.getInteger("lincheck.mc.iterations", 20))
        .invocationsPerIteration(Integer.getInteger("lincheck.mc.invocations", 400))
        .check(getClass());
  }

  @Test
  @Order(2)
  @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void getPutRemove_areLinearizable_underStress() {
    new StressOptions()
        .sequentialSpecification(SequentialTable.class)
        .threads(2)
        .actorsPerThread(3)
        .actorsBefore(3)
        .actorsAfter(2)
        .iterations(Integer.getInteger("lincheck.stress.iterations", 10))
        .invocationsPerIteration(Integer.getInteger("lincheck.stress.invocations", 1_000))
        .check(getClass());
  }
}
