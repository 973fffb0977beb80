package dev.sluice.observe;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.StackTrace;

/**
 * What every Sluice event says about its connection: the stack and the 4-tuple. The subclasses are
 * the events; this one is never recorded itself. An event object is made, filled and committed on
 * one thread, inside its guard in {@link SluiceEvents}.
 */
@Category("Sluice")
@StackTrace(false) // a stack trace would cost more than the event; the thread is recorded anyway
abstract class ConnectionEvent extends Event {
  @Label("Stack")
  @Description("The stack's name (NetStack.name(), its MBean's name); empty when the engine ran outside a named owner")
  String stack;

  @Label("Local")
  @Description("Local address:port")
  String local;

  @Label("Remote")
  @Description("Remote address:port")
  String remote;

  final void at(String stack, String local, String remote) {
    this.stack = stack;
    this.local = local;
    this.remote = remote;
  }
}
