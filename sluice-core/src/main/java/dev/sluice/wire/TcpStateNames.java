package dev.sluice.wire;

/**
 * How every Sluice tool prints a TCP state: the spelling of {@code ss(8)} (ESTAB, SYN-SENT,
 * SYN-RECV, FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT, CLOSE-WAIT, LAST-ACK, CLOSING, LISTEN, CLOSED), so
 * {@code serve --stats}, the gateway's flow table and {@code sluice doctor} read alike and match
 * what an operator sees from the kernel. One departure from ss: a closed connection is CLOSED, as
 * RFC 9293 names it, not ss's UNCONN (which ss means for a socket never connected).
 *
 * <p>Takes the state's RFC 9293 name as Java enums spell it ({@code ESTABLISHED}, {@code
 * FIN_WAIT_1}), which is what {@code TcpState.name()} and {@code TcpInfo.state()} give, so the
 * enums keep their names and any layer can print one. Stateless; any thread.
 */
public final class TcpStateNames {
  private TcpStateNames() {}

  /**
   * The display name of {@code state}, given as its enum name; a name that is not an RFC 9293
   * state (a tool's own, such as the doctor's RESET) keeps its letters, with dashes for
   * underscores.
   *
   * @param state an enum constant's name, such as {@code FIN_WAIT_1}
   * @return the ss(8) spelling, such as {@code FIN-WAIT-1} or {@code ESTAB}
   * @throws NullPointerException if {@code state} is {@code null}
   */
  public static String of(String state) {
    return switch (state) {
      case "ESTABLISHED" -> "ESTAB";
      case "SYN_RECEIVED" -> "SYN-RECV";
      default -> state.replace('_', '-');
    };
  }
}
