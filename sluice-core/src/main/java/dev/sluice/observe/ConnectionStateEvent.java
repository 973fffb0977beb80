package dev.sluice.observe;

import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** A connection changed state, in ss(8)'s spelling (SYN-SENT, ESTAB, FIN-WAIT-1, ...; CLOSED at the end). */
@Name("dev.sluice.ConnectionState")
@Label("Connection State")
@Description("A TCP connection changed state")
public final class ConnectionStateEvent extends ConnectionEvent {
  @Label("From")
  String from;

  @Label("To")
  String to;

  /** Records the change; call only when {@link SluiceEvents#connectionStateEnabled()}. */
  public static void commit(String stack, String local, String remote, String from, String to) {
    ConnectionStateEvent e = new ConnectionStateEvent();
    e.at(stack, local, remote);
    e.from = from;
    e.to = to;
    e.commit();
  }
}
