package dev.sluice.stack;

/**
 * Deliberate breakages of the ownership protocol, used only by the tests that prove the
 * concurrency checks can see the Q114541 bug; chosen through
 * {@link FaultInjection#ownershipMutation()}. With {@link #NONE} (the default) the protocol is the
 * one {@link Connection} documents.
 */
public enum OwnershipMutation {
  /** The protocol as documented. */
  NONE,
  /** The owner never drains the backlog: segments queued by contended workers are stranded. */
  NO_BACKLOG_DRAIN,
  /** The owner lets go before it drains, so a second thread can run the engine at the same time. */
  RELEASE_BEFORE_DRAIN
}
