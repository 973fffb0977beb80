package dev.sluice.observe;

import jdk.jfr.EventType;
import jdk.jfr.FlightRecorder;

/**
 * The guards of Sluice's JFR events: {@code xEnabled()} is true only while a recording takes event
 * x, and an emitter makes the event only inside such a guard, so the hot path allocates nothing
 * and formats nothing when nobody records.
 *
 * <p>Each guard first asks whether JFR was ever started in this JVM ({@link
 * FlightRecorder#isInitialized()}, a static flag), and only then asks the event's {@link EventType}.
 * The event types are looked up lazily, in {@link Types}: looking one up registers the events with
 * JFR, which costs a JVM that never records about 100-200 ms and some memory, so that JVM never
 * does it. Thread-safe: any thread may ask.
 */
public final class SluiceEvents {
  private SluiceEvents() {}

  /** Made at the first guard asked after JFR started: registers Sluice's event types. */
  private static final class Types {
    static final EventType STATE = EventType.getEventType(ConnectionStateEvent.class);
    static final EventType RETRANSMISSION = EventType.getEventType(RetransmissionEvent.class);
    static final EventType RST_SENT = EventType.getEventType(RstSentEvent.class);
    static final EventType RST_RECEIVED = EventType.getEventType(RstReceivedEvent.class);
    static final EventType FIN_DELIVERED = EventType.getEventType(FinDeliveredEvent.class);
    static final EventType HANDOFF = EventType.getEventType(OwnershipHandoffEvent.class);
  }

  public static boolean connectionStateEnabled() {
    return FlightRecorder.isInitialized() && Types.STATE.isEnabled();
  }

  public static boolean retransmissionEnabled() {
    return FlightRecorder.isInitialized() && Types.RETRANSMISSION.isEnabled();
  }

  public static boolean rstSentEnabled() {
    return FlightRecorder.isInitialized() && Types.RST_SENT.isEnabled();
  }

  public static boolean rstReceivedEnabled() {
    return FlightRecorder.isInitialized() && Types.RST_RECEIVED.isEnabled();
  }

  public static boolean finDeliveredEnabled() {
    return FlightRecorder.isInitialized() && Types.FIN_DELIVERED.isEnabled();
  }

  public static boolean handoffEnabled() {
    return FlightRecorder.isInitialized() && Types.HANDOFF.isEnabled();
  }

  /**
   * Whether any event the engine emits is recorded: then each owner names its stack in {@link
   * OwnerScope} as it takes a connection, so those events can carry the stack's name.
   */
  public static boolean engineEventsEnabled() {
    return FlightRecorder.isInitialized() && (Types.STATE.isEnabled() || Types.RETRANSMISSION.isEnabled()
        || Types.RST_SENT.isEnabled() || Types.RST_RECEIVED.isEnabled());
  }
}
