package dev.sluice.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link InlineReceiver#receiveIfUnowned}, the claim {@link Steering#ADAPTIVE} makes for a parked
 * worker's queue: one thread at a time owns the queue; the owner's own arrivals need nothing more;
 * another thread is told no (so it wakes the worker instead of leaving its packet to the owner);
 * and once the owner's scope ends and it lets go, the next thread may claim it.
 */
class InlineReceiverClaimTest {

  @Test
  void oneOwnerAtATime_othersAreToldNo_untilTheOwnerLetsGo() throws Exception {
    Host host = new Host(HostConfig.builder().build());
    InlineReceiver receiver = new InlineReceiver(host, new RecordingDevice("r0"), 0, false);

    InlineReceiver.Scope scope = InlineReceiver.enterScope();
    try {
      assertThat(receiver.receiveIfUnowned()).as("the first arrival claims the queue (drained at scope end)").isTrue();
      assertThat(receiver.receiveIfUnowned()).as("the owner's own next arrival").isTrue();
      assertThat(fromAnotherThread(receiver)).as("another thread, while this one owns it").isFalse();
    } finally {
      InlineReceiver.exitScope(scope);
    }
    assertThat(fromAnotherThread(receiver)).as("another thread, once this one let go").isTrue();
    assertThat(receiver.receiveIfUnowned()).as("and this one again, after that one let go").isTrue();
  }

  private static boolean fromAnotherThread(InlineReceiver receiver) throws Exception {
    CompletableFuture<Boolean> answer = new CompletableFuture<>();
    Thread.ofPlatform().start(() -> answer.complete(receiver.receiveIfUnowned()));
    return answer.get(10, TimeUnit.SECONDS);
  }
}
