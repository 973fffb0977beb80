package dev.sluice.stack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.link.PacketBuffer;
import org.junit.jupiter.api.Test;

class BacklogTest {
  private static PacketBuffer buffer(int tag) {
    return PacketBuffer.copyOf(new byte[] {(byte) tag}, 0, 1);
  }

  @Test
  void dataIsRefusedAtTheLimit_butEmptySegmentsStillGetIn_upToTwiceIt() {
    Backlog backlog = new Backlog(4);
    for (int i = 0; i < 4; i++) {
      assertThat(backlog.push(buffer(i), false)).isTrue();
    }
    assertThat(backlog.push(buffer(4), false)).as("data beyond the limit").isFalse();
    for (int i = 5; i < 9; i++) {
      assertThat(backlog.push(buffer(i), true)).as("an ACK, FIN or RST behind full data").isTrue();
    }
    assertThat(backlog.push(buffer(9), true)).as("a flood of empty segments is bounded too").isFalse();
    assertThat(backlog.size()).isEqualTo(8);
  }

  @Test
  void takeAll_returnsEverySegmentInArrivalOrder() {
    Backlog backlog = new Backlog(2);
    backlog.push(buffer(1), false);
    backlog.push(buffer(2), false);
    backlog.push(buffer(3), true); // the FIN that arrived behind a full backlog
    StringBuilder order = new StringBuilder();
    for (PacketBuffer b = backlog.takeAll(); b != null; b = b.next()) {
      order.append(b.data()[0]);
    }
    assertThat(order).hasToString("123");
    assertThat(backlog.isEmpty()).isTrue();
    assertThat(backlog.size()).isZero();
  }
}
