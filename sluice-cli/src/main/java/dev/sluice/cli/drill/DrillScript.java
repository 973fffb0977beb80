package dev.sluice.cli.drill;

import java.util.List;

/**
 * A parsed script: its header options and its events, in order.
 *
 * @param name where it came from, for messages
 * @param toleranceMicros how far an event's actual time may be from the script's
 *     ({@code --tolerance_usecs}, packetdrill's default 4,000)
 * @param ipv6 whether the script's connection runs over IPv6 ({@code --ip_version=ipv6})
 * @param tolerancePercent {@code --tolerance_percent}: the tolerance grows to this share of the
 *     time since the previous line; NaN if the script does not say (the runner picks by mode)
 * @param mtu the interface MTU ({@code --mtu})
 * @param strictSegments {@code --strict_segments}: an outbound line matches one segment, never a
 *     run of them (see {@link DrillRunner})
 * @param ignoredOptions header options read and ignored, one note each ({@code --local_ip}...)
 */
record DrillScript(String name, long toleranceMicros, double tolerancePercent, boolean ipv6, int mtu,
    boolean strictSegments, List<String> ignoredOptions, List<ScriptEvent> events) {
  static final long DEFAULT_TOLERANCE_MICROS = 4_000;
  static final int DEFAULT_MTU = 1500;
}
