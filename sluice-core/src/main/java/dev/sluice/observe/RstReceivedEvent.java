package dev.sluice.observe;

import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** A RST a connection accepted (RFC 9293 §3.10.7, RFC 5961 §3): it refused our SYN or reset the connection. */
@Name("dev.sluice.RstReceived")
@Label("RST Received")
@Description("A TCP RST accepted by a connection, with what it did")
public final class RstReceivedEvent extends ConnectionEvent {
  @Label("State")
  @Description("The connection's state when the RST arrived")
  String state;

  @Label("Reason")
  String reason;

  /** Records it; call only when {@link SluiceEvents#rstReceivedEnabled()}. */
  public static void commit(String stack, String local, String remote, String state, String reason) {
    RstReceivedEvent e = new RstReceivedEvent();
    e.at(stack, local, remote);
    e.state = state;
    e.reason = reason;
    e.commit();
  }
}
