package dev.sluice.stack;

import dev.sluice.link.Device;
import dev.sluice.link.PacketBuffer;
import dev.sluice.link.PacketTap;
import dev.sluice.wire.DropCounters;
import java.util.ArrayList;
import java.util.List;

/** A device that receives nothing and keeps a copy of everything transmitted, for tests. */
final class RecordingDevice implements Device {
  private final String name;
  private final DropCounters drops = new DropCounters();
  private final List<byte[]> sent = new ArrayList<>();

  RecordingDevice(String name) {
    this.name = name;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int mtu() {
    return 1500;
  }

  @Override
  public int receiveQueueCount() {
    return 1;
  }

  @Override
  public PacketBuffer poll(int queue) {
    return null;
  }

  @Override
  public synchronized boolean transmit(byte[] buf, int off, int len, long nowNanos) {
    sent.add(java.util.Arrays.copyOfRange(buf, off, off + len));
    return true;
  }

  synchronized List<byte[]> sent() {
    return new ArrayList<>(sent);
  }

  @Override
  public DropCounters drops() {
    return drops;
  }

  @Override
  public void addTap(PacketTap tap) {
    throw new UnsupportedOperationException("not needed by these tests");
  }
}
