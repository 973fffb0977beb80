package dev.sluice.observe;

import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** A RST this stack sent, and why: by a connection (an abort, an answer) or for a segment that met none. */
@Name("dev.sluice.RstSent")
@Label("RST Sent")
@Description("A TCP RST sent, with the reason")
public final class RstSentEvent extends ConnectionEvent {
  @Label("Reason")
  String reason;

  /** Records it; call only when {@link SluiceEvents#rstSentEnabled()}. */
  public static void commit(String stack, String local, String remote, String reason) {
    RstSentEvent e = new RstSentEvent();
    e.at(stack, local, remote);
    e.reason = reason;
    e.commit();
  }
}
