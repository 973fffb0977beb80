package dev.sluice.observe;

import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Label;
import jdk.jfr.Name;

/**
 * A thread found the connection owned by another and handed its work over (docs/runtime.md, the
 * ownership protocol): the event's thread published the work and left; the owner does it. Off by
 * default, because in spray mode it can happen for a large share of segments: enable it with
 * {@code dev.sluice.OwnershipHandoff#enabled=true}.
 */
@Name("dev.sluice.OwnershipHandoff")
@Label("Ownership Hand-off")
@Description("A thread found a connection busy and handed its work to the owning thread")
@Enabled(false)
public final class OwnershipHandoffEvent extends ConnectionEvent {
  @Label("Work")
  @Description("What was handed over: segment, call (an application call or ICMP error), timer or idle-release")
  String work;

  /** Records it; call only when {@link SluiceEvents#handoffEnabled()}. */
  public static void commit(String stack, String local, String remote, String work) {
    OwnershipHandoffEvent e = new OwnershipHandoffEvent();
    e.at(stack, local, remote);
    e.work = work;
    e.commit();
  }
}
