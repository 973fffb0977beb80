package dev.sluice.cli.drill;

import dev.sluice.link.Device;
import dev.sluice.link.Direction;
import dev.sluice.link.PacketBuffer;
import dev.sluice.link.PacketPool;
import dev.sluice.link.PacketTap;
import dev.sluice.wire.DropCounters;
import dev.sluice.wire.DropReason;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The stack's one interface in a script run, in the role of packetdrill's TUN device: the script
 * injects packets into its receive queue, and every packet the stack transmits waits, with the
 * virtual time it left at, until the script's next outbound line takes it. Single-threaded, as
 * the whole run is.
 */
final class ScriptInterface implements Device {
  /** A packet the stack sent. */
  record Sent(byte[] packet, long timeNanos) {}

  private final int mtu;
  private final PacketPool pool;
  private final ArrayDeque<PacketBuffer> inbound = new ArrayDeque<>();
  private final ArrayDeque<Sent> outbound = new ArrayDeque<>();
  private final DropCounters drops = new DropCounters();
  private final List<PacketTap> taps = new ArrayList<>();

  ScriptInterface(int mtu) {
    this.mtu = mtu;
    this.pool = new PacketPool(64, mtu);
  }

  /** Queues {@code packet} as if it had just arrived on the wire. */
  void inject(byte[] packet, long nowNanos) {
    if (packet.length > mtu) {
      throw new IllegalArgumentException("an injected packet of " + packet.length + " bytes exceeds the MTU " + mtu);
    }
    PacketBuffer buffer = pool.acquire();
    if (buffer == null) {
      throw new IllegalStateException("more than 64 injected packets wait unread: the stack is not polled");
    }
    System.arraycopy(packet, 0, buffer.data(), 0, packet.length);
    buffer.setLength(packet.length);
    for (PacketTap tap : taps) {
      tap.onPacket(this, Direction.INBOUND, packet, 0, packet.length, nowNanos);
    }
    inbound.add(buffer);
  }

  /** The oldest packet the stack sent that the script has not taken yet, or null. */
  Sent peekSent() {
    return outbound.peek();
  }

  Sent takeSent() {
    return outbound.poll();
  }

  @Override
  public String name() {
    return "drill0";
  }

  @Override
  public int mtu() {
    return mtu;
  }

  @Override
  public int receiveQueueCount() {
    return 1;
  }

  @Override
  public PacketBuffer poll(int queue) {
    return inbound.poll();
  }

  @Override
  public boolean transmit(byte[] buf, int off, int len, long nowNanos) {
    if (len > mtu) {
      drops.increment(DropReason.LINK_MTU_EXCEEDED);
      return false;
    }
    for (PacketTap tap : taps) {
      tap.onPacket(this, Direction.OUTBOUND, buf, off, len, nowNanos);
    }
    outbound.add(new Sent(java.util.Arrays.copyOfRange(buf, off, off + len), nowNanos));
    return true;
  }

  @Override
  public DropCounters drops() {
    return drops;
  }

  @Override
  public void addTap(PacketTap tap) {
    taps.add(tap);
  }
}
