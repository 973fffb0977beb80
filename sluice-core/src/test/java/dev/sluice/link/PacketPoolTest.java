package dev.sluice.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PacketPoolTest {

  @Test
  void newPool_hasEveryBufferFreeWithTheRequestedCapacity() {
    PacketPool pool = new PacketPool(8, 1500);

    assertThat(pool.size()).isEqualTo(8);
    assertThat(pool.available()).isEqualTo(8);
    assertThat(pool.bufferCapacity()).isEqualTo(1500);
    assertThat(pool.exhaustedCount()).isZero();
  }

  @Test
  void buffers_areMadeOnlyAsTheyAreNeeded_andThenReused() {
    PacketPool pool = new PacketPool(65_536, 1500);
    assertThat(pool.made()).as("a new pool holds no buffer").isZero();
    assertThat(pool.available()).isEqualTo(65_536);

    PacketBuffer first = pool.acquire();
    for (int i = 0; i < 1_000; i++) {
      first.release();
      assertThat(pool.acquire()).as("round %d reuses the one buffer", i).isSameAs(first);
    }
    assertThat(pool.made()).isEqualTo(1);

    PacketBuffer second = pool.acquire();
    PacketBuffer third = pool.acquire();
    assertThat(Set.of(first, second, third)).as("distinct buffers").hasSize(3);
    assertThat(pool.made()).as("three out at once: three made").isEqualTo(3);
    assertThat(pool.available()).isEqualTo(65_536 - 3);
    first.release();
    second.release();
    third.release();
    assertThat(pool.available()).isEqualTo(pool.size());
    for (int i = 0; i < 3; i++) {
      pool.acquire();
    }
    assertThat(pool.made()).as("the free ones are taken before any is made").isEqualTo(3);
  }

  @Test
  void aReleasedBuffer_forgetsThatItsChecksumWasVouchedFor() {
    PacketPool pool = new PacketPool(2, 64);
    PacketBuffer buffer = pool.acquire();
    assertThat(pool.acquire()).isNotNull(); // the other one: held, so the next acquire gives `buffer` back
    assertThat(pool.available()).isZero();
    buffer.tcpChecksumKnownGood = true; // as a TUN device marks what the local kernel built
    buffer.release();
    PacketBuffer again = pool.acquire();
    assertThat(again).isSameAs(buffer);
    assertThat(again.tcpChecksumKnownGood()).as("the next packet in it is summed as always").isFalse();
  }

  @Test
  void bufferCount_isRoundedUpToAPowerOfTwo_andEveryBufferCanBeAcquired() {
    PacketPool pool = new PacketPool(5, 64);

    assertThat(pool.size()).isEqualTo(8);
    for (int i = 0; i < 8; i++) {
      assertThat(pool.acquire()).as("buffer %d", i).isNotNull();
    }
    assertThat(pool.acquire()).isNull();
    assertThat(pool.made()).as("never more than the bound").isEqualTo(8);
  }

  @Test
  void acquireUntilExhausted_returnsNullAndCountsEachMiss() {
    PacketPool pool = new PacketPool(4, 128);
    Set<PacketBuffer> taken = Collections.newSetFromMap(new IdentityHashMap<>());
    for (int i = 0; i < 4; i++) {
      PacketBuffer buffer = pool.acquire();
      assertThat(buffer).isNotNull();
      assertThat(buffer.capacity()).isEqualTo(128);
      assertThat(buffer.data()).hasSize(128);
      taken.add(buffer);
    }
    assertThat(taken).as("distinct buffers").hasSize(4);
    assertThat(pool.available()).isZero();
    assertThat(pool.exhaustedCount()).isZero();

    assertThat(pool.acquire()).isNull();
    assertThat(pool.acquire()).isNull();
    assertThat(pool.acquire()).isNull();

    assertThat(pool.exhaustedCount()).isEqualTo(3);
    assertThat(pool.available()).isZero();
  }

  @Test
  void release_returnsTheBufferForTheNextAcquire() {
    PacketPool pool = new PacketPool(2, 64);
    PacketBuffer first = pool.acquire();
    PacketBuffer second = pool.acquire();
    assertThat(pool.acquire()).isNull();

    first.release();

    assertThat(pool.available()).isEqualTo(1);
    assertThat(pool.acquire()).isSameAs(first);
    second.release();
    first.release();
    assertThat(pool.available()).isEqualTo(2);
    assertThat(pool.exhaustedCount()).isEqualTo(1);
  }

  @Test
  void bufferContents_areCopiedInAndLengthIsKept() {
    PacketPool pool = new PacketPool(2, 16);
    PacketBuffer buffer = pool.acquire();
    byte[] src = {9, 8, 7, 6, 5, 4, 3};

    buffer.set(src, 2, 4);

    assertThat(buffer.length()).isEqualTo(4);
    assertThat(TestPackets.bytes(buffer)).containsExactly(7, 6, 5, 4);
    src[2] = 0;
    assertThat(buffer.data()[0]).as("a copy, not a view").isEqualTo((byte) 7);
  }

  @Test
  void doubleRelease_throwsAndDoesNotAddASecondCopy() {
    PacketPool pool = new PacketPool(4, 64);
    PacketBuffer buffer = pool.acquire();
    buffer.release();

    assertThatThrownBy(buffer::release)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("released twice");

    assertThat(pool.available()).isEqualTo(4);
    Set<PacketBuffer> all = Collections.newSetFromMap(new IdentityHashMap<>());
    for (int i = 0; i < 4; i++) {
      all.add(pool.acquire());
    }
    assertThat(all).as("four distinct buffers, no duplicate").hasSize(4).doesNotContainNull();
    assertThat(pool.acquire()).isNull();
  }

  @Test
  void releaseIntoTheWrongPool_throwsAndLeavesBothPoolsIntact() {
    PacketPool owner = new PacketPool(2, 64);
    PacketPool stranger = new PacketPool(2, 64);
    PacketBuffer buffer = owner.acquire();
    PacketBuffer strangers = stranger.acquire();

    assertThatThrownBy(() -> stranger.release(buffer))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("wrong pool");

    assertThat(stranger.available()).isEqualTo(1);
    assertThat(owner.available()).isEqualTo(1);
    buffer.release();
    strangers.release();
    assertThat(owner.available()).isEqualTo(2);
    assertThat(stranger.available()).isEqualTo(2);
  }

  /**
   * Two threads that each acquire and release must never lose a buffer. With a ring that reports
   * "full" while a consumer is between claiming a slot and freeing it, a release could be refused
   * and the buffer silently dropped; model checking finds that interleaving in a pool of two.
   */
  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void concurrentAcquireAndRelease_neverLosesABuffer() {
    new ModelCheckingOptions()
        .threads(2)
        .actorsPerThread(2)
        .actorsBefore(0)
        .actorsAfter(0)
        .iterations(5)
        .invocationsPerIteration(1_000)
        .check(AcquireRelease.class);
  }

  /**
   * Lincheck's view of a pool of two buffers, made as the threads first need them. Its results are
   * all {@code true}: any history is valid.
   */
  public static final class AcquireRelease {
    private final PacketPool pool = new PacketPool(2, 64);

    @Operation
    public boolean acquireAndRelease() {
      PacketBuffer buffer = pool.acquire();
      if (buffer == null) {
        throw new IllegalStateException("a pool of two ran dry with two threads holding at most one each");
      }
      buffer.release();
      return true;
    }

    @Validate
    public void everyBufferIsBackInThePool() {
      if (pool.available() != pool.size()) {
        throw new IllegalStateException("lost buffers: " + pool.available() + " of " + pool.size() + " free");
      }
      if (pool.made() > pool.size()) {
        throw new IllegalStateException("made " + pool.made() + " buffers, beyond the bound " + pool.size());
      }
    }
  }
}
