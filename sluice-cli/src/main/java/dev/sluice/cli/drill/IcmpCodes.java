package dev.sluice.cli.drill;

import dev.sluice.wire.IcmpType;
import java.util.List;
import java.util.Map;

/**
 * packetdrill's names for ICMP error types and codes (its icmp_packet.c), mapped to numbers for
 * ICMP (RFC 792, RFC 1812 §5.2.7.1) and ICMPv6 (RFC 4443). Any code may also be written {@code
 * code_N}. Only errors are injected: they quote a segment of the script's connection.
 */
final class IcmpCodes {
  private static final List<String> V4_UNREACHABLE = List.of("net_unreachable", "host_unreachable",
      "protocol_unreachable", "port_unreachable", "frag_needed", "source_route_failed", "net_unknown",
      "host_unknown", "source_host_isolated", "net_prohibited", "host_prohibited", "net_unreachable_for_tos",
      "host_unreachable_for_tos", "packet_filtered", "precedence_violation", "precedence_cutoff");
  private static final List<String> V4_TIME_EXCEEDED = List.of("ttl_exceeded_in_transit", "frag_reass_exceeded");
  private static final List<String> V6_UNREACHABLE = List.of("no_route", "admin_prohibited", "not_neighbour",
      "address_unreachable", "port_unreachable");
  private static final List<String> V6_TIME_EXCEEDED = List.of("exceeded_hop_limit", "exceeded_frag_time");
  private static final List<String> V6_PARAMETER_PROBLEM = List.of("header_field", "unknown_next_header",
      "unknown_option");
  /** Unreachable codes an IPv4-minded script writes for IPv6, as packetdrill accepts them. */
  private static final Map<String, Integer> V6_ALIASES = Map.of("net_unreachable", 0, "host_unreachable", 3);

  /** The error types a script may inject. */
  static final List<String> TYPES = List.of("unreachable", "time_exceeded", "parameter_problem", "packet_too_big",
      "source_quench");

  private IcmpCodes() {}

  /** {type, code} for the error, or null if the name is unknown for that IP version. */
  static int[] resolve(boolean ipv6, String type, String code) {
    if (ipv6) {
      return switch (type) {
        case "unreachable" -> code.equals("frag_needed") ? new int[] {IcmpType.V6_PACKET_TOO_BIG, 0}
            : pair(IcmpType.V6_DESTINATION_UNREACHABLE, V6_UNREACHABLE, code, V6_ALIASES);
        case "packet_too_big" -> new int[] {IcmpType.V6_PACKET_TOO_BIG, 0};
        case "time_exceeded" -> pair(IcmpType.V6_TIME_EXCEEDED, V6_TIME_EXCEEDED, code, Map.of());
        case "parameter_problem" -> pair(IcmpType.V6_PARAMETER_PROBLEM, V6_PARAMETER_PROBLEM, code, Map.of());
        default -> null;
      };
    }
    return switch (type) {
      case "unreachable" -> pair(IcmpType.V4_DESTINATION_UNREACHABLE, V4_UNREACHABLE, code, Map.of());
      case "packet_too_big" -> new int[] {IcmpType.V4_DESTINATION_UNREACHABLE, IcmpType.V4_CODE_FRAGMENTATION_NEEDED};
      case "time_exceeded" -> pair(IcmpType.V4_TIME_EXCEEDED, V4_TIME_EXCEEDED, code, Map.of());
      case "parameter_problem" -> pair(12, List.of("pointer_indicates_error", "missing_option", "bad_length"), code,
          Map.of());
      case "source_quench" -> new int[] {4, 0};
      default -> null;
    };
  }

  /** Whether the error reports a smaller path MTU (its {@code mtu N} matters). */
  static boolean carriesMtu(String type, String code) {
    return type.equals("packet_too_big") || code.equals("frag_needed");
  }

  private static int[] pair(int type, List<String> codes, String code, Map<String, Integer> aliases) {
    if (code.startsWith("code_")) {
      try {
        return new int[] {type, Integer.parseInt(code.substring(5))};
      } catch (NumberFormatException e) {
        return null;
      }
    }
    int i = codes.indexOf(code);
    if (i < 0 && aliases.containsKey(code)) {
      i = aliases.get(code);
    }
    return i < 0 ? null : new int[] {type, i};
  }
}
