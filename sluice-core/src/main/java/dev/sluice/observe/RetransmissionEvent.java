package dev.sluice.observe;

import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/**
 * A segment sent again. Kinds: {@code RTO} (resent from SND.UNA after the retransmission timer, or
 * after a path MTU decrease), {@code FAST} (in fast recovery: duplicate ACKs, SACK or RACK found
 * it lost), {@code TLP} (a tail loss probe that resends the last segment) and {@code SYN} (our SYN
 * or SYN-ACK again).
 */
@Name("dev.sluice.Retransmission")
@Label("Retransmission")
@Description("A TCP segment sent again")
public final class RetransmissionEvent extends ConnectionEvent {
  @Label("Sequence Number")
  @Description("The segment's first sequence number (unsigned)")
  long seq;

  @Label("Length")
  @Description("Payload bytes")
  @DataAmount
  int length;

  @Label("Kind")
  @Description("RTO, FAST, TLP or SYN")
  String kind;

  /** Records it; call only when {@link SluiceEvents#retransmissionEnabled()}. */
  public static void commit(String stack, String local, String remote, long seq, int length, String kind) {
    RetransmissionEvent e = new RetransmissionEvent();
    e.at(stack, local, remote);
    e.seq = seq;
    e.length = length;
    e.kind = kind;
    e.commit();
  }
}
