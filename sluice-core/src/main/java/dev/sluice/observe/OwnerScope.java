package dev.sluice.observe;

/**
 * Which stack the current thread works for: the engine (in {@code dev.sluice.tcp}) does not know
 * its stack, so while events are recorded each connection owner names the stack here as it takes
 * the connection, and the engine's events read it back. An entry names its owner (the engine),
 * so a thread that owned another connection since (a nested inline receive, say) finds no name
 * rather than a wrong one: such an event has an empty stack field.
 *
 * <p>Per thread: each thread sees only its own entry. Written only while events are recorded
 * ({@link SluiceEvents#engineEventsEnabled()}), so it costs nothing otherwise.
 */
public final class OwnerScope {
  private static final ThreadLocal<OwnerScope> CURRENT = ThreadLocal.withInitial(OwnerScope::new);

  private Object owner;
  private String stack;

  private OwnerScope() {}

  /** The current thread now works on {@code owner}'s connection, of the stack called {@code stack}. */
  public static void enter(Object owner, String stack) {
    OwnerScope scope = CURRENT.get();
    scope.owner = owner;
    scope.stack = stack;
  }

  /** The stack the current thread named for {@code owner}, or "" if it named none. */
  public static String stackOf(Object owner) {
    OwnerScope scope = CURRENT.get();
    return scope.owner == owner && scope.stack != null ? scope.stack : "";
  }
}
