package dev.sluice.cli.drill;

import java.util.List;

/** One line of a script's body: a packet in or out, an ICMP error in, or a system call. */
sealed interface ScriptEvent {
  /** The 1-based line number in the script, for messages. */
  int line();

  /** The line as written, for messages. */
  String text();

  TimeSpec time();

  /**
   * A TCP segment: injected ({@code <}) or expected from the stack ({@code >}). Sequence and
   * acknowledgment numbers are relative to the sender's initial sequence number, as packetdrill
   * writes them.
   *
   * @param flags {@link dev.sluice.wire.TcpFlags} bits
   * @param ack the acknowledgment number, or -1 if the line has no {@code ack}
   * @param window the window field, or -1 if the line has no {@code win}
   * @param urgent the urgent pointer, or -1 if the line has no {@code urg}
   * @param options the options in order; null if the line has none; {@link #anyOptions} for
   *     {@code <...>}
   * @param ipFields IP-level fields as written ({@code [noecn]}, {@code (tos 0x2)}), or null:
   *     lenient mode ignores them, strict mode refuses them
   */
  record Packet(int line, String text, TimeSpec time, boolean inbound, int flags, long seq, int length,
      long ack, int window, int urgent, List<TcpOptionSpec> options, boolean anyOptions, String ipFields)
      implements ScriptEvent {}

  /**
   * An ICMP (or ICMPv6) error injected at the stack, quoting the segment at {@code quotedSeq}
   * (relative to the stack's ISN) of the script's connection (RFC 792, RFC 4443).
   *
   * @param type packetdrill's type name: {@code unreachable}, {@code time_exceeded}, ... ({@link IcmpCodes})
   * @param code packetdrill's code name ({@code port_unreachable}, {@code frag_needed}, ...) or {@code code_N}
   * @param mtu the next-hop MTU of {@code frag_needed} or {@code packet_too_big} (RFC 1191), else 0
   */
  record Icmp(int line, String text, TimeSpec time, String type, String code, int mtu, long quotedSeq,
      int quotedLength) implements ScriptEvent {}

  /**
   * A system call and its expected outcome ({@code = result} and, for -1, an errno name).
   *
   * @param returns for a blocking call written {@code start...end}, when it must return; else null
   */
  record Call(int line, String text, TimeSpec time, TimeSpec returns, String name, List<String> args,
      long result, String errno) implements ScriptEvent {}

  /**
   * A shell command in backquotes. The runner executes nothing: it applies the sysctls it names
   * ({@link ShellCommand}) and notes the rest.
   *
   * @param command the text between the backquotes
   */
  record Shell(int line, String text, TimeSpec time, String command) implements ScriptEvent {}

  /** A {@code %{ ... }%} block of Python (assertions on TCP_INFO): not evaluated. */
  record Code(int line, String text, TimeSpec time) implements ScriptEvent {}
}
