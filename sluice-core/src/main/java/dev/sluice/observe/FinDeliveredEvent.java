package dev.sluice.observe;

import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/**
 * The peer's FIN reached the application as end-of-stream: every byte before it was delivered
 * first (the Q114541 invariant), and this says how many.
 */
@Name("dev.sluice.FinDelivered")
@Label("FIN Delivered")
@Description("The peer's FIN was delivered to the application as end-of-stream, after all its bytes")
public final class FinDeliveredEvent extends ConnectionEvent {
  @Label("Bytes Before")
  @Description("Bytes the peer sent before its FIN, all delivered in order")
  @DataAmount
  long bytesBefore;

  /** Records it; call only when {@link SluiceEvents#finDeliveredEnabled()}. */
  public static void commit(String stack, String local, String remote, long bytesBefore) {
    FinDeliveredEvent e = new FinDeliveredEvent();
    e.at(stack, local, remote);
    e.bytesBefore = bytesBefore;
    e.commit();
  }
}
