package dev.sluice.stack;

/** The fault-injection hook that breaks the ownership protocol one way, for the mutation tests. */
final class Mutations {
  private Mutations() { }

  static FaultInjection injecting(OwnershipMutation mutation) {
    return new FaultInjection() {
      @Override
      public OwnershipMutation ownershipMutation() {
        return mutation;
      }
    };
  }
}
