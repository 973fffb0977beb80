package dev.sluice.gateway.relay;

import dev.sluice.tcp.SendBufferBudget;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The TCP flows' memory bound ({@code --max-memory}): what every admitted flow may buffer at its
 * first buffer sizes ({@code flowBytes}, reserved when it is admitted) plus what growing send
 * buffers reserved beyond that ({@code --flow-buffer-max}), at most {@code maxBytes} together.
 *
 * <p>Growth, the role of Linux's {@code tcp_mem} under send-buffer autotuning: a flow whose guest
 * acknowledges faster than one buffer per round trip grows its send buffer toward the guest, as far
 * as this budget grants. Growth may take at most a quarter of {@code maxBytes}, so at least three
 * quarters stay for admitting flows: with nothing grown, {@code maxBytes / flowBytes} flows are
 * admitted as before; with the growth share all used, a quarter fewer. A flow gives its growth back
 * when its buffer is empty and idle for a second (the idle sweep), in TIME-WAIT, or when it closes.
 *
 * <p>Thread-safe without locks: admissions come from the SYN deciders and the port forwarders,
 * growth from the connections' owners (receive workers, relay threads). {@code reserved} alone
 * decides the bound, by compare-and-set; {@code grown} only bounds the growth share, and a growth
 * refused by either gives back what it took from the other.
 */
final class FlowMemory implements SendBufferBudget {
  private final long maxBytes;
  private final long flowBytes;
  private final int maxFlows;
  private final long growthCap;
  /** Admitted flows times {@code flowBytes}, plus {@link #grown}: at most {@code maxBytes}. */
  private final AtomicLong reserved = new AtomicLong();
  private final AtomicLong grown = new AtomicLong();
  private final AtomicLong mostGrown = new AtomicLong();
  private final LongAdder growths = new LongAdder();
  private final AtomicInteger flows = new AtomicInteger();

  /**
   * @param maxBytes the bound ({@code --max-memory})
   * @param flowBytes one flow's most at its first sizes: Sluice's two buffers and the relay's two
   * @param maxFlows the most flows whatever the memory ({@code --max-flows})
   */
  FlowMemory(long maxBytes, long flowBytes, int maxFlows) {
    this.maxBytes = maxBytes;
    this.flowBytes = flowBytes;
    this.maxFlows = maxFlows;
    this.growthCap = maxBytes / 4;
  }

  /** The most flows at once, with nothing grown: {@code maxFlows}, or fewer if memory says so. */
  int flowLimit() {
    return (int) Math.min(maxFlows, maxBytes / flowBytes);
  }

  long flowBytes() {
    return flowBytes;
  }

  /** Admits one flow if both the flow count and the memory allow it. */
  boolean takeFlow() {
    if (flows.incrementAndGet() > maxFlows) {
      flows.decrementAndGet();
      return false;
    }
    if (!reserve(flowBytes)) {
      flows.decrementAndGet();
      return false;
    }
    return true;
  }

  /** Gives back a flow that {@link #takeFlow} admitted. */
  void releaseFlow() {
    reserved.addAndGet(-flowBytes);
    flows.decrementAndGet();
  }

  int flows() {
    return flows.get();
  }

  @Override
  public boolean tryReserve(int bytes) {
    long nowGrown = grown.addAndGet(bytes);
    if (nowGrown > growthCap || !reserve(bytes)) {
      grown.addAndGet(-bytes);
      return false;
    }
    mostGrown.accumulateAndGet(nowGrown, Math::max);
    growths.increment();
    return true;
  }

  @Override
  public void release(int bytes) {
    reserved.addAndGet(-bytes);
    grown.addAndGet(-bytes);
  }

  /** Bytes reserved now: the admitted flows' first sizes plus the growth. */
  long reservedBytes() {
    return reserved.get();
  }

  /** Bytes of growth the flows' send buffers hold reserved now. */
  long grownBytes() {
    return grown.get();
  }

  /** How many times a send buffer was granted growth since the gateway started. */
  long growths() {
    return growths.sum();
  }

  /** The most growth held at once since the gateway started. */
  long mostGrownBytes() {
    return mostGrown.get();
  }

  /** The most the send buffers may grow in all: a quarter of the bound. */
  long growthCapBytes() {
    return growthCap;
  }

  private boolean reserve(long bytes) {
    while (true) {
      long now = reserved.get();
      if (now + bytes > maxBytes) {
        return false;
      }
      if (reserved.compareAndSet(now, now + bytes)) {
        return true;
      }
    }
  }
}
