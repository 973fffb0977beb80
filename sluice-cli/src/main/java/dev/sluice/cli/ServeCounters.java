package dev.sluice.cli;

import dev.sluice.api.NetStack;
import dev.sluice.cli.json.CliJson;
import dev.sluice.link.TunDevice;
import dev.sluice.wire.DropReason;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One line of JSON saying how {@code sluice serve} is doing, for {@code serve --counters N} and
 * the scripts that watch it under load (scripts/bench-synflood.sh): the connection count, the
 * host's TCP counters and drops by reason ({@code nstat} names, as {@code --stats} prints them),
 * the TUN device's own drops and failed writes, and the JVM's heap in use (garbage not yet
 * collected included: a watcher that wants the live heap forces a collection first, as
 * scripts/bench-synflood.sh does with {@code jcmd PID GC.run}).
 *
 * <p>Keys: {@code schema} ({@link CliJson#SCHEMA}), {@code seconds} (since serve started), {@code connections}, {@code tcp} (counter or
 * {@code Drop}REASON name to value), {@code device} ({@code drops}, by {@link
 * dev.sluice.wire.DropReason} name, and {@code transmitErrors}), {@code heapUsedBytes}. The counter and
 * drop-reason names under {@code tcp} and {@code device.drops} are data, spelled as {@code nstat}
 * and {@link dev.sluice.wire.DropReason} spell them, not lowerCamelCase keys (docs/json.md).
 *
 * <p><b>Threads.</b> Stateless; call from any thread. The values are read without stopping the
 * stack, so they may be a moment apart from one another.
 */
final class ServeCounters {
  private ServeCounters() {}

  /** The line for {@code stack} on {@code device}, {@code seconds} after start. */
  static String line(NetStack stack, TunDevice device, double seconds) {
    return line(seconds, stack.connectionCount(), stack.tcpCounters(), device.drops().snapshot(),
        device.transmitErrors());
  }

  /**
   * The line from values already read: {@code tcpCounters} as {@link NetStack#tcpCounters()} prints
   * them, {@code deviceDrops} as the device counts them.
   */
  static String line(double seconds, int connections, String tcpCounters, Map<DropReason, Long> deviceDrops,
      long transmitErrors) {
    Map<String, Object> line = CliJson.start(null); // watches, checks nothing: no "passed"
    line.put("seconds", Math.round(seconds * 10) / 10.0);
    line.put("connections", connections);
    line.put("tcp", parseCounters(tcpCounters));
    Map<String, Object> dev = new LinkedHashMap<>();
    Map<String, Long> drops = new LinkedHashMap<>();
    deviceDrops.forEach((reason, n) -> drops.put(reason.name(), n));
    dev.put("drops", drops);
    dev.put("transmitErrors", transmitErrors);
    line.put("device", dev);
    line.put("heapUsedBytes", ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    return CliJson.write(line);
  }

  /**
   * The {@code nstat}-style text of {@link NetStack#tcpCounters()} ("NAME VALUE", and for drops
   * "DropREASON VALUE  # why") as a map; the public API gives the counters only as that text.
   */
  static Map<String, Long> parseCounters(String text) {
    Map<String, Long> counters = new LinkedHashMap<>();
    for (String row : text.split("\n")) {
      String[] fields = row.strip().split("\\s+");
      if (fields.length >= 2) {
        try {
          counters.put(fields[0], Long.parseLong(fields[1]));
        } catch (NumberFormatException e) {
          // not a counter row: nothing else is printed there today, and nothing to report if so
        }
      }
    }
    return counters;
  }
}
